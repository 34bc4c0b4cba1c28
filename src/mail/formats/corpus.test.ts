import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { categoryOfRsit } from '../../core/incidents/categories.ts';
import { classifyObservable } from '../../core/incidents/observables.ts';
import { corpusPath } from '../../../test/support/corpus.ts';
import { parseMachineDocument, parseMachineReport, parseMailInput } from './index.ts';
import type { MachineReport, MachineReportResult } from './types.ts';

const ROOT = corpusPath('abuse');

/** Every data file of the corpus, from its SHA256SUMS (paths relative to corpus/abuse). */
const ALL_FILES = readFileSync(corpusPath('abuse', 'SHA256SUMS'), 'utf8')
  .split('\n')
  .map((l) => l.trim().replace(/^[0-9a-f]{64}\s+\*?/, ''))
  .filter((l) => l !== '')
  .map((l) => l.replace(/^\.\//, ''));

/** Files that are not samples: licences, schemas and docs. */
const NOT_SAMPLES = (f: string): boolean =>
  /(^|\/)LICENSE$/.test(f) || f.startsWith('xarf-v4/schemas/') || f.endsWith('.xsd') || f.endsWith('.md');

async function readEml(file: string): Promise<MachineReportResult | null> {
  return parseMachineReport(await parseMailInput(readFileSync(path.join(ROOT, file))));
}

function readDoc(file: string, contentType: string): MachineReportResult | null {
  return parseMachineDocument(contentType, readFileSync(path.join(ROOT, file)));
}

function okReports(r: MachineReportResult | null): MachineReport[] {
  expect(r).not.toBeNull();
  if (!r || !r.ok) throw new Error(`expected a parsed report, got ${JSON.stringify(r)}`);
  for (const report of r.reports) {
    // The pair must be one the incident service accepts.
    if (report.rsitType) expect(categoryOfRsit(report.rsitType)).toBe(report.category);
    expect(report.format).toBe(r.format);
  }
  return r.reports;
}

function values(report: MachineReport): string[] {
  return report.observables.map((o) => o.value);
}

const tested = new Set<string>();

// ---------------------------------------------------------------------------------------------
// ARF / DMARC failure reports
// ---------------------------------------------------------------------------------------------

interface ArfCase {
  file: string;
  feedbackType: string;
  category: string;
  observables: string[];
  absent?: string[];
}

const ARF_CASES: ArfCase[] = [
  {
    file: 'arf/DMARC Failure Report for domain.de (mail-from=sharepoint@domain.de, ip=10.10.10.10).eml',
    feedbackType: 'auth-failure',
    category: 'other',
    observables: ['10.10.10.10', 'domain.de'],
  },
  {
    file: 'arf/dmarc_ruf_report_linkedin.eml',
    feedbackType: 'auth-failure',
    category: 'other',
    observables: ['10.10.10.10', 'example.com'],
  },
  {
    file: 'arf/dmarc_ruf_report_linkedin.crlf.eml',
    feedbackType: 'auth-failure',
    category: 'other',
    observables: ['10.10.10.10', 'example.com'],
  },
  {
    file: 'arf/[Netease DMARC Failure Report] Rent Reminder.eml',
    feedbackType: 'auth-failure',
    category: 'other',
    observables: ['167.89.69.24', 'cardinal.com'],
  },
  {
    file: 'eml-misc/sisimai-set-of-emails/maildir/bsd/arf-01.eml',
    feedbackType: 'abuse',
    category: 'spam',
    observables: ['192.0.2.89', 'example.ed.jp'],
  },
  {
    file: 'eml-misc/sisimai-set-of-emails/maildir/dos/arf-01.eml',
    feedbackType: 'abuse',
    category: 'spam',
    observables: ['192.0.2.89', 'example.ed.jp'],
  },
  {
    file: 'eml-misc/sisimai-set-of-emails/maildir/mac/arf-01.eml',
    feedbackType: 'abuse',
    category: 'spam',
    observables: ['192.0.2.89', 'example.ed.jp'],
  },
  {
    file: 'eml-misc/sisimai-set-of-emails/maildir/bsd/arf-02.eml',
    feedbackType: 'abuse',
    category: 'spam',
    observables: ['example.com'],
  },
  {
    file: 'eml-misc/sisimai-set-of-emails/maildir/bsd/arf-11.eml',
    feedbackType: 'abuse',
    category: 'spam',
    observables: [],
  },
  {
    file: 'eml-misc/sisimai-set-of-emails/maildir/bsd/arf-12.eml',
    feedbackType: 'opt-out',
    category: 'other',
    observables: [],
  },
  {
    file: 'eml-misc/sisimai-set-of-emails/maildir/bsd/arf-14.eml',
    feedbackType: 'abuse',
    category: 'spam',
    observables: ['amazonses.com'],
  },
  {
    file: 'eml-misc/sisimai-set-of-emails/maildir/bsd/arf-15.eml',
    feedbackType: 'abuse',
    category: 'spam',
    observables: ['192.0.2.222'],
  },
  {
    file: 'eml-misc/sisimai-set-of-emails/maildir/bsd/arf-17.eml',
    feedbackType: 'abuse',
    category: 'spam',
    observables: ['192.0.2.3'],
  },
  {
    file: 'eml-misc/sisimai-set-of-emails/maildir/bsd/arf-18.eml',
    feedbackType: 'auth-failure',
    category: 'other',
    observables: ['192.0.2.222', 'example.net'],
  },
  {
    file: 'eml-misc/sisimai-set-of-emails/maildir/bsd/arf-20.eml',
    feedbackType: 'auth-failure',
    category: 'other',
    observables: ['203.0.113.2', 'example.net'],
  },
  {
    file: 'eml-misc/sisimai-set-of-emails/maildir/bsd/arf-25.eml',
    feedbackType: 'abuse',
    category: 'spam',
    observables: ['10.0.0.1', 'example.com'],
  },
  { file: 'eml-misc/kumomta-rfc5965/1.eml', feedbackType: 'abuse', category: 'spam', observables: [] },
  {
    file: 'eml-misc/kumomta-rfc5965/2.eml',
    feedbackType: 'abuse',
    category: 'spam',
    observables: [
      '192.0.2.1',
      'example.net',
      'http://example.net/earn_money.html',
      'somespammer@example.net',
    ],
  },
  {
    file: 'eml-misc/kumomta-rfc5965/3.eml',
    feedbackType: 'abuse',
    category: 'spam',
    observables: ['bounce.kumo.example.com'],
  },
  {
    file: 'eml-misc/kumomta-rfc5965/4.eml',
    feedbackType: 'abuse',
    category: 'spam',
    observables: ['bounce.example.com'],
    absent: ['x.x.x.x'],
  },
];

describe('ARF corpus', () => {
  it.each(ARF_CASES)('$file', async ({ file, feedbackType, category, observables, absent }) => {
    tested.add(file);
    const result = await readEml(file);
    expect(result?.format).toBe('arf');
    const [report, ...rest] = okReports(result);
    expect(rest).toHaveLength(0);
    expect(report?.meta['feedbackType']).toBe(feedbackType);
    expect(report?.category).toBe(category);
    expect(values(report!)).toEqual(expect.arrayContaining(observables));
    for (const a of absent ?? []) expect(values(report!)).not.toContain(a);
  });

  it('reads the LF, CRLF and CR-only copies of one message identically', async () => {
    const bsd = await readEml('eml-misc/sisimai-set-of-emails/maildir/bsd/arf-01.eml');
    expect(await readEml('eml-misc/sisimai-set-of-emails/maildir/dos/arf-01.eml')).toEqual(bsd);
    expect(await readEml('eml-misc/sisimai-set-of-emails/maildir/mac/arf-01.eml')).toEqual(bsd);
    expect(await readEml('arf/dmarc_ruf_report_linkedin.crlf.eml')).toEqual(
      await readEml('arf/dmarc_ruf_report_linkedin.eml'),
    );
  });

  it('flags the invalid Source-Ip x.x.x.x of kumomta 4 instead of failing', async () => {
    const [report] = okReports(await readEml('eml-misc/kumomta-rfc5965/4.eml'));
    expect(report?.meta['warnings']).toEqual(
      expect.arrayContaining([expect.stringMatching(/Source-IP "x\.x\.x\.x" is not an IP address/)]),
    );
    expect(report?.observables.some((o) => o.kind === 'ipv4' || o.kind === 'ipv6')).toBe(false);
  });

  it('keeps the DMARC fields of an auth-failure report', async () => {
    const [report] = okReports(await readEml('eml-misc/sisimai-set-of-emails/maildir/bsd/arf-18.eml'));
    expect(report?.rsitType).toBe('fraud/masquerade');
    expect(report?.meta).toHaveProperty('authFailure');
    expect(report?.occurredAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it.each([
    'arf/exim_plain_text_only_no_arf_part.eml',
    'eml-misc/sisimai-set-of-emails/maildir/bsd/arf-22.eml',
    'eml-misc/sisimai-set-of-emails/maildir/bsd/arf-24.eml',
    'eml-misc/sisimai-set-of-emails/maildir/bsd/arf-26.eml',
  ])('%s has no feedback-report part: a plain report (null), its text still there', async (file) => {
    tested.add(file);
    const mail = await parseMailInput(readFileSync(path.join(ROOT, file)));
    expect(parseMachineReport(mail)).toBeNull();
    if (file.includes('exim')) expect(mail.text).toContain('203.0.113.68');
    if (file.includes('arf-22')) expect(mail.subject).toContain('192.0.2.222');
  });
});

// ---------------------------------------------------------------------------------------------
// IODEF
// ---------------------------------------------------------------------------------------------

const IODEF_CASES: { file: string; purpose: string; id: string; category: string; observables: string[] }[] =
  [
    {
      file: 'iodef/GuidanceDraft_DDoS.xml',
      purpose: 'reporting',
      id: '189701',
      category: 'dos',
      observables: ['192.0.2.104', '192.0.2.106', '2001:db8:dead:beef::1'],
    },
    {
      file: 'iodef/GuidanceDraft_IoTMalware.xml',
      purpose: 'reporting',
      id: '189802',
      category: 'virus-worm-trojan',
      observables: ['192.0.2.210'],
    },
    {
      file: 'iodef/GuidanceDraft_Malware.xml',
      purpose: 'reporting',
      id: '189234',
      category: 'virus-worm-trojan',
      observables: ['203.0.113.200', 'zeus.556677889900.example.com'],
    },
    {
      file: 'iodef/GuidanceDraft_MalwareDeliverURL.xml',
      purpose: 'reporting',
      id: '189801',
      category: 'web-malicious-code',
      observables: [
        'http://zeus.556677889900.example.com/log-bin/lunch_install.php?aff_id=1&lunch_id=1&maddr=&action=install',
        '192.0.2.200',
      ],
    },
    {
      file: 'iodef/GuidanceDraft_SpearPhishing.xml',
      purpose: 'reporting',
      id: '189601',
      category: 'phishing',
      observables: [
        '192.0.2.166',
        'mail1.evildave.example.com',
        'emaildave@evildave.example.com',
        '141accec23e7e5157de60853cb1e01bc38042d08f9086040815300b7fe75c184',
      ],
    },
    {
      file: 'iodef/RFC7970_CampaignIndicator.xml',
      purpose: 'watch',
      id: '897923',
      category: 'virus-worm-trojan',
      observables: [
        'kj290023j09r34.example.com',
        '09ijk23jfj0k8.example.net',
        'klknjwfjiowjefr923.example.org',
        'oimireik79msd.example.org',
      ],
    },
    {
      file: 'iodef/RFC7970_MinimalIODEF.xml',
      purpose: 'reporting',
      id: '492382',
      category: 'other',
      observables: [],
    },
  ];

describe('IODEF corpus', () => {
  it.each(IODEF_CASES)('$file', ({ file, purpose, id, category, observables }) => {
    tested.add(file);
    const reports = okReports(readDoc(file, 'application/xml'));
    expect(reports).toHaveLength(1);
    const [r] = reports;
    expect(r?.format).toBe('iodef-2');
    expect(r?.meta['purpose']).toBe(purpose);
    expect(r?.meta['incidentId']).toBe(id);
    expect(r?.category).toBe(category);
    expect(values(r!)).toEqual(expect.arrayContaining(observables));
    // Targets (victims) and sensors are not observables.
    for (const victim of ['203.0.113.1', '203.0.113.2', '198.51.100.1', '198.51.100.94'])
      if (!file.includes('Malware.xml')) expect(values(r!)).not.toContain(victim);
  });

  it('minimal document: no Description, still a report', () => {
    const [r] = okReports(readDoc('iodef/RFC7970_MinimalIODEF.xml', 'application/iodef+xml'));
    expect(r?.description).toBe('');
    expect(r?.reporter.email).toBe('contact@csirt.example.com');
  });

  it('iodef/v1/iodef.xml: IODEF 1.0 with four incidents gives four reports', () => {
    tested.add('iodef/v1/iodef.xml');
    const reports = okReports(readDoc('iodef/v1/iodef.xml', 'text/xml'));
    expect(reports.map((r) => r.format)).toEqual(['iodef-1', 'iodef-1', 'iodef-1', 'iodef-1']);
    expect(reports.map((r) => r.meta['incidentId'])).toEqual(['189493', '59334', '908711', '908711']);
    expect(reports.map((r) => r.meta['purpose'])).toEqual([
      'reporting',
      'reporting',
      'mitigation',
      'reporting',
    ]);
    expect(reports.map((r) => r.category)).toEqual(['other', 'scanning', 'dos', 'scanning']);
    expect(values(reports[0]!)).toEqual(['192.0.2.200']);
    expect(values(reports[1]!)).toEqual(['192.0.2.200', '192.0.2.240']);
    expect(values(reports[2]!)).toEqual(
      expect.arrayContaining(['192.0.2.1', '192.0.2.3', 'irc.example.com', '192.0.2.20']),
    );
    expect(reports[3]?.meta['networks']).toEqual(['192.0.2.16/28']);
    expect(reports[0]?.occurredAt).toBe('2001-09-13T23:19:24.000Z');
  });
});

// ---------------------------------------------------------------------------------------------
// XARF v4
// ---------------------------------------------------------------------------------------------

const V4_CATEGORY: Record<string, string> = {
  'connection-ddos': 'dos',
  'connection-infected-host': 'virus-worm-trojan',
  'connection-login-attack': 'other',
  'connection-port-scan': 'scanning',
  'connection-reconnaissance': 'scanning',
  'connection-scraping': 'scanning',
  'connection-sql-injection': 'other',
  'connection-vulnerability-scan': 'scanning',
  'content-brand-infringement': 'other',
  'content-csam': 'other',
  'content-csem': 'other',
  'content-exposed-data': 'other',
  'content-fraud': 'other',
  'content-malware': 'web-malicious-code',
  'content-phishing': 'phishing',
  'content-remote-compromise': 'other',
  'content-suspicious-registration': 'other',
  'copyright-copyright': 'other',
  'copyright-cyberlocker': 'other',
  'copyright-link-site': 'other',
  'copyright-p2p': 'other',
  'copyright-ugc-platform': 'other',
  'copyright-usenet': 'other',
  'infrastructure-botnet': 'virus-worm-trojan',
  'infrastructure-compromised-server': 'other',
  'messaging-bulk-messaging': 'spam',
  'messaging-spam': 'spam',
  'reputation-blocklist': 'virus-worm-trojan',
  'reputation-threat-intelligence': 'virus-worm-trojan',
  'vulnerability-cve': 'vulnerability',
  'vulnerability-misconfiguration': 'vulnerability',
  'vulnerability-open-service': 'vulnerability',
};

/** Observables that must come out of specific samples (beyond source_identifier). */
const V4_OBSERVABLES: Record<string, string[]> = {
  'content-phishing': [
    '203.0.113.45',
    'http://secure-banking-login.example.com/auth',
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  ],
  'content-malware': ['http://download-center.example.com/setup.exe'],
  'connection-infected-host': ['evil-command.example.com'],
  'messaging-spam': ['marketing@example.com'],
  'copyright-link-site': ['https://cyberlocker1.example.com/file123'],
  'content-csem': ['d41d8cd98f00b204e9800998ecf8427e'],
  'content-suspicious-registration': ['g00gle-accounts.example.com'],
};

const V4_FILES = ALL_FILES.filter((f) => f.startsWith('xarf-v4/samples/'));

function v4Sample(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(ROOT, 'xarf-v4/samples', `${name}.json`), 'utf8')) as Record<
    string,
    unknown
  >;
}

describe('XARF v4 corpus', () => {
  it('has the 32 samples of 7 categories', () => {
    expect(V4_FILES).toHaveLength(32);
    expect(Object.keys(V4_CATEGORY)).toHaveLength(32);
  });

  it.each(V4_FILES)('%s', (file) => {
    tested.add(file);
    const name = path.basename(file, '.json');
    const doc = JSON.parse(readFileSync(path.join(ROOT, file), 'utf8')) as Record<string, unknown>;
    const [r, ...rest] = okReports(readDoc(file, 'application/json'));
    expect(rest).toHaveLength(0);
    expect(r?.format).toBe('xarf-v4');
    const dash = name.indexOf('-');
    expect(r?.meta['xarfCategory']).toBe(name.slice(0, dash));
    expect(r?.meta['xarfType']).toBe(name.slice(dash + 1).replace(/-/g, '_'));
    expect(r?.meta['reportId']).toBe(doc['report_id']);
    expect(r?.meta['timestamp']).toBe(doc['timestamp']);
    expect(r?.meta['sourceIdentifier']).toBe(doc['source_identifier']);
    expect(r?.category).toBe(V4_CATEGORY[name]);
    const source = doc['source_identifier'] as string;
    // Every source identifier under a real TLD or an IP becomes an observable (".example" is no TLD).
    if (!source.endsWith('.example')) expect(values(r!)).toContain(source);
    expect(values(r!)).toEqual(expect.arrayContaining(V4_OBSERVABLES[name] ?? []));
    expect(r?.reporter.email).toBe((doc['reporter'] as Record<string, string>)['contact']);
  });

  const mutations: [string, string, (d: Record<string, unknown>) => void, RegExp][] = [
    ['no category', 'connection-ddos', (d) => delete d['category'], /^xarf-v4: category: missing$/],
    ['no type', 'connection-ddos', (d) => delete d['type'], /^xarf-v4: type: missing$/],
    [
      'unknown type',
      'connection-ddos',
      (d) => (d['type'] = 'bogus'),
      /^xarf-v4: type: "bogus" is not a connection type/,
    ],
    [
      'unknown category',
      'content-phishing',
      (d) => (d['category'] = 'misc'),
      /^xarf-v4: category: "misc" is not one of/,
    ],
    [
      'bad version',
      'messaging-spam',
      (d) => (d['xarf_version'] = '3.0'),
      /^xarf-v4: xarf_version: "3\.0" is not a 4\.x\.y version$/,
    ],
    [
      'report_id not a UUID',
      'messaging-spam',
      (d) => (d['report_id'] = '42'),
      /^xarf-v4: report_id: "42" is not a UUID$/,
    ],
    [
      'timestamp not a date',
      'messaging-spam',
      (d) => (d['timestamp'] = 'yesterday'),
      /^xarf-v4: timestamp: "yesterday" is not/,
    ],
    [
      'no source_identifier',
      'content-malware',
      (d) => delete d['source_identifier'],
      /^xarf-v4: source_identifier: missing$/,
    ],
    [
      'reporter without contact',
      'content-malware',
      (d) => delete (d['reporter'] as Record<string, unknown>)['contact'],
      /^xarf-v4: reporter\.contact: missing$/,
    ],
    ['no sender', 'content-malware', (d) => delete d['sender'], /^xarf-v4: sender: missing$/],
    [
      'content without url',
      'content-phishing',
      (d) => delete d['url'],
      /^xarf-v4: url: missing \(required for content\/phishing\)$/,
    ],
    [
      'ddos from an IP without source_port',
      'connection-ddos',
      (d) => delete d['source_port'],
      /^xarf-v4: source_port: missing/,
    ],
    [
      'spam over smtp without smtp_from',
      'messaging-spam',
      (d) => delete d['smtp_from'],
      /^xarf-v4: smtp_from: missing/,
    ],
    [
      'port out of range',
      'connection-ddos',
      (d) => (d['source_port'] = 70000),
      /^xarf-v4: source_port: 70000 is not a port/,
    ],
    ['bad tag', 'connection-ddos', (d) => (d['tags'] = ['Not A Tag']), /^xarf-v4: tags: "Not A Tag"/],
  ];

  it.each(mutations)('rejects a mutated sample: %s', (_label, name, mutate, message) => {
    const doc = v4Sample(name);
    mutate(doc);
    const r = parseMachineDocument('application/json', Buffer.from(JSON.stringify(doc)));
    expect(r).toMatchObject({ ok: false, format: 'xarf-v4' });
    expect(r && !r.ok ? r.error : '').toMatch(message);
  });
});

// ---------------------------------------------------------------------------------------------
// XARF v3
// ---------------------------------------------------------------------------------------------

const V3_TYPE_CATEGORY: Record<string, string> = {
  Spam: 'spam',
  OpenService: 'vulnerability',
  LoginAttack: 'other',
  Botnet: 'virus-worm-trojan',
  Harassment: 'other',
  PotentiallyCompromisedAccount: 'other',
  DOS: 'dos',
  Phishing: 'phishing',
  PortScan: 'scanning',
  Copyright: 'other',
  Trademark: 'other',
  ChildAbuse: 'other',
  Exploit: 'other',
  WebCrawler: 'scanning',
  ChildSexualAbuseMaterial: 'other',
};

/** The field each kind of negative sample must be rejected for (by the reason in its file name). */
const V3_REASON_FIELD: [RegExp, RegExp][] = [
  [/invalid_additional_fields/, /Report\.Custom\./],
  [/invalid_b64_flag/, /Samples\[0\]\.Base64Encoded/],
  [/invalid_byte_count/, /Report\.(ByteCount|PacketCount)/],
  [/invalid_date/, /Report\.Date/],
  [/invalid_destination/, /Report\.Destination(Ip|Port)/],
  [/invalid_email_as_identifier/, /Report\.Account\.AccountIdentifier/],
  [/invalid_emails/, /Report\.Smtp(MailFrom|RcptTo)Address/],
  [/invalid_empty_account/, /Report\.Account/],
  [/invalid_empty/, /ReporterInfo: missing/],
  [/invalid_exploit_wrong_cve/, /Report\.CVE/],
  [/invalid_exploit_wrong_(vector|version)/, /Report\.CVSS\.(Vector|Version)/],
  [/invalid_file_hash/, /Report\.FileHash\.HashAlgorithm/],
  [/invalid_file_info/, /Report\.File(Size|Hash)/],
  [/invalid_first_seen/, /Report\.FirstSeen/],
  [/invalid_host_name/, /Report\.RpzDomain/],
  [/invalid_infringed_props/, /Report\.(InfringedMaterial|SourceUrl|MaterialType|CourtOrder|InfringingUrl)/],
  [/invalid_internal_processing/, /InternalProcessing\./],
  [/invalid_ip/, /Report\.(SourceIp|SourcePort|ASN)/],
  [/invalid_missing_account/, /Report\.Account: missing/],
  [/invalid_missing_report_class_report_type/, /Report\.Report(Class|Type): missing/],
  [/invalid_missing_report\.json/, /Report: missing/],
  [/invalid_missing_reporter/, /ReporterInfo/],
  [/invalid_missing_url/, /Report\.SourceUrl: missing/],
  [/invalid_on_behalf_of/, /OnBehalfOf\.Complainant/],
  [/invalid_openservice/, /Report\.(ServiceName|ServiceVersion|TransportProtocol)/],
  [/invalid_ports/, /Report\.(SourcePort|DestinationPort)/],
  [/invalid_report_class_report_type/, /Report\.Report(Class|Type)/],
  [/invalid_report_part/, /Report\.(Date|SourceIp|SourceUrl|InfringedMaterial)/],
  [/invalid_reporter_info/, /ReporterInfo\./],
  [/invalid_reporter_metadata/, /Report\.Reporter(CaseID|Severity|Notes)/],
  [/invalid_sample/, /Report\.Samples/],
  [/invalid_type/, /Report\.Report(Class|Type)/],
  [/invalid_used_(ip|url)_in_potentially/, /Report\.(SourceIp|SourceUrl|Account)/],
  [/invalid_version/, /^xarf-v3: Version: "INVALID"/],
  [/harassment_sample_no_/, /Report\.(ReportType|Harass)/],
];

const V3_POSITIVE = ALL_FILES.filter((f) => f.startsWith('xarf-v3/positive/'));
const V3_NEGATIVE = ALL_FILES.filter((f) => f.startsWith('xarf-v3/negative/'));

describe('XARF v3 corpus', () => {
  it('has 102 positive and 206 negative samples', () => {
    expect(V3_POSITIVE).toHaveLength(102);
    expect(V3_NEGATIVE).toHaveLength(206);
  });

  it.each(V3_POSITIVE)('accepts %s', (file) => {
    tested.add(file);
    const doc = JSON.parse(readFileSync(path.join(ROOT, file), 'utf8')) as {
      Version?: string;
      Report: Record<string, unknown>;
    };
    const [r, ...rest] = okReports(readDoc(file, 'application/json'));
    expect(rest).toHaveLength(0);
    expect(r?.format).toBe('xarf-v3');
    expect(r?.meta['reportClass']).toBe(doc.Report['ReportClass']);
    expect(r?.meta['reportType']).toBe(doc.Report['ReportType']);
    expect(r?.meta['version']).toBe(doc.Version ?? null);
    const type = doc.Report['ReportType'] as string;
    if (type === 'Malware')
      expect(r?.category).toBe(
        doc.Report['ReportClass'] === 'Content' && doc.Report['SourceUrl']
          ? 'web-malicious-code'
          : 'virus-worm-trojan',
      );
    else expect(r?.category).toBe(V3_TYPE_CATEGORY[type]);
    for (const key of ['SourceIp', 'SourceUrl', 'AttackerIp', 'RpzDomain', 'SmtpMailFromAddress'])
      if (typeof doc.Report[key] === 'string') {
        // Values under an unknown TLD (`thepetgoatgame.play`) are not observables anywhere in certops.
        const expected = classifyObservable(doc.Report[key] as string);
        if (expected) expect(values(r!)).toContain(expected.value);
      }
    expect(r?.occurredAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it.each(V3_NEGATIVE)('rejects %s naming the field', (file) => {
    tested.add(file);
    const r = readDoc(file, 'application/json');
    expect(r).toMatchObject({ ok: false, format: 'xarf-v3' });
    const error = r && !r.ok ? r.error : '';
    expect(error).toMatch(/^xarf-v3: [A-Za-z]+[.:[]/);
    const rule = V3_REASON_FIELD.find(([reason]) => reason.test(path.basename(file)));
    expect(rule, `no expectation for ${file}`).toBeDefined();
    expect(error).toMatch(rule![1]);
  });
});

// ---------------------------------------------------------------------------------------------
// Coverage of the corpus
// ---------------------------------------------------------------------------------------------

describe('corpus coverage', () => {
  it('every sample file listed in SHA256SUMS was checked above', () => {
    const samples = ALL_FILES.filter((f) => !NOT_SAMPLES(f));
    // 24 ARF/e-mail, 8 IODEF, 32 XARF v4, 102 + 206 XARF v3.
    expect(samples).toHaveLength(372);
    const untested = samples.filter((f) => !tested.has(f));
    expect(untested).toEqual([]);
  });
});
