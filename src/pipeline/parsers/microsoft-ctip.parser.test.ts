import { describe, expect, it } from 'vitest';
import {
  collect,
  countFor,
  events,
  expectSamples,
  failures,
  fromStrings,
  loadExpected,
  parseCorpus,
  REPORT_TIME,
} from './lib/golden.testkit.ts';
import { microsoftCtipParser } from './microsoft-ctip.parser.ts';

const FOLDER = 'microsoft-ctip';

describe('microsoft-ctip parser (golden)', () => {
  const expected = loadExpected(FOLDER);
  for (const file of ['ctip.txt', 'ctip_azure.txt']) {
    it(`${file}: counts and every sample field of expected.json`, async () => {
      const outcomes = await parseCorpus(microsoftCtipParser, FOLDER, file);
      expect(failures(outcomes)).toEqual([]);
      expect(outcomes.length).toBe(countFor(expected.data_rows, file));
      expect(events(outcomes).length).toBe(countFor(expected.expected_events, file));
      expect(expectSamples(outcomes, expected, file)).toBeGreaterThan(3);
      expect(await parseCorpus(microsoftCtipParser, FOLDER, file, {}, 3)).toEqual(outcomes);
    });
  }

  it('Interflow: 0.0.0.0 and duplicated destinations, IP or junk in hostname, binary metadata', async () => {
    const all = events(await parseCorpus(microsoftCtipParser, FOLDER, 'ctip.txt'));
    expect(all[0]!['destination.fqdn']).toBeUndefined(); // hostname equals the destination IP
    expect(all[3]!['destination.ip']).toBeUndefined(); // 0.0.0.0
    expect(all[4]!['destination.ip']).toBe('192.88.99.209');
    expect(all[4]!['destination.fqdn']).toBeUndefined();
    expect(all[4]!.extra!.user_agent).toEqual(expect.any(String));
    expect(all[1]!.extra).not.toHaveProperty('additionalmetadata');
    for (const e of all) expect(e).toMatchObject({ 'classification.type': 'infected-system', tlp: 'GREEN' });
  });

  it('Azure: file-time timestamps, confidence words, TLP names, decoded payloads', async () => {
    const all = events(await parseCorpus(microsoftCtipParser, FOLDER, 'ctip_azure.txt'));
    expect(all[0]).toMatchObject({
      'feed.accuracy': 20,
      tlp: 'AMBER',
      'source.asn': 64496,
      'source.as_name': 'Example AS 1',
      'protocol.application': 'http',
      extra: { 'payload.family': 'tinba', 'payload.domain': 'example.com', total_encounters: 3 },
    });
    expect(all[1]).toMatchObject({
      tlp: 'AMBER',
      'feed.accuracy': 100,
      extra: { 'payload.text': 'this is just some text' },
    });
    expect(all[2]!.tlp).toBeUndefined(); // "Unknown" is no TLP level: kept in extra
    expect(all[2]!.extra!.TLP).toBe('Unknown');
    expect(all[5]).toMatchObject({
      'source.geolocation.city': 'Saarbrücken',
      extra: { 'http.method': 'POST' },
    });
  });

  it('an unsupported Interflow threat type and broken JSON are dead letters', async () => {
    const text =
      '[{"version":1.5,"indicatorthreattype":"Phishing","networksourceipv4":"192.0.2.1"},{"broken": ]';
    const outcomes = await collect(microsoftCtipParser, fromStrings(text), {
      feedName: 'ctip',
      fileName: 'ctip.txt',
      reportTime: REPORT_TIME,
      options: {},
    });
    expect(failures(outcomes).map((f) => f.error)).toEqual([
      'indicatorthreattype: "Phishing" is not supported (only Botnet)',
      expect.stringMatching(/^invalid JSON: /),
      // the broken value swallowed the array's "]"
      'invalid JSON: the array is not closed with "]"',
    ]);
  });
});
