import { describe, expect, it } from 'vitest';
import { cymruCapParser } from './cymru-cap.parser.ts';
import {
  byRecord,
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

const FOLDER = 'cymru-cap';

describe('cymru-cap parser (golden)', () => {
  const expected = loadExpected(FOLDER);
  for (const file of ['infected_20171031.txt', 'certname_20190327.txt']) {
    it(`${file}: rows, events and every sample field of expected.json`, async () => {
      const outcomes = await parseCorpus(cymruCapParser, FOLDER, file);
      expect(failures(outcomes)).toEqual([]);
      expect(byRecord(outcomes).length).toBe(countFor(expected.data_rows, file));
      expect(events(outcomes).length).toBe(countFor(expected.expected_events, file));
      expect(expectSamples(outcomes, expected, file)).toBeGreaterThan(0);
      expect(await parseCorpus(cymruCapParser, FOLDER, file, {}, 5)).toEqual(outcomes);
    });
  }

  it('certname: one darknet line with 10 ports fans out into 10 events on the same line', async () => {
    const outcomes = await parseCorpus(cymruCapParser, FOLDER, 'certname_20190327.txt');
    const tenPorts = byRecord(outcomes).find((g) => g.length === 10)!;
    expect(tenPorts.map((o) => (o.ok ? o.event['destination.port'] : null))).toEqual([
      17875, 24526, 54449, 9314, 4903, 1568, 20749, 30524, 59316, 60704,
    ]);
    for (const o of tenPorts)
      expect(o.ok && o.event).toMatchObject({ 'source.port': 40434, 'protocol.transport': 'udp' });
    const all = events(outcomes);
    // notes written without a blank after the colon, and "hostname: …port: 80" glued together
    expect(all.find((e) => e['malware.name'] === 'azorult')).toMatchObject({
      'destination.ip': '172.16.0.22',
      'destination.port': 80,
      'source.port': 15390,
    });
    expect(all.find((e) => e['source.fqdn'] === 'sub.example.com')).toMatchObject({ 'source.port': 80 });
    expect(all.find((e) => e['classification.type'] === 'phishing' && e['source.url'])).toMatchObject({
      'source.url': 'http://www.example.com/',
    });
    for (const e of all) {
      expect(e).toMatchObject({
        'source.as_name': 'Example AS Name',
        'source.geolocation.cc': 'AT',
        'feed.provider': 'Team Cymru',
      });
      expect(e['classification.taxonomy']).toBeDefined();
    }
  });

  it('old layout: "mwtype" may hold several words, trailing text is a comment, ASN 0 is unknown', async () => {
    const outcomes = await parseCorpus(cymruCapParser, FOLDER, 'infected_20171031.txt');
    const all = events(outcomes);
    expect(all[7]!['malware.name']).toBe('mirai mirai bot');
    expect(all[8]).toMatchObject({
      'malware.name': 'malwareexample',
      'event_description.text': 'Some Botnet',
    });
    expect(all[8]!['source.asn']).toBeUndefined();
    expect(all[3]).toMatchObject({
      extra: { request: 'HTTP CONNECT (8080)' },
      'classification.identifier': 'openproxy',
    });
  });

  it('a bad line is a dead letter naming the field, and the rest goes on', async () => {
    const text = [
      '#generated on 20190326',
      'bot|172.16.0.300|64496|2019-03-22 11:18:52|family: x;|AS, AT',
      'bot|172.16.0.1|64496|2019-03-22 11:18:52|family: x;dest_port: 99999;|AS, AT',
      'weird|172.16.0.1|64496|2019-03-22 11:18:52||AS, AT',
      'bot|172.16.0.1|64496',
      'bot|172.16.0.2|64496|2019-03-22 11:18:52|family: Y;|AS, AT',
    ].join('\n');
    const outcomes = await collect(cymruCapParser, fromStrings(text), {
      feedName: 'cymru',
      fileName: 'upload.txt',
      reportTime: REPORT_TIME,
      options: {},
    });
    expect(failures(outcomes).map((f) => [f.line, f.error])).toEqual([
      [2, 'source.ip: "172.16.0.300" is not an IP address'],
      [3, 'destination.port: "99999" is not a port number (0-65535)'],
      [4, 'classification.type: unknown CAP category "weird"'],
      [5, 'line: expected 6 "|"-separated columns, got 3: "bot|172.16.0.1|64496"'],
    ]);
    expect(events(outcomes)).toEqual([
      expect.objectContaining({ 'source.ip': '172.16.0.2', 'malware.name': 'y' }),
    ]);
  });
});
