import { describe, expect, it } from 'vitest';
import { feodotrackerParser } from './feodotracker.parser.ts';
import {
  collect,
  events,
  failures,
  fromStrings,
  goldenSuite,
  parseCorpus,
  REPORT_TIME,
} from './lib/golden.testkit.ts';

const ctx = (fileName: string) => ({ feedName: 'f', fileName, reportTime: REPORT_TIME, options: {} });

goldenSuite(feodotrackerParser, 'abusech-feodotracker', ['ipblocklist.json']);

describe('feodotracker', () => {
  it('falls back to last_online and lowercases the family', async () => {
    const all = events(await parseCorpus(feodotrackerParser, 'abusech-feodotracker', 'ipblocklist.json'));
    expect(all[0]).toMatchObject({
      'source.reverse_dns': 'srv-web.ffconsulting.com',
      'source.as_name': 'OVH',
      'source.geolocation.cc': 'FR',
    });
    expect(all[3]!['source.reverse_dns']).toBeUndefined();
    expect(all.map((e) => e['malware.name'])).toEqual(['dridex', 'dridex', 'dridex', 'dridex']);
  });

  it('reports an entry with a bad address', async () => {
    const outcomes = await collect(
      feodotrackerParser,
      fromStrings('[{"ip_address":"1.2.3","first_seen":"2021-01-17 07:44:46"}]'),
      ctx('ipblocklist.json'),
    );
    expect(failures(outcomes)[0]!.error).toBe('source.ip: "1.2.3" is not an IP address');
  });
});
