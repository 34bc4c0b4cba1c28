import { describe, expect, it } from 'vitest';
import { newEvent } from '../../core/events/event.ts';
import { DomainError } from '../../core/shared/errors.ts';
import {
  collect,
  events,
  expectSample,
  failures,
  feedFile,
  fromStrings,
  loadExpected,
  parseCorpus,
  REPORT_TIME,
} from './lib/golden.testkit.ts';
import { shadowserverParser } from './shadowserver.parser.ts';
import { readCsv } from './lib/csv.ts';
import {
  applyOperations,
  applyReport,
  buildSchema,
  compileReport,
  findReport,
  loadSchema,
  reportNameOfFile,
} from './shadowserver-schema.ts';
import { createReadStream } from 'node:fs';
import type { ParseOutcome } from './types.ts';

const GOLDEN: [folder: string, file: string][] = [
  ['shadowserver-botnet-drone', 'botnet_drone.csv'],
  ['shadowserver-compromised-website', 'compromised_website.csv'],
  ['shadowserver-event4-honeypot-http-scan', 'event4_honeypot_http_scan.csv'],
  ['shadowserver-event4-sinkhole', 'event4_sinkhole.csv'],
  ['shadowserver-event4-sinkhole-http', 'event4_sinkhole_http.csv'],
  ['shadowserver-malware-url', 'malware_url.csv'],
  ['shadowserver-phish-url', 'phish_url.csv'],
];

/** The outcome of data row `row` (1-based; the header is line 1). */
function atRow(outcomes: ParseOutcome[], row: number): ParseOutcome | undefined {
  return outcomes.find((o) => o.line === row + 1);
}

describe('shadowserver parser (golden, bundled schema)', () => {
  for (const [folder, file] of GOLDEN) {
    it(`${folder}: counts and every sample field of expected.json`, async () => {
      const expected = loadExpected(folder);
      const outcomes = await parseCorpus(shadowserverParser, folder, file);
      expect(outcomes.length).toBe(expected.data_rows);
      if (typeof expected.expected_events === 'number')
        expect(events(outcomes).length).toBe(expected.expected_events);
      let checked = 0;
      for (const sample of expected.expected_samples as Record<string, unknown>[]) {
        if (sample.row === undefined) continue;
        const o = atRow(outcomes, sample.row as number);
        expect(o?.ok, `row ${sample.row}`).toBe(true);
        checked += expectSample(o?.ok ? o.event : undefined, sample);
      }
      expect(checked).toBeGreaterThan(3);
      // the same result whatever the chunking of the input
      const tiny = await parseCorpus(shadowserverParser, folder, file, {}, 7);
      expect(tiny).toEqual(outcomes);
    });
  }

  it('event4_sinkhole: the malformed destination IP of row 3 is a dead letter naming the field; the rest goes on', async () => {
    const outcomes = await parseCorpus(
      shadowserverParser,
      'shadowserver-event4-sinkhole',
      'event4_sinkhole.csv',
    );
    expect(events(outcomes).length).toBe(2);
    const [bad] = failures(outcomes);
    expect(bad).toMatchObject({ line: 4, error: 'destination.ip: "148.81.111.11.12" is not an IP address' });
    expect(bad!.raw).toContain('"148.81.111.11.12"');
  });

  it('botnet drone (legacy): zero ASN and "**" country dropped, spam rows reclassified, C&C fields kept', async () => {
    const outcomes = await parseCorpus(shadowserverParser, 'shadowserver-botnet-drone', 'botnet_drone.csv');
    const all = events(outcomes);
    const first = all[0]!;
    expect(first['source.asn']).toBeUndefined();
    expect(first.extra).toMatchObject({
      naics: 541690,
      sic: 874899,
      family: 'dorkbot',
      tag: 'sinkhole',
      connection_count: 1,
    });
    expect(first.extra).not.toHaveProperty('asn');
    expect(first.raw).toBe(
      '"2011-04-23 00:00:05","210.23.139.130",3218,0,"AU","VICTORIA","MELBOURNE",,"tcp","dorkbot",,,"74.208.164.166",80,8560,"US",,1,,,"Windows","2000 SP4, XP SP1+",,,541690,874899,0,0,,,,"dorkbot","sinkhole","AnubisNetworks"',
    );
    const spam = atRow(outcomes, 9);
    expect(spam?.ok && spam.event).toMatchObject({
      'classification.taxonomy': 'abusive-content',
      'classification.type': 'spam',
      'classification.identifier': 'spam',
      'source.asn': 65548,
      extra: { tag: 'spam' },
    });
    expect(spam?.ok && spam.event['malware.name']).toBeUndefined();
    // "**" is not a country: no destination.geolocation.cc, the raw value stays in extra
    const starred = all.filter((e) => e.extra?.cc_geo === '**');
    expect(starred.length).toBe(14);
    for (const e of starred) expect(e['destination.geolocation.cc']).toBeUndefined();
    // the statistics expected.json computed from the file, recomputed from our events
    const stats = loadExpected('shadowserver-botnet-drone').our_computed_stats;
    expect(new Set(all.map((e) => e['source.ip'])).size).toBe(stats.distinct_infected_ip);
    expect(new Set(all.flatMap((e) => (e['destination.ip'] ? [e['destination.ip']] : []))).size).toBe(
      stats.distinct_cc_ip,
    );
    expect(all.filter((e) => !e['destination.ip']).length).toBe(stats.rows_without_cc_ip);
    const count = (values: unknown[]) => {
      const m = new Map<string, number>();
      for (const v of values) m.set(String(v ?? '(empty)'), (m.get(String(v ?? '(empty)')) ?? 0) + 1);
      return m;
    };
    const ports = count(all.map((e) => e['destination.port']));
    for (const [port, n] of Object.entries(stats.top_cc_port))
      expect(ports.get(port), `port ${port}`).toBe(n);
    const ccs = count(all.map((e) => e['destination.geolocation.cc'] ?? e.extra?.cc_geo));
    for (const [cc, n] of Object.entries(stats.cc_geo)) expect(ccs.get(cc), `cc ${cc}`).toBe(n);
    const srcs = count(all.map((e) => e['source.geolocation.cc']));
    for (const [cc, n] of Object.entries(stats.src_geo)) expect(srcs.get(cc), `src ${cc}`).toBe(n);
    const infections = count(all.map((e) => e['malware.name']));
    for (const [name, n] of Object.entries(stats.top_infection)) expect(infections.get(name), name).toBe(n);
    for (const e of all) {
      expect(e['feed.name']).toBe('test-shadowserver-botnet-drone');
      expect(e['time.observation']).toBe(REPORT_TIME);
    }
  });

  it('honeypot http scan: request_raw is base64 whether it came as text or already encoded', async () => {
    const outcomes = await parseCorpus(
      shadowserverParser,
      'shadowserver-event4-honeypot-http-scan',
      'event4_honeypot_http_scan.csv',
    );
    const [a, b] = events(outcomes);
    expect(Buffer.from(a!.extra!.request_raw as string, 'base64').toString()).toMatch(/^GET \/js\/ueditor/);
    expect(Buffer.from(b!.extra!.request_raw as string, 'base64').toString()).toMatch(/^GET \/ HTTP\/1\.1/);
    expect(b!.extra).toMatchObject({
      method: 'GET',
      user_agent: 'Mozilla/5.0 (Windows NT 5.1; rv:9.0.1) Gecko/20100101 Firefox/9.0.1',
    });
  });
});

describe('shadowserver compiled mapping', () => {
  it('the generated function gives the same events (and errors) as the interpreted operations', async () => {
    const schema = loadSchema();
    let rows = 0;
    for (const [folder, file] of GOLDEN) {
      let compiled: ReturnType<typeof compileReport> | null = null;
      for await (const batch of readCsv(createReadStream(feedFile(folder, file)))) {
        for (const r of batch) {
          if (compiled === null) {
            compiled = compileReport(schema, findReport(schema, file), r.fields, file);
            continue;
          }
          const run = (f: typeof applyReport) => {
            const event = {};
            try {
              f(compiled!, r.fields, event);
              return event;
            } catch (e) {
              return (e as Error).message;
            }
          };
          expect(run(applyReport)).toEqual(run(applyOperations));
          rows++;
        }
      }
    }
    expect(rows).toBe(121);
  });
});

describe('shadowserver parser (schema file given as option)', () => {
  const schemaPath = feedFile('shadowserver-scan-smb', 'schema.json.test');

  it('scan_smb driven by the corpus schema.json.test: counts and sample fields', async () => {
    const expected = loadExpected('shadowserver-scan-smb');
    const outcomes = await parseCorpus(shadowserverParser, 'shadowserver-scan-smb', 'test_smb.csv', {
      schemaPath,
    });
    expect(outcomes.length).toBe(expected.data_rows);
    expect(events(outcomes).length).toBe(expected.expected_events);
    for (const sample of expected.expected_samples)
      expectSample(
        atRow(outcomes, sample.row)?.ok ? (atRow(outcomes, sample.row) as any).event : undefined,
        sample,
      );
    const first = events(outcomes)[0]!;
    expect(first).toMatchObject({
      'protocol.transport': 'tcp',
      'protocol.application': 'smb',
      'source.asn': 64512,
      'source.geolocation.cc': 'ZZ',
      extra: { tag: 'smb', smbv1_support: 'N', smb_major_number: '2', smb_minor_number: '1' },
    });
    // naics/sic 0 are "unknown" (invalidate_zero), revision "0" is dropped by validate_to_none
    expect(first.extra).not.toHaveProperty('source.naics');
    expect(first.extra).not.toHaveProperty('smb_revision');
  });

  it('the bundled schema reads the same rows when the file is named as Shadowserver names it', async () => {
    const text = await import('node:fs').then((fs) =>
      fs.readFileSync(feedFile('shadowserver-scan-smb', 'test_smb.csv'), 'utf8'),
    );
    const outcomes = await collect(shadowserverParser, fromStrings(text), {
      feedName: 'shadowserver',
      fileName: '2019-01-01-scan_smb-test-geo.csv',
      reportTime: REPORT_TIME,
      options: {},
    });
    const all = events(outcomes);
    expect(all).toHaveLength(3);
    expect(all[0]).toMatchObject({
      'classification.identifier': 'accessible-smb',
      'classification.type': 'vulnerable-system',
      'feed.code': 'scan_smb',
      'source.port': 445,
      extra: { smb_implant: false, smb_major_number: 2, smb_version_string: 'SMB 2.1' },
    });
    // every event starts from newEvent: one shape for all, whatever fields a row fills
    const shape = Object.keys(newEvent());
    for (const e of all) expect(Object.keys(e)).toEqual(shape);
  });
});

describe('shadowserver parser (report detection and bad input)', () => {
  it('refuses a schema file it cannot read or that uses an unknown conversion', async () => {
    const c = { feedName: 'ss', fileName: 'event4_sinkhole.csv', reportTime: REPORT_TIME };
    await expect(
      collect(shadowserverParser, fromStrings('a\n'), {
        ...c,
        options: { schemaPath: '/nonexistent/schema.json' },
      }),
    ).rejects.toThrow(/^shadowserver: cannot read schema \/nonexistent\/schema.json/);
    expect(() =>
      buildSchema({
        r: { feed_name: 'R', file_name: 'r', required_fields: [['source.ip', 'ip', 'make_magic']] },
      }),
    ).toThrow('shadowserver: report "r" uses unknown conversion "make_magic"');
  });

  it('reads the report type from Shadowserver file names', () => {
    expect(reportNameOfFile('2019-01-01-scan_smb-test-geo.csv')).toBe('scan_smb');
    expect(reportNameOfFile('event4_sinkhole.csv')).toBe('event4_sinkhole');
    expect(reportNameOfFile('/drop/2024-05-01-event4_sinkhole_http-cn-geo.csv')).toBe('event4_sinkhole_http');
    expect(reportNameOfFile('report.txt')).toBeNull();
  });

  const ctx = (fileName: string, options: Record<string, unknown> = {}) => ({
    feedName: 'ss',
    fileName,
    reportTime: REPORT_TIME,
    options,
  });

  it('refuses a file whose report type it cannot tell, naming the known ones', async () => {
    await expect(
      collect(shadowserverParser, fromStrings('a,b\n1,2\n'), ctx('2020-01-01-scan_nonsense-x.csv')),
    ).rejects.toThrow(/no schema for report "scan_nonsense".*event4_sinkhole/);
    await expect(collect(shadowserverParser, fromStrings('a\n'), ctx('x.txt'))).rejects.toBeInstanceOf(
      DomainError,
    );
  });

  it('takes the report type from options, and refuses a header without a required column', async () => {
    const csv =
      '"timestamp","ip","url","host"\n"2022-01-07 00:02:07","192.0.2.1","http://example.org/x","example.org"\n';
    const ok = await collect(
      shadowserverParser,
      fromStrings(csv),
      ctx('upload.csv', { reportType: 'phish_url' }),
    );
    expect(events(ok)[0]).toMatchObject({ 'source.fqdn': 'example.org', 'classification.type': 'phishing' });
    const byFeedName = await collect(
      shadowserverParser,
      fromStrings(csv),
      ctx('upload.csv', { reportType: 'Malware-URL' }),
    );
    expect(events(byFeedName)[0]!['classification.type']).toBe('malware-distribution');
    await expect(
      collect(shadowserverParser, fromStrings('"timestamp","src_port"\n'), ctx('event4_sinkhole.csv')),
    ).rejects.toThrow(
      'shadowserver: report "event4_sinkhole" needs column "src_ip", which is not in the header of "event4_sinkhole.csv"',
    );
  });

  it('reports bad ports, AS numbers and times as dead letters and goes on', async () => {
    const header = '"timestamp","protocol","src_ip","src_port","src_asn","dst_ip","dst_port"\n';
    const rows = [
      '"2021-03-04 00:00:00","tcp","192.0.2.1",70000,64496,"198.51.100.1",80',
      '"2021-03-04 00:00:00","tcp","192.0.2.1",1000,AS64x,"198.51.100.1",80',
      '"2021-02-30 00:00:00","tcp","192.0.2.1",1000,64496,"198.51.100.1",80',
      '"","tcp","192.0.2.1",1000,64496,"198.51.100.1",80',
      '"2021-03-04T01:02:03Z","udp","2001:DB8::1",1000,AS64496,"0.0.0.0",53',
    ];
    const outcomes = await collect(
      shadowserverParser,
      fromStrings(header + rows.join('\r\n')),
      ctx('event4_sinkhole.csv'),
    );
    expect(failures(outcomes).map((f) => [f.line, f.error])).toEqual([
      [2, 'source.port: "70000" is not a port number (0-65535)'],
      [3, 'source.asn: "AS64x" is not an AS number'],
      [4, 'time.source: "2021-02-30 00:00:00" is not a valid date and time'],
      [5, 'time.source: column "timestamp" is empty'],
    ]);
    expect(events(outcomes)).toEqual([
      expect.objectContaining({
        'time.source': '2021-03-04T01:02:03.000Z',
        'source.ip': '2001:db8::1',
        'source.asn': 64496,
        'destination.port': 53,
        'protocol.transport': 'udp',
      }),
    ]);
    expect(events(outcomes)[0]!['destination.ip']).toBeUndefined();
  });
});
