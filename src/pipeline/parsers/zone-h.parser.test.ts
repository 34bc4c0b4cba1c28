import { describe, expect, it } from 'vitest';
import { zoneHParser } from './zone-h.parser.ts';
import { events, goldenSuite, parseCorpus } from './lib/golden.testkit.ts';

goldenSuite(zoneHParser, 'zoneh-defacement', ['defacement_accepted.csv', 'defacement_pending.csv']);

describe('zone-h', () => {
  it('keeps the defacement details in extra', async () => {
    const [a] = events(await parseCorpus(zoneHParser, 'zoneh-defacement', 'defacement_accepted.csv'));
    expect(a).toMatchObject({
      'time.source': '2016-01-01T11:56:00.000Z',
      'protocol.application': 'http',
      'classification.taxonomy': 'information-content-security',
      extra: {
        accepted_date: '2016-06-01T13:20:21.000Z',
        'os.name': 'Win 2008',
        http_target: 'IIS/7.5',
        zoneh_report_id: '12345678',
      },
    });
    expect(a!['source.geolocation.cc']).toBe('ZZ');
  });
});
