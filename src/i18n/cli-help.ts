/*
 * The command line's help in Chinese. Commands, options and arguments are declared with their
 * English descriptions (src/cli/, src/main/cli.ts); this table gives each one's zh-CN text, keyed
 * by the English. A test walks the whole program and fails on any description missing here, so a
 * new option cannot ship in one language only. Commander's own words (section titles, its help
 * option, the notes it appends) are at the end.
 */
export const CLI_HELP_ZH: Readonly<Record<string, string>> = {
  // certops, serve, migrate (src/main/cli.ts)
  'certops: operations platform for national and regional CERTs': 'certops：国家级和地区级 CERT 的运行平台',
  'configuration file (JSON or YAML); also CERTOPS_CONFIG': '配置文件（JSON 或 YAML）；也可用 CERTOPS_CONFIG',
  'data directory for the embedded SQLite database (default ./data)':
    '内嵌 SQLite 数据库的数据目录（默认 ./data）',
  'postgres://… or sqlite:PATH; also DATABASE_URL': 'postgres://… 或 sqlite:路径；也可用 DATABASE_URL',
  'run the web server (API, console, public site); migrates the database first':
    '运行 Web 服务（API、控制台、公共网站）；先升级数据库结构',
  'port (default 8080)': '端口（默认 8080）',
  'address to listen on (default 127.0.0.1)': '监听地址（默认 127.0.0.1）',
  'bring the database schema up to date': '将数据库结构升级到最新',

  // directory
  'branches, organisations, contacts and their networks': '分中心、组织、联系人及其网络',
  'load organisations (with contacts, networks, ASNs, domains) or, with --branches, a branch list; CSV or JSON (docs/directory-import.md)':
    '导入组织（含联系人、网络、ASN、域名），或用 --branches 导入分中心列表；CSV 或 JSON（docs/directory-import.md）',
  'the file is a branch list, not organisations': '文件是分中心列表，而不是组织',
  'print the summary as JSON': '以 JSON 输出摘要',
  'a .csv or .json file': '一个 .csv 或 .json 文件',
  'list organisations': '列出组织',
  'only this kind: cert, isp, registrar, hosting, vendor, government, enterprise, other':
    '仅此类型：cert、isp、registrar、hosting、vendor、government、enterprise、other',
  'only organisations of this branch (CN-XJ)': '仅此分中心的组织（如 CN-XJ）',
  'substring of the Chinese or English name or abbreviation': '中文名、英文名或简称中的一段文字',
  'print JSON (one array)': '输出 JSON（一个数组）',
  'insert the default branches and the seed report’s CERTs and support units when missing (serve does this on start)':
    '补充缺少的默认分中心以及报告所列的 CERT 组织和支撑单位（serve 启动时也会执行）',

  // import
  'load data from files': '从文件导入数据',
  'load historical reports with their incidents, states and branches (CSV or JSON Lines; docs/import-reports.md)':
    '导入历史报告及其事件、状态和分中心（CSV 或 JSON Lines；docs/import-reports.md）',
  'csv or jsonl (default: from the file name)': 'csv 或 jsonl（默认：按文件名判断）',
  'go on past malformed lines, listing each (default: stop at the first)':
    '跳过格式错误的行并逐一列出（默认：遇到第一行即停止）',
  'rows per transaction': '每个事务的行数',
  'a .csv or .jsonl file': '一个 .csv 或 .jsonl 文件',

  // mail
  'import e-mail files (.eml, .mbox, or directories of them) through the same store-and-process path as SMTP':
    '导入邮件文件（.eml、.mbox 或其所在目录），与 SMTP 收件同样先存储后处理',
  'branch the new reports go to (default CN-NATIONAL)': '新报告归属的分中心（默认 CN-NATIONAL）',
  'print the counts as JSON': '以 JSON 输出计数',
  '.eml or .mbox files, or directories': '.eml 或 .mbox 文件，或目录',
  'e-mail: intake over SMTP, the outbox and outgoing mail': '电子邮件：SMTP 收件、发件箱和外发邮件',
  'run the SMTP listener and the processor alone (without the web server)':
    '单独运行 SMTP 监听和处理程序（不启动 Web 服务）',
  'SMTP port (default: config mail.smtp.port, 2525)': 'SMTP 端口（默认：配置 mail.smtp.port，2525）',
  'address to listen on (default: config mail.smtp.host, 127.0.0.1)':
    '监听地址（默认：配置 mail.smtp.host，127.0.0.1）',
  'process stored messages that are waiting (received, or left by a stopped processor)':
    '处理已存储、正在等待的邮件（新收到的，或处理程序停止时遗留的）',
  'received messages, newest first': '已收邮件，最新的在前',
  'only this state (received, processing, processed, failed, failed_format)':
    '仅此状态（received、processing、processed、failed、failed_format）',
  'at most this many (default 50)': '最多这么多条（默认 50）',
  'messages with an id below this (paging)': 'id 小于此值的邮件（分页）',
  'JSON lines': 'JSON Lines（每行一个 JSON）',
  'one received message: envelope, state, outcome, and the start of the raw message':
    '一封已收邮件：信封、状态、处理结果和原始邮件的开头',
  'print the whole raw message instead': '改为输出完整的原始邮件',
  'message id': '邮件 id',
  'process a failed message again (after a fix)': '重新处理一封失败的邮件（修复之后）',
  'send every outgoing mail that is due now (retries included)': '发送所有已到时间的外发邮件（包括重试）',
  'send a test message through the configured relay': '通过配置的中继发送一封测试邮件',
  recipient: '收件人',
  'list outgoing mail, newest first': '列出外发邮件，最新的在前',
  'queued | sending | sent | failed': 'queued（排队）| sending（发送中）| sent（已发送）| failed（失败）',
  'at most N rows (1-500)': '最多 N 行（1-500）',

  // stats
  'statistics of the situation report, from the platform’s own records':
    '态势报告的统计数据，来自平台自身的记录',
  '§3: non-scanning reports per month and category, incidents handled per category, branches taking part':
    '§3：按月和类别统计的非扫描类报告、按类别统计的已处理事件、参与处理的分中心',
  'first day, YYYY-MM-DD (local time zone of the configuration)': '起始日期，YYYY-MM-DD（配置的本地时区）',
  'last day, YYYY-MM-DD, inclusive': '截止日期，YYYY-MM-DD，含当天',
  'machine-readable output': '机器可读的输出',
  'zh-CN or en (default: the configured language)': 'zh-CN 或 en（默认：配置的语言）',
  '§6: trojan controllers and controlled hosts, mainland by province, controllers outside the mainland by region, C&C ports, botnet sizes; per malware kind':
    '§6：木马控制端和被控端、境内按省份、境外控制端按国家和地区、C&C 端口、僵尸网络规模；按恶意代码类型',
  'one malware kind only: trojan, bot, worm, virus or other':
    '仅一种恶意代码类型：trojan、bot、worm、virus 或 other',

  // malware
  'the malware family catalogue: family → kind (trojan, bot, worm, virus, other) and aliases':
    '恶意代码家族目录：家族 → 类型（trojan、bot、worm、virus、other）和别名',
  'list the families (the defaults are seeded into an empty catalogue first)':
    '列出家族（目录为空时先写入默认家族）',
  'only this kind': '仅此类型',
  'add a family': '添加一个家族',
  'trojan, bot, worm, virus or other': 'trojan、bot、worm、virus 或 other',
  'another name the feeds use (repeatable)': '数据源使用的另一个名称（可重复）',
  'description in Chinese': '中文说明',
  'description in English': '英文说明',
  'print the stored family as JSON': '以 JSON 输出已存储的家族',
  'family name, e.g. Huigezi': '家族名称，如 Huigezi（灰鸽子）',
  'add families from a CSV (columns name,kind,aliases,description_zh,description_en; aliases separated by ;) or JSON lines file; names already present are skipped':
    '从 CSV（列 name,kind,aliases,description_zh,description_en；别名用 ; 分隔）或 JSON Lines 文件添加家族；已有的名称跳过',
  'the file': '该文件',

  // users and tokens
  'console and API users': '控制台和 API 用户',
  'create a user; prints a one-time password unless --password-stdin is given':
    '创建用户；未给出 --password-stdin 时输出一次性密码',
  'admin, national_handler, branch_handler, analyst, publisher or reporter':
    'admin、national_handler、branch_handler、analyst、publisher 或 reporter',
  'branch code (required for branch_handler), e.g. CN-XJ': '分中心代码（branch_handler 必填），如 CN-XJ',
  'e-mail address': '电子邮件地址',
  'display name (default: the username)': '显示名称（默认：用户名）',
  'zh-CN or en': 'zh-CN 或 en',
  'read the password from standard input instead of generating one': '从标准输入读取密码，而不是生成密码',
  'login name: a letter, then letters, digits, ".", "_" or "-"':
    '登录名：以字母开头，其后为字母、数字、"."、"_" 或 "-"',
  'list users (disabled ones included)': '列出用户（包括已停用的）',
  'disable a user: signs them out, their tokens stop working': '停用用户：注销其登录，其令牌失效',
  'enable a user again': '重新启用用户',
  'set a password read from standard input (the user must change it at next sign-in)':
    '设置从标准输入读取的密码（用户下次登录时必须修改）',
  'read the password from standard input': '从标准输入读取密码',
  'API tokens (Authorization: Bearer cto_…)': 'API 令牌（Authorization: Bearer cto_…）',
  'create an API token for a user; prints the token once': '为用户创建 API 令牌；令牌只输出一次',
  'the user the token acts for': '令牌所代表的用户',
  'what the token is for, e.g. "shadowserver import"': '令牌的用途，如 "shadowserver import"',
  "token role (default: the user's role; never wider)": '令牌角色（默认：用户的角色；不能更宽）',
  'branch of a branch_handler token': 'branch_handler 令牌的分中心',
  'expiry in days (default: none)': '有效期天数（默认：不过期）',
  'list API tokens (never the tokens themselves)': '列出 API 令牌（不显示令牌本身）',
  "only this user's tokens": '仅此用户的令牌',
  'include revoked tokens': '包括已吊销的令牌',
  'revoke an API token by id (see `certops token list`)': '按 id 吊销 API 令牌（见 `certops token list`）',
  'token id': '令牌 id',

  // feed pipeline
  'store files as raw reports of a feed and run the whole pipeline on them (parse, enrich, dedup, store)':
    '将文件存为某个数据源的原始报告，并对其运行完整流水线（解析、富化、去重、存储）',
  'feed name from the feeds configuration': '数据源配置中的数据源名称',
  'skip enrichment (geo, ASN, branch, contact)': '跳过富化（地理位置、ASN、分中心、联系人）',
  'events per transaction (default: pipeline.batchSize; unset: 4000 on SQLite, 10000 on PostgreSQL)':
    '每个事务的事件数（默认：pipeline.batchSize；未设置时 SQLite 为 4000，PostgreSQL 为 10000）',
  'print the summary as one JSON object': '以一个 JSON 对象输出摘要',
  'files to ingest': '要导入的文件',
  'the feed pipeline: raw reports, processing, dead letters': '数据源流水线：原始报告、处理、死信',
  'store files as raw reports of a feed without processing them (a worker picks them up)':
    '将文件存为某个数据源的原始报告但不处理（由工作进程接手）',
  'files to store': '要存储的文件',
  'process waiting raw reports (once, or --watch to keep going with the collectors)':
    '处理等待中的原始报告（一次，或用 --watch 与采集器一起持续运行）',
  'keep running: collectors (drop directories, HTTP) and the worker loop':
    '持续运行：采集器（投放目录、HTTP）和工作循环',
  'only these feeds': '仅这些数据源',
  'skip enrichment': '跳过富化',
  'events per transaction': '每个事务的事件数',
  're-derive a raw report: subtract its share of every event, drop its dead letters, parse it again':
    '重新派生原始报告：从每个事件中减去它的份额，删除它的死信，重新解析',
  'only reset it; a running worker picks it up': '只重置；由运行中的工作进程接手',
  'raw report id': '原始报告 id',
  'list raw reports, newest first': '列出原始报告，最新的在前',
  'only this feed': '仅此数据源',
  'receiving, pending, processing, done or failed': 'receiving、pending、processing、done 或 failed',
  'at most n': '最多 n 条',
  'list dead letters (lines a parser could not read), newest first':
    '列出死信（解析器无法读取的行），最新的在前',
  'only this raw report': '仅此原始报告',
  'include dead letters already retried successfully': '包括已重试成功的死信',
  "re-parse dead letters with the feed's current parser (after a parser fix)":
    '用数据源当前的解析器重新解析死信（修复解析器之后）',
  'every open dead letter of this raw report': '此原始报告的所有未处理死信',
  'every open dead letter of this feed': '此数据源的所有未处理死信',
  'one dead letter id': '一条死信的 id',
  'run a pipeline worker: claims raw reports (several workers share PostgreSQL with SKIP LOCKED)':
    '运行流水线工作进程：认领原始报告（多个工作进程以 SKIP LOCKED 共享 PostgreSQL）',
  'process what is waiting, then exit': '处理等待中的报告后退出',
  'also run the collectors (drop directories, HTTP downloads)': '同时运行采集器（投放目录、HTTP 下载）',
  'name of this worker in claims (default host:pid:random)':
    '此工作进程在认领记录中的名称（默认 主机:进程号:随机值）',
  'log every report on stderr': '在标准错误输出中记录每个报告',
  'the configured feeds': '已配置的数据源',
  'list the feeds of the feeds configuration with their last run, events and errors':
    '列出数据源配置中的数据源及其最近运行、事件和错误',
  'one JSON object per feed': '每个数据源一个 JSON 对象',

  // notifications
  'bulk notifications to abuse contacts': '向滥用投诉联系人批量通知',
  'group queued notifications per contact and interval and send them (CSV attached)':
    '按联系人和周期汇总排队的通知并发送（附 CSV）',
  'show what would be sent; change nothing': '显示将要发送的内容；不做任何更改',
  "show or change an organisation's notification interval, language and suppression":
    '查看或修改组织的通知周期、语言和屏蔽设置',
  'one of immediate, hourly, daily, weekly, never': 'immediate、hourly、daily、weekly、never 之一',
  'send this organisation nothing (its items are marked suppressed)': '不向此组织发送（其条目标记为已屏蔽）',
  'notify this organisation again': '重新通知此组织',
  'organisation id, or its exact abbreviation or name': '组织 id，或其准确的简称或名称',

  // Commander's own words
  'Usage:': '用法：',
  'Options:': '选项：',
  'Global Options:': '全局选项：',
  'Commands:': '命令：',
  'Arguments:': '参数：',
  'display help for command': '显示命令的帮助',
  'default:': '默认：',
  'choices:': '可选值：',
  'preset:': '预设：',
  'env:': '环境变量：',
};
