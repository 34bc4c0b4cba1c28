import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { categoryOfRsit } from '../../core/incidents/categories.ts';
import {
  MACHINE_DOCUMENT_CONTENT_TYPES,
  parseMachineDocument,
  parseMachineReport,
  parseMailInput,
} from './index.ts';
import type { MachineReportResult, MailInput } from './types.ts';

function okReport(r: MachineReportResult | null) {
  if (!r || !r.ok) throw new Error(`expected a parsed report, got ${JSON.stringify(r)}`);
  expect(r.reports).toHaveLength(1);
  const report = r.reports[0]!;
  if (report.rsitType) expect(categoryOfRsit(report.rsitType)).toBe(report.category);
  return report;
}

function errorOf(r: MachineReportResult | null): string {
  if (!r || r.ok) throw new Error(`expected an error, got ${JSON.stringify(r)}`);
  return r.error;
}

function eml(lines: string[]): Buffer {
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

// ---------------------------------------------------------------------------------------------
// X-ARF 0.2
// ---------------------------------------------------------------------------------------------

function xarfMail(
  report: string[],
  opts: { disposition?: boolean; charset?: string; encode?: (s: string) => Buffer } = {},
): Buffer {
  const charset = opts.charset ?? 'utf-8';
  const body = opts.encode ? opts.encode(report.join('\r\n')).toString('base64') : report.join('\r\n');
  return eml([
    'From: Reports <reports@blocklist.example.de>',
    'To: abuse@isp.example.cn',
    'Subject: abuse report about 192.0.2.77',
    'X-ARF: YES',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="xarf"',
    '',
    '--xarf',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Dear abuse team, please look at the attached report.',
    '',
    '--xarf',
    `Content-Type: text/plain; charset=${charset}; name=report.txt`,
    ...(opts.disposition === false ? [] : ['Content-Disposition: attachment; filename=report.txt']),
    ...(opts.encode ? ['Content-Transfer-Encoding: base64'] : []),
    '',
    body,
    '',
    '--xarf',
    'Content-Type: text/plain; charset=utf-8; name=logfile.log',
    'Content-Disposition: attachment; filename=logfile.log',
    '',
    'Oct 13 11:59:01 host sshd[1]: Failed password for root from 192.0.2.77',
    '--xarf--',
    '',
  ]);
}

const LOGIN_ATTACK = [
  'Reported-From: reports@blocklist.example.de',
  'Category: abuse',
  'Report-Type: login-attack',
  'Service: ssh',
  'Version: 0.2',
  'User-Agent: Fail2BanFeedBackScript',
  'Date: Thu, 13 Oct 2011 12:00:00 +0200',
  'Source-Type: ipv4',
  'Source: 192.0.2.77',
  'Port: 22',
  'Report-ID: 1234@blocklist.example.de',
  'Schema-URL: http://www.x-arf.org/schema/abuse_login-attack_0.1.2.json',
  'Attachment: text/plain',
];

describe('X-ARF 0.2', () => {
  it.each([true, false])('reads report.txt (Content-Disposition: %s)', async (disposition) => {
    const mail = await parseMailInput(xarfMail(LOGIN_ATTACK, { disposition }));
    const r = parseMachineReport(mail);
    expect(r?.format).toBe('x-arf');
    const report = okReport(r);
    expect(report.rsitType).toBe('intrusion-attempts/brute-force');
    expect(report.category).toBe('other');
    expect(report.observables).toEqual([{ kind: 'ipv4', value: '192.0.2.77' }]);
    expect(report.occurredAt).toBe('2011-10-13T10:00:00.000Z');
    expect(report.reporter).toEqual({
      name: 'Reports',
      email: 'reports@blocklist.example.de',
      organisation: '',
    });
    expect(report.meta).toMatchObject({
      reportType: 'login-attack',
      sourceType: 'ipv4',
      port: '22',
      service: 'ssh',
      reportId: '1234@blocklist.example.de',
    });
    expect(report.description).toContain('Dear abuse team');
    expect(report.description).not.toContain('Report-Type');
  });

  it.each([
    [
      'phishing',
      'uri',
      'http://phish.example.com/login',
      'phishing',
      { kind: 'url', value: 'http://phish.example.com/login' },
    ],
    [
      'malware',
      'uri',
      'http://bad.example.com/x.exe',
      'web-malicious-code',
      { kind: 'url', value: 'http://bad.example.com/x.exe' },
    ],
    ['malware', 'ipv4', '192.0.2.5', 'virus-worm-trojan', { kind: 'ipv4', value: '192.0.2.5' }],
    ['spam', 'ipv4', '192.0.2.6', 'spam', { kind: 'ipv4', value: '192.0.2.6' }],
    ['portscan', 'ipv6', '2001:DB8::1', 'scanning', { kind: 'ipv6', value: '2001:db8::1' }],
    ['ddos', 'ipv4', '192.0.2.7', 'dos', { kind: 'ipv4', value: '192.0.2.7' }],
    ['info', 'ipv4', '192.0.2.8', 'other', { kind: 'ipv4', value: '192.0.2.8' }],
  ])('Report-Type %s from a %s source → %s', async (type, sourceType, source, category, observable) => {
    const lines = LOGIN_ATTACK.map((l) =>
      l.startsWith('Report-Type:')
        ? `Report-Type: ${type}`
        : l.startsWith('Source-Type:')
          ? `Source-Type: ${sourceType}`
          : l.startsWith('Source:')
            ? `Source: ${source}`
            : l,
    );
    const report = okReport(parseMachineReport(await parseMailInput(xarfMail(lines))));
    expect(report.category).toBe(category);
    expect(report.observables).toContainEqual(observable);
  });

  it.each([
    ['2011-10-13 12:00:00 +0200', '2011-10-13T10:00:00.000Z'],
    ['2011-10-13T12:00:00Z', '2011-10-13T12:00:00.000Z'],
    ['2011-10-13 12:00', '2011-10-13T12:00:00.000Z'],
    ['13 Oct 2011 12:00:00 GMT (UTC)', '2011-10-13T12:00:00.000Z'],
  ])('reads the Date %s', async (date, iso) => {
    const lines = LOGIN_ATTACK.map((l) => (l.startsWith('Date:') ? `Date: ${date}` : l));
    expect(okReport(parseMachineReport(await parseMailInput(xarfMail(lines)))).occurredAt).toBe(iso);
  });

  it('decodes a GB2312 report.txt', async () => {
    const lines = [...LOGIN_ATTACK, 'Comment: 来自该地址的暴力破解 镕'];
    const mail = await parseMailInput(
      xarfMail(lines, { charset: 'gb2312', encode: (s) => iconv.encode(s, 'gbk') }),
    );
    const report = okReport(parseMachineReport(mail));
    expect(report.observables).toEqual([{ kind: 'ipv4', value: '192.0.2.77' }]);
  });

  it.each([
    ['Source', LOGIN_ATTACK.filter((l) => !l.startsWith('Source:')), /^x-arf: report\.txt: Source: missing$/],
    [
      'Report-Type',
      LOGIN_ATTACK.filter((l) => !l.startsWith('Report-Type:')),
      /^x-arf: report\.txt: Report-Type: missing$/,
    ],
    [
      'Source-Type',
      LOGIN_ATTACK.filter((l) => !l.startsWith('Source-Type:')),
      /^x-arf: report\.txt: Source-Type: missing$/,
    ],
    [
      'bad Source',
      LOGIN_ATTACK.map((l) => (l.startsWith('Source:') ? 'Source: 999.1.1.1' : l)),
      /^x-arf: report\.txt: Source: "999\.1\.1\.1" is not a valid ipv4$/,
    ],
    [
      'bad Date',
      LOGIN_ATTACK.map((l) => (l.startsWith('Date:') ? 'Date: soon' : l)),
      /^x-arf: report\.txt: Date: "soon" is not a date$/,
    ],
  ])('rejects a report.txt without %s', async (_label, lines, message) => {
    const r = parseMachineReport(await parseMailInput(xarfMail(lines)));
    expect(r).toMatchObject({ ok: false, format: 'x-arf' });
    expect(errorOf(r)).toMatch(message);
  });

  it('rejects an X-ARF message without a report part', async () => {
    const mail = await parseMailInput(
      eml(['From: a@example.com', 'X-ARF: yes', 'Subject: hi', '', 'just text']),
    );
    expect(errorOf(parseMachineReport(mail))).toBe(
      'x-arf: X-ARF message has no report.txt part (text/plain; name=report.txt)',
    );
  });
});

// ---------------------------------------------------------------------------------------------
// XARF JSON and IODEF inside messages
// ---------------------------------------------------------------------------------------------

const V4_DOC = {
  xarf_version: '4.2.0',
  report_id: '9ac39cd1-85f3-4c31-ae87-a0a95f3ebc83',
  timestamp: '2025-01-11T09:21:23Z',
  reporter: { org: 'Scan Watch', contact: 'abuse@scanwatch.example.com', domain: 'scanwatch.example.com' },
  sender: { org: 'Scan Watch', contact: 'abuse@scanwatch.example.com', domain: 'scanwatch.example.com' },
  source_identifier: '198.51.100.150',
  source_port: 4444,
  category: 'connection',
  type: 'port_scan',
  protocol: 'tcp',
  first_seen: '2025-01-11T08:00:00Z',
};

const IODEF_DOC = `<?xml version="1.0" encoding="UTF-8"?>
<IODEF-Document version="2.00" xmlns="urn:ietf:params:xml:ns:iodef-2.0">
  <Incident purpose="reporting">
    <IncidentID name="cert.example.org">A-1</IncidentID>
    <GenerationTime>2024-05-01T10:00:00Z</GenerationTime>
    <Description>Defacement of a government site</Description>
    <Contact role="creator" type="organization"><Email><EmailTo>cert@cert.example.org</EmailTo></Email></Contact>
    <EventData><Flow><System category="source"><Node><URL>http://defaced.example.gov.cn/index.html</URL></Node></System></Flow></EventData>
  </Incident>
</IODEF-Document>`;

function mailWithAttachment(contentType: string, filename: string, body: string): Buffer {
  return eml([
    'From: cert@cert.example.org',
    'Subject: report',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="m"',
    '',
    '--m',
    'Content-Type: text/plain',
    '',
    'See attachment.',
    '--m',
    `Content-Type: ${contentType}; name=${filename}`,
    `Content-Disposition: attachment; filename=${filename}`,
    '',
    body,
    '--m--',
    '',
  ]);
}

describe('machine documents in messages', () => {
  it('finds an XARF v4 JSON attachment', async () => {
    const mail = await parseMailInput(
      mailWithAttachment('application/json', 'report.json', JSON.stringify(V4_DOC)),
    );
    const report = okReport(parseMachineReport(mail));
    expect(report).toMatchObject({
      format: 'xarf-v4',
      category: 'scanning',
      occurredAt: '2025-01-11T09:21:23.000Z',
    });
    expect(report.observables).toEqual([{ kind: 'ipv4', value: '198.51.100.150' }]);
  });

  it('finds XARF JSON as the whole body (Content-Type: application/json) and as a text body', async () => {
    const asBody = eml(['From: a@example.com', 'Content-Type: application/json', '', JSON.stringify(V4_DOC)]);
    expect(okReport(parseMachineReport(await parseMailInput(asBody))).format).toBe('xarf-v4');
    const asText = eml([
      'From: a@example.com',
      'Content-Type: text/plain',
      '',
      JSON.stringify(V4_DOC, null, 2),
    ]);
    expect(okReport(parseMachineReport(await parseMailInput(asText))).format).toBe('xarf-v4');
  });

  it('reports an invalid XARF body with the field', async () => {
    const bad = eml([
      'From: a@example.com',
      'Content-Type: application/json',
      '',
      JSON.stringify({ ...V4_DOC, type: 'x' }),
    ]);
    expect(errorOf(parseMachineReport(await parseMailInput(bad)))).toMatch(
      /^xarf-v4: type: "x" is not a connection type/,
    );
    const broken = eml(['From: a@example.com', 'Content-Type: application/json', '', '{"xarf_version": ']);
    expect(errorOf(parseMachineReport(await parseMailInput(broken)))).toMatch(/^xarf: not valid JSON/);
  });

  it('reads XARF JSON from a message marked X-ARF: yes that has no report.txt', async () => {
    const v3 = {
      Version: '3',
      ReporterInfo: {
        ReporterOrg: 'Example CERT',
        ReporterOrgDomain: 'cert.example.org',
        ReporterOrgEmail: 'cert@cert.example.org',
      },
      Disclosure: true,
      Report: {
        ReportClass: 'Content',
        ReportType: 'Phishing',
        Date: '2024-02-01T10:00:00Z',
        SourceUrl: 'http://phish.example.com/a',
      },
    };
    const raw = mailWithAttachment('application/json', 'xarf.json', JSON.stringify(v3))
      .toString('utf8')
      .replace('Subject: report', 'Subject: report\r\nX-ARF: yes');
    const report = okReport(parseMachineReport(await parseMailInput(Buffer.from(raw))));
    expect(report).toMatchObject({ format: 'xarf-v3', category: 'phishing' });
    expect(report.reporter).toEqual({
      name: '',
      email: 'cert@cert.example.org',
      organisation: 'Example CERT',
    });
  });

  it('ignores JSON and XML attachments that are not reports', async () => {
    const json = await parseMailInput(
      mailWithAttachment('application/json', 'data.json', '{"hello": "world"}'),
    );
    expect(parseMachineReport(json)).toBeNull();
    const xml = await parseMailInput(
      mailWithAttachment('application/xml', 'feedback.xml', '<feedback><x>1</x></feedback>'),
    );
    expect(parseMachineReport(xml)).toBeNull();
  });

  it('finds an IODEF attachment (application/iodef+xml or *.xml)', async () => {
    for (const [type, name] of [
      ['application/iodef+xml', 'incident.dat'],
      ['application/octet-stream', 'incident.xml'],
    ] as const) {
      const report = okReport(
        parseMachineReport(await parseMailInput(mailWithAttachment(type, name, IODEF_DOC))),
      );
      expect(report).toMatchObject({
        format: 'iodef-2',
        category: 'defacement',
        occurredAt: '2024-05-01T10:00:00.000Z',
      });
      expect(report.observables).toContainEqual({
        kind: 'url',
        value: 'http://defaced.example.gov.cn/index.html',
      });
      expect(report.reporter.email).toBe('cert@cert.example.org');
    }
  });

  it('a plain message is not machine-readable', async () => {
    const mail = await parseMailInput(
      eml(['From: a@example.com', 'Subject: phishing', '', 'Phishing at http://bad.example.com']),
    );
    expect(parseMachineReport(mail)).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// Bare documents and hostile input
// ---------------------------------------------------------------------------------------------

describe('parseMachineDocument', () => {
  it('lists the content types a bare document may have', () => {
    expect(MACHINE_DOCUMENT_CONTENT_TYPES).toEqual(
      expect.arrayContaining(['application/json', 'application/xml', 'text/xml', 'application/iodef+xml']),
    );
  });

  it('sniffs documents of other content types, and knows nothing else', () => {
    expect(
      parseMachineDocument('application/octet-stream', Buffer.from(JSON.stringify(V4_DOC)))?.format,
    ).toBe('xarf-v4');
    expect(parseMachineDocument('text/plain', Buffer.from(IODEF_DOC))?.format).toBe('iodef-2');
    expect(parseMachineDocument('text/plain', Buffer.from('hello'))).toBeNull();
    expect(parseMachineDocument('text/plain', Buffer.from('{"a":1}'))).toBeNull();
  });

  it('rejects JSON that is not XARF, and broken JSON', () => {
    expect(errorOf(parseMachineDocument('application/json', Buffer.from('{"a":1}')))).toMatch(
      /^xarf: JSON is not an XARF report/,
    );
    expect(errorOf(parseMachineDocument('application/json', Buffer.from('[1,')))).toMatch(
      /^xarf: not valid JSON/,
    );
  });

  it.each([
    ['not XML', 'hello <world', /^iodef: not well-formed XML/],
    [
      'another root',
      '<feedback><a>1</a></feedback>',
      /^iodef: root element is <feedback>, not <IODEF-Document>$/,
    ],
    [
      'no incident',
      '<IODEF-Document version="2.00" xmlns="urn:ietf:params:xml:ns:iodef-2.0"/>',
      /^iodef: IODEF-Document has no <Incident>$/,
    ],
    [
      'no IncidentID',
      '<IODEF-Document version="1.00"><Incident purpose="reporting"><ReportTime>2001-01-01T00:00:00Z</ReportTime></Incident></IODEF-Document>',
      /^iodef: Incident\[1\]: IncidentID: missing$/,
    ],
    [
      'unknown version',
      '<IODEF-Document version="3.00"><Incident/></IODEF-Document>',
      /^iodef: IODEF-Document version "3\.00" is neither/,
    ],
    [
      'entity expansion (billion laughs)',
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><IODEF-Document version="2.00"><Incident><IncidentID>&lol2;</IncidentID></Incident></IODEF-Document>',
      /^iodef: DOCTYPE and ENTITY declarations are not accepted$/,
    ],
    [
      'external entity',
      '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><IODEF-Document version="2.00"><Incident><IncidentID>&xxe;</IncidentID></Incident></IODEF-Document>',
      /^iodef: DOCTYPE and ENTITY declarations are not accepted$/,
    ],
    [
      'a depth bomb',
      `<IODEF-Document>${'<a>'.repeat(5000)}${'</a>'.repeat(5000)}</IODEF-Document>`,
      /^iodef: elements are nested deeper than 64 levels$/,
    ],
  ])('rejects %s with a specific message', (_label, xml, message) => {
    const r = parseMachineDocument('application/xml', Buffer.from(xml));
    expect(r?.ok).toBe(false);
    expect(errorOf(r)).toMatch(message);
  });

  it('rejects a huge unterminated tag as not well-formed', () => {
    const xml = `<IODEF-Document version="2.00"><Incident a="${'x'.repeat(1_000_000)}`;
    expect(errorOf(parseMachineDocument('application/xml', Buffer.from(xml)))).toMatch(
      /^iodef: not well-formed XML/,
    );
  });

  it('decodes the basic XML entities in values', () => {
    const xml = IODEF_DOC.replace('Defacement of a government site', 'Defacement &amp; more');
    expect(okReport(parseMachineDocument('application/xml', Buffer.from(xml))).description).toBe(
      'Defacement & more',
    );
  });
});

describe('robustness', () => {
  const CONTENT_TYPES = [
    'application/json',
    'application/xml',
    'text/plain',
    'application/octet-stream',
    'text/xml; charset=gb2312',
  ];

  it('random bytes never make the parsers throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.constantFrom(...CONTENT_TYPES), (bytes, type) => {
        const r = parseMachineDocument(type, Buffer.from(bytes));
        expect(r === null || typeof r.ok === 'boolean').toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('random text shaped like the formats never makes them throw', () => {
    const prefix = fc.constantFrom(
      '{"xarf_version":',
      '{"Version":"3","Report":',
      '<IODEF-Document version="2.00"><Incident>',
      'Feedback-Type: ',
      'Source: ',
    );
    fc.assert(
      fc.property(prefix, fc.string({ maxLength: 500 }), (p, rest) => {
        const body = Buffer.from(p + rest);
        for (const type of CONTENT_TYPES) parseMachineDocument(type, body);
        const mail: MailInput = {
          from: 'a@example.com',
          subject: '',
          headers: { 'x-arf': 'yes' },
          contentType: 'multipart/report; report-type=feedback-report',
          text: p + rest,
          html: '',
          attachments: [
            { filename: '', contentType: 'message/feedback-report', content: body },
            { filename: 'report.txt', contentType: 'text/plain', content: body },
            { filename: 'x.json', contentType: 'application/json', content: body },
            { filename: 'x.xml', contentType: 'application/xml', content: body },
          ],
        };
        const r = parseMachineReport(mail);
        expect(r === null || typeof r.ok === 'boolean').toBe(true);
        parseMachineReport({ ...mail, contentType: 'multipart/mixed', headers: { 'x-arf': 'yes' } });
        parseMachineReport({
          ...mail,
          contentType: 'multipart/mixed',
          headers: {},
          attachments: mail.attachments.slice(2),
        });
      }),
      { numRuns: 200 },
    );
  });

  it('random bytes as a whole message never make the adapter or the detector throw', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), async (bytes) => {
        let mail: MailInput;
        try {
          mail = await parseMailInput(Buffer.from(bytes));
        } catch {
          return; // mailparser refusing the bytes is the intake's outcome to handle, not a crash here
        }
        const r = parseMachineReport(mail);
        expect(r === null || typeof r.ok === 'boolean').toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});
