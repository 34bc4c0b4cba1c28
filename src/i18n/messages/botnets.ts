import type { Catalogue } from '../catalogue.ts';

/**
 * §6 trojan and botnet statistics (labels and definitions of the registry entries in
 * core/stats/definitions.ts, under `stats.<id>.*`), malware kinds, the malware family catalogue,
 * and regions the report names in its own way.
 */
export const botnets: Catalogue = {
  'zh-CN': {
    'botnets.title': '木马与僵尸网络统计',
    'botnets.kind': '类型',
    'botnets.kind.all': '全部类型',
    'botnets.kind.trojan': '木马',
    'botnets.kind.bot': '僵尸程序',
    'botnets.kind.worm': '蠕虫',
    'botnets.kind.virus': '病毒',
    'botnets.kind.other': '其他',
    'botnets.controller_ips': '控制端 IP 地址',
    'botnets.controlled_ips': '被控端 IP 地址',
    'botnets.total': '总数',
    'botnets.mainland': '中国大陆',
    'botnets.outside_mainland': '中国大陆地区外',
    'botnets.by_province': '中国大陆被控端 IP 按省份分布',
    'botnets.by_region': '中国大陆地区外控制端按国家和地区分布',
    'botnets.ports': '控制服务器使用端口分布',
    'botnets.sizes': '僵尸网络规模分布（每个控制服务器的被控主机数）',
    'botnets.col.port': '端口',
    'botnets.col.bucket': '规模',
    'botnets.col.botnets': '僵尸网络数',
    'botnets.previous_same': '去年同期',
    'botnets.previous_full': '去年全年',
    'botnets.no_previous': '去年无数据',
    'botnets.current': '本期',
    'botnets.unknown_branch': '省份不详',
    'botnets.definitions': '定义',
    'botnets.region.TW': '中国台湾',
    'botnets.region.HK': '中国香港',
    'botnets.region.MO': '中国澳门',
    'botnets.region.EU': '欧洲（国家不详）',
    'botnets.region.ZZ': '不详',
    'botnets.figures_by_kind': '各项数字按恶意代码类型分列；“全部类型”按地址去重，不是各类型之和。',
    'stats.trojan_controller_ips.label': '木马控制端 IP 地址总数',
    'stats.trojan_controller_ips.definition':
      '期间内（按事件的 time.source）出现的控制端地址去重计数：c2-server 类事件的源地址，加上 infected-system 类事件的目的地址（被控主机连接的控制端）；事件类型按其恶意代码名称（或家族）在恶意代码家族目录中的类型确定。',
    'stats.trojan_controlled_ips.label': '木马被控端 IP 地址总数',
    'stats.trojan_controlled_ips.definition': '期间内 infected-system 类事件源地址的去重计数。',
    'stats.trojan_controlled_ips_mainland.label': '中国大陆被植入木马的主机 IP 数',
    'stats.trojan_controlled_ips_mainland.definition':
      '被控端地址中地理位置国家代码为 CN 的去重计数（台湾、香港、澳门分别以 TW、HK、MO 计，不属于大陆）。',
    'stats.trojan_controlled_mainland_by_province.label': '中国大陆被木马控制的计算机 IP 分布',
    'stats.trojan_controlled_mainland_by_province.definition':
      '大陆被控端地址按其所属分中心（省份）分别去重计数；比例为该省数量除以大陆被控端总数。省份不详的单列。',
    'stats.trojan_controller_ips_outside_mainland.label': '中国大陆地区外木马控制端 IP 数',
    'stats.trojan_controller_ips_outside_mainland.definition':
      '控制端地址中从未定位在大陆（国家代码不是 CN 或不详）的去重计数；总数 = 大陆 + 大陆地区外。',
    'stats.trojan_controllers_outside_mainland_by_region.label': '境外木马控制端按国家和地区分布',
    'stats.trojan_controllers_outside_mainland_by_region.definition':
      '大陆地区外的控制端地址按国家或地区（台湾、香港、澳门作为地区）去重计数；比例为该国家或地区数量除以大陆地区外控制端总数；国家不详记为 ZZ。',
    'stats.bot_ips_mainland.label': '中国大陆被植入僵尸程序的主机 IP 数',
    'stats.bot_ips_mainland.definition':
      '类型为僵尸程序的 infected-system 事件中，国家代码为 CN 的源地址去重计数。',
    'stats.cc_servers_outside_mainland.label': '中国大陆地区外僵尸网络控制服务器数',
    'stats.cc_servers_outside_mainland.definition':
      '类型为僵尸程序的控制端地址（c2-server 源地址和 infected-system 目的地址）中不在大陆的去重计数。',
    'stats.cc_servers_outside_mainland_by_region.label': '中国大陆地区外僵尸网络控制服务器分布',
    'stats.cc_servers_outside_mainland_by_region.definition':
      '大陆地区外的僵尸网络控制服务器按国家或地区去重计数，比例为占大陆地区外控制服务器总数的比例。',
    'stats.cc_server_ports.label': '僵尸网络控制服务器使用端口分布',
    'stats.cc_server_ports.definition':
      '每个端口上出现的控制服务器地址去重计数（c2-server 事件的源端口、infected-system 事件的目的端口）；比例为该端口数量除以各端口数量之和。',
    'stats.botnet_sizes.label': '僵尸网络规模分布',
    'stats.botnet_sizes.definition':
      '一个控制服务器地址及期间内以它为目的地址的不同被控主机构成一个僵尸网络，其规模为被控主机数；按 1–10、11–100、101–1,000、1,001–5,000、5,001–10,000、10,000 以上分段统计僵尸网络个数。',
    'malware.title': '恶意代码家族目录',
    'malware.name': '名称',
    'malware.kind': '类型',
    'malware.aliases': '别名',
    'malware.aliases_hint': '每行一个或用逗号分隔；不区分大小写',
    'malware.description_zh': '中文说明',
    'malware.description_en': '英文说明',
    'malware.add': '添加家族',
    'malware.save': '保存',
    'malware.delete': '删除',
    'malware.saved': '已保存',
    'malware.deleted': '已删除',
    'malware.empty': '目录为空',
    'malware.intro':
      '事件的恶意代码名称按名称或别名（不区分大小写）对应到家族，再由家族确定类型；未对应的事件类型为“其他”。修改即时作用于统计。',
  },
  en: {
    'botnets.title': 'Trojans and botnets',
    'botnets.kind': 'Kind',
    'botnets.kind.all': 'All kinds',
    'botnets.kind.trojan': 'Trojan',
    'botnets.kind.bot': 'Bot',
    'botnets.kind.worm': 'Worm',
    'botnets.kind.virus': 'Virus',
    'botnets.kind.other': 'Other',
    'botnets.controller_ips': 'Controller IP addresses',
    'botnets.controlled_ips': 'Controlled IP addresses',
    'botnets.total': 'Total',
    'botnets.mainland': 'Mainland China',
    'botnets.outside_mainland': 'Outside mainland China',
    'botnets.by_province': 'Controlled addresses in mainland China by province',
    'botnets.by_region': 'Controllers outside mainland China by country/region',
    'botnets.ports': 'Ports used by C&C servers',
    'botnets.sizes': 'Botnet sizes (bots per C&C server)',
    'botnets.col.port': 'Port',
    'botnets.col.bucket': 'Size',
    'botnets.col.botnets': 'Botnets',
    'botnets.previous_same': 'Same period last year',
    'botnets.previous_full': 'Last year, full year',
    'botnets.no_previous': 'no data for last year',
    'botnets.current': 'This period',
    'botnets.unknown_branch': 'Province unknown',
    'botnets.definitions': 'Definitions',
    'botnets.region.TW': 'Taiwan, China',
    'botnets.region.HK': 'Hong Kong, China',
    'botnets.region.MO': 'Macao, China',
    'botnets.region.EU': 'Europe (country unknown)',
    'botnets.region.ZZ': 'Unknown',
    'botnets.figures_by_kind':
      'Every figure is split by malware kind; "all kinds" counts each address once, it is not the sum of the kinds.',
    'stats.trojan_controller_ips.label': 'Trojan controller IP addresses',
    'stats.trojan_controller_ips.definition':
      'Distinct controller addresses seen in the period (by the event’s time.source): sources of c2-server events plus destinations of infected-system events (the controller an infected host talked to). An event’s kind is the kind of the catalogue family its malware name (or family) maps to.',
    'stats.trojan_controlled_ips.label': 'Trojan-controlled IP addresses',
    'stats.trojan_controlled_ips.definition': 'Distinct sources of infected-system events in the period.',
    'stats.trojan_controlled_ips_mainland.label': 'Hosts in mainland China with trojans (IP addresses)',
    'stats.trojan_controlled_ips_mainland.definition':
      'Distinct controlled addresses whose geolocation country is CN (Taiwan, Hong Kong and Macao are TW, HK and MO, not the mainland).',
    'stats.trojan_controlled_mainland_by_province.label':
      'Trojan-controlled computers in mainland China by province',
    'stats.trojan_controlled_mainland_by_province.definition':
      'Distinct mainland controlled addresses per branch (province); share = the province’s count / the mainland total. Addresses whose province is unknown are listed apart.',
    'stats.trojan_controller_ips_outside_mainland.label':
      'Trojan controllers outside mainland China (IP addresses)',
    'stats.trojan_controller_ips_outside_mainland.definition':
      'Distinct controller addresses never located in the mainland (country other than CN, or unknown); total = mainland + outside.',
    'stats.trojan_controllers_outside_mainland_by_region.label':
      'Trojan controllers outside mainland China by country/region',
    'stats.trojan_controllers_outside_mainland_by_region.definition':
      'Distinct controller addresses outside the mainland per country or region (Taiwan, Hong Kong, Macao as regions); share = count / all controllers outside the mainland; unknown country is ZZ.',
    'stats.bot_ips_mainland.label': 'Hosts in mainland China with bots (IP addresses)',
    'stats.bot_ips_mainland.definition':
      'Distinct sources with country CN of infected-system events of kind bot.',
    'stats.cc_servers_outside_mainland.label': 'Botnet C&C servers outside mainland China',
    'stats.cc_servers_outside_mainland.definition':
      'Distinct controller addresses of kind bot (c2-server sources and infected-system destinations) outside the mainland.',
    'stats.cc_servers_outside_mainland_by_region.label':
      'Botnet C&C servers outside mainland China by country/region',
    'stats.cc_servers_outside_mainland_by_region.definition':
      'Distinct bot C&C addresses outside the mainland per country or region; share of all such servers.',
    'stats.cc_server_ports.label': 'Ports used by botnet C&C servers',
    'stats.cc_server_ports.definition':
      'Distinct C&C addresses seen on each port (source port of c2-server events, destination port of infected-system events); share = count / the sum over ports.',
    'stats.botnet_sizes.label': 'Botnet sizes',
    'stats.botnet_sizes.definition':
      'A botnet is one C&C address with the distinct infected hosts that reported it as destination in the period; its size is that number of bots. Botnets are counted in the buckets 1–10, 11–100, 101–1,000, 1,001–5,000, 5,001–10,000 and over 10,000.',
    'malware.title': 'Malware family catalogue',
    'malware.name': 'Name',
    'malware.kind': 'Kind',
    'malware.aliases': 'Aliases',
    'malware.aliases_hint': 'one per line or comma-separated; case does not matter',
    'malware.description_zh': 'Description (Chinese)',
    'malware.description_en': 'Description (English)',
    'malware.add': 'Add family',
    'malware.save': 'Save',
    'malware.delete': 'Delete',
    'malware.saved': 'Saved',
    'malware.deleted': 'Deleted',
    'malware.empty': 'The catalogue is empty',
    'malware.intro':
      'An event’s malware name maps to a family by name or alias (case-insensitive), and the family gives the kind; events that map to none are of kind "other". Changes apply to the statistics at once.',
  },
};
