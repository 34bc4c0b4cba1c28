import type { Catalogue } from '../catalogue.ts';

/** Labels and definitions of every statistic in core/stats/definitions.ts, and category names. */
export const stats: Catalogue = {
  'zh-CN': {
    'stats.period': '统计期间',
    'stats.title': '统计',
    'stats.from': '自',
    'stats.to': '至',
    'stats.show': '统计',
    'stats.col.item': '项目',
    'stats.col.count': '数量',
    'stats.col.share': '比例',
    'stats.col.total': '合计',
    'stats.reports_received_non_scanning.label': '接收非扫描类网络安全事件报告',
    'stats.reports_received_non_scanning.definition':
      '统计期间内接收（按接收时间计）的事件报告中，类别不是“扫描”的报告数。报告的类别以其所属事件经分类后的类别为准，尚未归入事件的以接收时的类别为准。',
    'stats.reports_received_per_month.label': '非扫描类事件月度统计',
    'stats.reports_received_per_month.definition':
      '非扫描类事件报告按接收月份（配置时区的自然月）分布，期间内每个月都列出，无报告的月份为 0。',
    'stats.reports_received_per_category.label': '网络安全事件类型分布',
    'stats.reports_received_per_category.definition':
      '非扫描类事件报告按类别分布；比例为该类报告数除以非扫描类报告总数。',
    'stats.incidents_handled.label': '成功处理网络安全事件',
    'stats.incidents_handled.definition':
      '统计期间内处理完毕（状态为“已解决”，解决时间在期间内）的事件数；被合并、被驳回的事件不计入。',
    'stats.incidents_handled_per_category.label': '处理网络安全事件数量统计',
    'stats.incidents_handled_per_category.definition': '期间内处理完毕的事件按类别分布（含扫描类）。',
    'stats.branches_handling.label': '各省分中心参与事件处理数目',
    'stats.branches_handling.definition':
      '期间内处理完毕的事件中，某分中心负责该事件或在该事件上记录过处理动作，即计为该分中心参与处理一次（同一事件对同一分中心只计一次）；比例为该分中心次数除以各分中心次数之和。国家中心不计入。',
    'category.phishing': '网络仿冒',
    'category.spam': '垃圾邮件',
    'category.web-malicious-code': '网页恶意代码',
    'category.vulnerability': '漏洞',
    'category.virus-worm-trojan': '病毒、蠕虫或木马',
    'category.dos': '拒绝服务攻击',
    'category.defacement': '网页篡改',
    'category.scanning': '扫描',
    'category.other': '其他',
  },
  en: {
    'stats.period': 'Period',
    'stats.title': 'Statistics',
    'stats.from': 'From',
    'stats.to': 'To',
    'stats.show': 'Show',
    'stats.col.item': 'Item',
    'stats.col.count': 'Count',
    'stats.col.share': 'Share',
    'stats.col.total': 'Total',
    'stats.reports_received_non_scanning.label': 'Non-scanning incident reports received',
    'stats.reports_received_non_scanning.definition':
      'Reports received in the period (by time received) whose category is not scanning. A report takes the category of the incident it belongs to once triaged, otherwise the category it was received with.',
    'stats.reports_received_per_month.label': 'Non-scanning reports per month',
    'stats.reports_received_per_month.definition':
      'Non-scanning reports by calendar month of receipt in the configured time zone; every month of the period is listed, with 0 where none arrived.',
    'stats.reports_received_per_category.label': 'Reports by incident category',
    'stats.reports_received_per_category.definition':
      'Non-scanning reports by category; share = the category’s reports / all non-scanning reports.',
    'stats.incidents_handled.label': 'Incidents handled',
    'stats.incidents_handled.definition':
      'Incidents resolved in the period (state resolved, resolution time inside the period); merged and rejected incidents do not count.',
    'stats.incidents_handled_per_category.label': 'Incidents handled by category',
    'stats.incidents_handled_per_category.definition':
      'Incidents resolved in the period by category, scanning included.',
    'stats.branches_handling.label': 'Branches taking part in handling',
    'stats.branches_handling.definition':
      'For incidents resolved in the period, a branch takes part once per incident it owns or recorded an action on; share = its count / the sum over all branches. The national centre is not a branch and is left out.',
    'category.phishing': 'Phishing',
    'category.spam': 'Spam',
    'category.web-malicious-code': 'Web malicious code',
    'category.vulnerability': 'Vulnerability',
    'category.virus-worm-trojan': 'Virus, worm or trojan',
    'category.dos': 'Denial of service',
    'category.defacement': 'Defacement',
    'category.scanning': 'Scanning',
    'category.other': 'Other',
  },
};
