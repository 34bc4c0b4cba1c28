import type { Catalogue } from '../catalogue.ts';

/** Machine-readable abuse report formats (src/mail/formats): their names, and how a rejection reads. */
export const mailFormats: Catalogue = {
  'zh-CN': {
    'mailFormats.format.arf': 'ARF 反馈报告（RFC 5965）',
    'mailFormats.format.x-arf': 'X-ARF 0.2 报告',
    'mailFormats.format.xarf-v3': 'XARF v3 JSON 报告',
    'mailFormats.format.xarf-v4': 'XARF v4 JSON 报告',
    'mailFormats.format.iodef-1': 'IODEF 1.0 事件文档（RFC 5070）',
    'mailFormats.format.iodef-2': 'IODEF 2.0 事件文档（RFC 7970）',
    'mailFormats.feedback.abuse': '垃圾邮件投诉',
    'mailFormats.feedback.fraud': '欺诈/仿冒投诉',
    'mailFormats.feedback.virus': '病毒投诉',
    'mailFormats.feedback.auth-failure': 'DMARC/认证失败报告',
    'mailFormats.feedback.not-spam': '非垃圾邮件申诉',
    'mailFormats.feedback.opt-out': '退订请求',
    'mailFormats.feedback.other': '其他反馈',
    'mailFormats.rejected': '{format}格式无效：{error}',
    'mailFormats.recognised': '已识别为{format}，共 {count} 份报告。',
  },
  en: {
    'mailFormats.format.arf': 'ARF feedback report (RFC 5965)',
    'mailFormats.format.x-arf': 'X-ARF 0.2 report',
    'mailFormats.format.xarf-v3': 'XARF v3 JSON report',
    'mailFormats.format.xarf-v4': 'XARF v4 JSON report',
    'mailFormats.format.iodef-1': 'IODEF 1.0 incident document (RFC 5070)',
    'mailFormats.format.iodef-2': 'IODEF 2.0 incident document (RFC 7970)',
    'mailFormats.feedback.abuse': 'Spam complaint',
    'mailFormats.feedback.fraud': 'Fraud/phishing complaint',
    'mailFormats.feedback.virus': 'Virus complaint',
    'mailFormats.feedback.auth-failure': 'DMARC/authentication failure report',
    'mailFormats.feedback.not-spam': 'Not-spam appeal',
    'mailFormats.feedback.opt-out': 'Opt-out request',
    'mailFormats.feedback.other': 'Other feedback',
    'mailFormats.rejected': 'Invalid {format}: {error}',
    'mailFormats.recognised': 'Recognised as {format}: {count} report(s).',
  },
};
