import type { Catalogue } from '../catalogue.ts';

/** Feed parsers (src/pipeline/parsers): names and one-line descriptions, by parser id. */
export const parsers: Catalogue = {
  'zh-CN': {
    'parsers.shadowserver.name': 'Shadowserver 报告',
    'parsers.shadowserver.description':
      'Shadowserver CSV 报告（按报告模式解析：僵尸主机、沉洞、蜜罐扫描、SMB 暴露、被入侵网站、恶意网址、仿冒网址等）',
    'parsers.cymru-cap.name': 'Team Cymru CAP',
    'parsers.cymru-cap.description':
      'Team Cymru CSIRT 协助计划数据（新旧两种格式：僵尸主机、控制服务器、扫描、仿冒、开放代理等）',
    'parsers.spamhaus-cert.name': 'Spamhaus CERT',
    'parsers.spamhaus-cert.description': 'Spamhaus CERT Insight 数据（受感染主机、暴力破解、扫描、开放中继）',
    'parsers.microsoft-ctip.name': '微软 CTIP',
    'parsers.microsoft-ctip.description': '微软网络威胁情报计划受感染主机数据（Interflow 与 Azure 两种格式）',
    'parsers.openphish.name': 'OpenPhish',
    'parsers.openphish.description': '仿冒网址列表，每行一个网址',
    'parsers.phishtank.name': 'PhishTank',
    'parsers.phishtank.description': 'PhishTank 已验证在线仿冒网址（JSON，流式读取）',
    'parsers.zone-h.name': 'Zone-H',
    'parsers.zone-h.description': 'Zone-H 网页篡改记录（已确认与待确认两种 CSV）',
    'parsers.feodotracker.name': 'abuse.ch Feodo Tracker',
    'parsers.feodotracker.description': 'Feodo Tracker 僵尸网络控制服务器地址列表（JSON）',
    'parsers.bambenek-c2.name': 'Bambenek C2',
    'parsers.bambenek-c2.description': 'Bambenek 控制服务器 IP 与域名列表',
    'parsers.generic-csv.name': '通用 CSV',
    'parsers.generic-csv.description': '按数据源配置的列映射解析任意 CSV',
    'parsers.generic-json.name': '通用 JSON',
    'parsers.generic-json.description': '按数据源配置的字段映射解析 JSON 数组或 JSON Lines',
  },
  en: {
    'parsers.shadowserver.name': 'Shadowserver reports',
    'parsers.shadowserver.description':
      'Shadowserver CSV reports, read through the report schema (drones, sinkholes, honeypot scans, accessible SMB, compromised websites, malware and phishing URLs, …)',
    'parsers.cymru-cap.name': 'Team Cymru CAP',
    'parsers.cymru-cap.description':
      'Team Cymru CSIRT Assistance Program files, old and new layouts (bots, controllers, scanners, phishing, open proxies, …)',
    'parsers.spamhaus-cert.name': 'Spamhaus CERT',
    'parsers.spamhaus-cert.description':
      'Spamhaus CERT Insight data (infected hosts, brute force, scanners, open relays)',
    'parsers.microsoft-ctip.name': 'Microsoft CTIP',
    'parsers.microsoft-ctip.description':
      'Microsoft Cyber Threat Intelligence Program infected-host data (Interflow and Azure formats)',
    'parsers.openphish.name': 'OpenPhish',
    'parsers.openphish.description': 'Phishing URL list, one URL per line',
    'parsers.phishtank.name': 'PhishTank',
    'parsers.phishtank.description': 'PhishTank verified online phishing URLs (JSON, streamed)',
    'parsers.zone-h.name': 'Zone-H',
    'parsers.zone-h.description': 'Zone-H defacement records (accepted and pending CSV layouts)',
    'parsers.feodotracker.name': 'abuse.ch Feodo Tracker',
    'parsers.feodotracker.description': 'Feodo Tracker botnet C&C server blocklist (JSON)',
    'parsers.bambenek-c2.name': 'Bambenek C2',
    'parsers.bambenek-c2.description': 'Bambenek C&C IP and domain masterlists',
    'parsers.generic-csv.name': 'Generic CSV',
    'parsers.generic-csv.description': "Any CSV, read through the column mapping in the feed's configuration",
    'parsers.generic-json.name': 'Generic JSON',
    'parsers.generic-json.description':
      "A JSON array or JSON lines, read through the field mapping in the feed's configuration",
  },
};
