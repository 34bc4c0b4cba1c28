import { describe, expect, it } from 'vitest';
import { phishtankParser } from './phishtank.parser.ts';
import { collect, events, fromStrings, goldenSuite, parseCorpus, REPORT_TIME } from './lib/golden.testkit.ts';

const ctx = (fileName: string) => ({ feedName: 'f', fileName, reportTime: REPORT_TIME, options: {} });

goldenSuite(phishtankParser, 'phishtank', ['online-valid.json']);

describe('phishtank', () => {
  it('takes hosting details from the first details entry and streams a large array element by element', async () => {
    const all = events(await parseCorpus(phishtankParser, 'phishtank', 'online-valid.json'));
    expect(all[0]).toMatchObject({
      'source.geolocation.cc': 'US',
      'source.fqdn': 'ardentig.top',
      'event_description.url': 'http://www.phishtank.com/phish_detail.php?phish_id=7946016',
      'time.source': '2022-11-16T14:08:44.000Z',
      extra: { 'phishtank.verified': 'yes' },
    });
    const many = Array.from({ length: 2500 }, (_, i) =>
      JSON.stringify({ phish_id: String(i), url: `https://p${i}.example.com/` }),
    );
    const text = `[${many.join(',\n')}]`;
    const pieces: string[] = [];
    for (let i = 0; i < text.length; i += 777) pieces.push(text.slice(i, i + 777));
    const outcomes = await collect(phishtankParser, fromStrings(...pieces), ctx('online-valid.json'));
    expect(events(outcomes)).toHaveLength(2500);
    expect(events(outcomes)[2499]!.extra!['phishtank.phish_id']).toBe('2499');
    expect(outcomes[2499]!.line).toBe(2500);
  });
});
