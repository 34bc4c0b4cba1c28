import { describe, expect, it } from 'vitest';
import {
  byRecord,
  collect,
  events,
  expectSample,
  failures,
  fromStrings,
  loadExpected,
  parseCorpus,
  REPORT_TIME,
  eventOfRow,
} from './lib/golden.testkit.ts';
import { spamhausCertParser } from './spamhaus-cert.parser.ts';

const FOLDER = 'spamhaus-cert';

describe('spamhaus-cert parser (golden)', () => {
  it('cert.txt: counts and every sample field of expected.json', async () => {
    const expected = loadExpected(FOLDER);
    const outcomes = await parseCorpus(spamhausCertParser, FOLDER, 'cert.txt');
    expect(failures(outcomes)).toEqual([]);
    expect(byRecord(outcomes).length).toBe(expected.data_rows);
    expect(events(outcomes).length).toBe(expected.expected_events);
    let checked = 0;
    for (const sample of expected.expected_samples) {
      const event = eventOfRow(outcomes, sample.row);
      checked += expectSample(event, sample);
      // "botname" in a sample is the input's bot name, not an event field: it names the row
      if (sample.botname) expect(event!.raw!.split(',')[4]).toBe(sample.botname);
    }
    expect(checked).toBeGreaterThan(8);
  });

  it('maps bot names as IntelMQ does and keeps the C&C columns', async () => {
    const all = events(await parseCorpus(spamhausCertParser, FOLDER, 'cert.txt'));
    expect(all[1]).toMatchObject({
      'malware.name': 'patcher',
      'destination.fqdn': 'dxxt.sinkhole.dk',
      'destination.ip': '212.227.20.19',
      'destination.port': 80,
      extra: { 'source.local_port': 1036 },
      'protocol.transport': 'tcp',
      'feed.provider': 'Spamhaus',
    });
    expect(all[3]).toMatchObject({ 'classification.type': 'infected-system', 'malware.name': 'mirai' });
    expect(all[3]!['destination.port']).toBeUndefined();
    expect(all[5]).toMatchObject({
      'classification.type': 'vulnerable-system',
      'classification.identifier': 'openrelay',
    });
    expect(all[10]!['malware.name']).toBe('s_other');
    expect(all[11]).toMatchObject({
      'classification.type': 'spam',
      'malware.name': 'darkmailer2',
      'malware.version': '1660',
      'source.url': 'http://example.com/',
      extra: { spam_ip: '192.168.46.8' },
    });
    expect(all[15]).toMatchObject({
      'classification.identifier': 'telnet',
      'protocol.application': 'telnet',
    });
    for (const e of all) expect(e['classification.taxonomy']).toBeDefined();
  });

  it('reports unreadable lines and goes on', async () => {
    const text = '; header\n1.2.3.4,AS1,AT,notatime,x,,,,,tcp\n1.2.3.4,AS1,AT,1441008970,x,,,80,,tcp\n';
    const outcomes = await collect(spamhausCertParser, fromStrings(text), {
      feedName: 's',
      fileName: 'cert.txt',
      reportTime: REPORT_TIME,
      options: {},
    });
    expect(failures(outcomes)).toEqual([
      expect.objectContaining({ line: 2, error: 'time.source: "notatime" is not a Unix timestamp' }),
    ]);
    expect(events(outcomes)).toHaveLength(1);
  });
});
