import type { ActionKind } from '../incidents/actions.ts';
import { invalidInput } from '../shared/errors.ts';

/*
 * Mail templates: per action kind and language, shipped here and overridable per deployment (the
 * mail_templates table). Placeholders are `{{name}}` with the names in TEMPLATE_FIELDS; an unknown
 * one is refused when a template is saved. Values are inserted as they are (plain text mail).
 */

export const MAIL_LANGUAGES = ['zh-CN', 'en'] as const;
export type MailLanguage = (typeof MAIL_LANGUAGES)[number];

/** Action kinds a mail can be sent for (the others are internal to the CERT). */
export const MAIL_ACTION_KINDS = [
  'notify_owner',
  'contact_isp',
  'request_domain_suspension',
  'request_content_removal',
  'contact_cert',
  'advise_reporter',
] as const satisfies readonly ActionKind[];
export type MailActionKind = (typeof MAIL_ACTION_KINDS)[number];

/** The fields a template may use. */
export const TEMPLATE_FIELDS = [
  'incidentId',
  'trackingNumber',
  'title',
  'category',
  'rsit',
  'severity',
  'tlp',
  'branch',
  'observables',
  'description',
  'openedAt',
  'recipientName',
  'senderName',
  'senderEmail',
] as const;
export type TemplateField = (typeof TEMPLATE_FIELDS)[number];
export type TemplateVars = Record<TemplateField, string>;

export interface MailTemplate {
  subject: string;
  body: string;
}

const PLACEHOLDER_RE = /\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/g;

/** Placeholders of a text that are not template fields. */
export function unknownPlaceholders(text: string): string[] {
  const bad = new Set<string>();
  for (const m of text.matchAll(PLACEHOLDER_RE)) {
    if (!(TEMPLATE_FIELDS as readonly string[]).includes(m[1]!)) bad.add(m[1]!);
  }
  return [...bad];
}

/** Throws invalid_input naming the unknown placeholders of a template's subject and body. */
export function validateTemplate(t: MailTemplate): void {
  const fields = [];
  if (t.subject.trim() === '') fields.push({ field: 'subject', message: 'must not be empty' });
  if (/[\r\n]/.test(t.subject)) fields.push({ field: 'subject', message: 'must be one line' });
  if (t.body.trim() === '') fields.push({ field: 'body', message: 'must not be empty' });
  for (const [field, text] of [
    ['subject', t.subject],
    ['body', t.body],
  ] as const) {
    const bad = unknownPlaceholders(text);
    if (bad.length)
      fields.push({
        field,
        message: `unknown placeholder ${bad.map((b) => `{{${b}}}`).join(', ')}; use ${TEMPLATE_FIELDS.join(', ')}`,
      });
  }
  if (fields.length)
    throw invalidInput(
      `invalid template: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`,
      fields,
    );
}

/** Replaces `{{field}}` with its value; unknown placeholders stay as written. */
export function renderText(text: string, vars: Partial<TemplateVars>): string {
  return text.replace(PLACEHOLDER_RE, (whole, name: string) => {
    const v = (vars as Record<string, string | undefined>)[name];
    return v === undefined ? whole : v;
  });
}

/** Subject line values must stay on one line. */
function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').trim();
}

export function renderTemplate(t: MailTemplate, vars: Partial<TemplateVars>): MailTemplate {
  const subjectVars: Partial<TemplateVars> = {};
  for (const [k, v] of Object.entries(vars)) (subjectVars as Record<string, string>)[k] = oneLine(v ?? '');
  return { subject: oneLine(renderText(t.subject, subjectVars)), body: renderText(t.body, vars) };
}

/** `[tag #123] subject`, unless the subject already carries the tag of that incident. */
export function threadedSubject(tag: string, incidentId: number, subject: string): string {
  const marker = `[${tag} #${incidentId}]`;
  return subject.includes(marker) ? subject : `${marker} ${subject}`;
}

const ZH_FOOTER = `

此致
{{senderName}}
{{senderEmail}}

请回复本邮件（保留主题中的编号），以便我们将您的回复归入同一事件。`;

const EN_FOOTER = `

Kind regards,
{{senderName}}
{{senderEmail}}

Please reply to this message (keeping the number in the subject) so that your answer is filed with the incident.`;

const ZH_FACTS = `事件编号：#{{incidentId}}
跟踪号：{{trackingNumber}}
类别：{{category}}（{{rsit}}）
发现时间：{{openedAt}}
负责单位：{{branch}}

相关对象：
{{observables}}

描述：
{{description}}`;

const EN_FACTS = `Incident: #{{incidentId}}
Tracking number: {{trackingNumber}}
Category: {{category}} ({{rsit}})
Observed: {{openedAt}}
Handled by: {{branch}}

Observables:
{{observables}}

Description:
{{description}}`;

/** The shipped templates. */
export const DEFAULT_TEMPLATES: Readonly<Record<MailActionKind, Record<MailLanguage, MailTemplate>>> = {
  notify_owner: {
    'zh-CN': {
      subject: '安全事件通知：{{title}}',
      body: `{{recipientName}}您好：

我们发现贵单位负责的系统涉及以下网络安全事件，请尽快核查处置，并将处理结果回复我们。

${ZH_FACTS}${ZH_FOOTER}`,
    },
    en: {
      subject: 'Security incident notification: {{title}}',
      body: `Dear {{recipientName}},

We have found that systems you are responsible for are involved in the security incident below. Please investigate, remedy it and let us know the outcome.

${EN_FACTS}${EN_FOOTER}`,
    },
  },
  contact_isp: {
    'zh-CN': {
      subject: '请协助处置网络安全事件：{{title}}',
      body: `{{recipientName}}您好：

以下网络安全事件涉及贵单位网络内的地址，请协助通知相关用户并处置，处理后请回复我们。

${ZH_FACTS}${ZH_FOOTER}`,
    },
    en: {
      subject: 'Request for assistance with a security incident: {{title}}',
      body: `Dear {{recipientName}},

The security incident below involves addresses in your network. Please inform the customer concerned, help to remedy it and reply with the outcome.

${EN_FACTS}${EN_FOOTER}`,
    },
  },
  request_domain_suspension: {
    'zh-CN': {
      subject: '请求暂停恶意域名解析：{{title}}',
      body: `{{recipientName}}您好：

以下域名被用于网络仿冒或其他恶意活动，请依据相关规定暂停其解析，并将处理结果回复我们。

${ZH_FACTS}${ZH_FOOTER}`,
    },
    en: {
      subject: 'Request to suspend a malicious domain: {{title}}',
      body: `Dear {{recipientName}},

The domain(s) below are used for phishing or other malicious activity. Please suspend them under your policy and reply with the outcome.

${EN_FACTS}${EN_FOOTER}`,
    },
  },
  request_content_removal: {
    'zh-CN': {
      subject: '请求删除恶意内容：{{title}}',
      body: `{{recipientName}}您好：

贵单位托管的以下内容涉及网络安全事件（如仿冒页面、恶意代码或被篡改页面），请尽快删除或停止访问，并将处理结果回复我们。

${ZH_FACTS}${ZH_FOOTER}`,
    },
    en: {
      subject: 'Request to remove malicious content: {{title}}',
      body: `Dear {{recipientName}},

Content hosted by you is involved in the security incident below (a phishing page, malicious code or a defaced page). Please remove it or disable access to it and reply with the outcome.

${EN_FACTS}${EN_FOOTER}`,
    },
  },
  contact_cert: {
    'zh-CN': {
      subject: '跨境网络安全事件协查：{{title}}',
      body: `{{recipientName}}您好：

以下网络安全事件涉及贵方管辖范围内的网络资源，请协助处置，并将处理情况告知我们。

${ZH_FACTS}${ZH_FOOTER}`,
    },
    en: {
      subject: 'Incident coordination request: {{title}}',
      body: `Dear colleagues at {{recipientName}},

The security incident below involves network resources in your constituency. We would appreciate your help in handling it and hearing about the outcome.

${EN_FACTS}${EN_FOOTER}`,
    },
  },
  advise_reporter: {
    'zh-CN': {
      subject: '关于您报告的网络安全事件（{{trackingNumber}}）',
      body: `{{recipientName}}您好：

感谢您报告网络安全事件。我们已受理（跟踪号 {{trackingNumber}}），目前的处理情况如下，如有进一步信息请直接回复本邮件。

${ZH_FACTS}${ZH_FOOTER}`,
    },
    en: {
      subject: 'About the security incident you reported ({{trackingNumber}})',
      body: `Dear {{recipientName}},

Thank you for your report. We have registered it under tracking number {{trackingNumber}}; the details we hold are below. Please reply to this message with anything further.

${EN_FACTS}${EN_FOOTER}`,
    },
  },
};

export function isMailActionKind(v: unknown): v is MailActionKind {
  return typeof v === 'string' && (MAIL_ACTION_KINDS as readonly string[]).includes(v);
}

export function isMailLanguage(v: unknown): v is MailLanguage {
  return v === 'zh-CN' || v === 'en';
}

/** The grouped notification's texts (fields: count, recipientName, senderName, senderEmail, period, types). */
export const BULK_TEMPLATES: Readonly<Record<MailLanguage, MailTemplate>> = {
  'zh-CN': {
    subject: '网络安全事件通报：贵单位网络内的 {{count}} 条事件',
    body: `{{recipientName}}您好：

我们在贵单位负责的网络中观察到以下 {{count}} 条网络安全事件（{{period}}），详情见附件 CSV 文件（UTF-8 编码）。请核查并处置相关主机。

事件类型：
{{types}}

此致
{{senderName}}
{{senderEmail}}`,
  },
  en: {
    subject: 'Security events in your network: {{count}} events',
    body: `Dear {{recipientName}},

We observed the {{count}} security events below in networks you are responsible for ({{period}}). The details are in the attached CSV file (UTF-8). Please investigate and clean up the hosts concerned.

Event types:
{{types}}

Kind regards,
{{senderName}}
{{senderEmail}}`,
  },
};

/** Renders a bulk template (its own field names). */
export function renderBulk(lang: MailLanguage, vars: Record<string, string>): MailTemplate {
  const t = BULK_TEMPLATES[lang];
  const fill = (s: string, line: boolean) =>
    s.replace(PLACEHOLDER_RE, (whole, name: string) => {
      const v = vars[name];
      return v === undefined ? whole : line ? oneLine(v) : v;
    });
  return { subject: fill(t.subject, true), body: fill(t.body, false) };
}
