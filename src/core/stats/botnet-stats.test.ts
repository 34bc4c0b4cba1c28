import { describe, expect, it } from 'vitest';
import { assembleBotnetPeriod, previousYearPeriods, sizeBucketOf, SIZE_BUCKETS } from './botnet-stats.ts';
import { createFamilyResolver, parseMalwareFamilyInput } from '../malware/malware-family.ts';
import { DEFAULT_MALWARE_FAMILIES } from '../malware/defaults.ts';

describe('botnet statistics assembly', () => {
  it('puts bot counts into the report’s size buckets at their edges', () => {
    expect([1, 10, 11, 100, 101, 1000, 1001, 5000, 5001, 10000, 10001, 2_000_000].map(sizeBucketOf)).toEqual([
      '1-10',
      '1-10',
      '11-100',
      '11-100',
      '101-1000',
      '101-1000',
      '1001-5000',
      '1001-5000',
      '5001-10000',
      '5001-10000',
      '>10000',
      '>10000',
    ]);
    expect(sizeBucketOf(0)).toBeNull();
  });

  it('shifts the period one year back, 29 February included', () => {
    expect(previousYearPeriods('2008-01-01', '2008-02-29')).toEqual({
      samePeriod: { from: '2007-01-01', to: '2007-02-28' },
      fullYear: { from: '2007-01-01', to: '2007-12-31' },
    });
  });

  it('derives outside-mainland totals, unknown keys and shares', () => {
    const p = assembleBotnetPeriod(
      {
        controllers: [{ kind: 'trojan', total: 10, mainland: 4 }],
        controlled: [{ kind: 'trojan', total: 8, mainland: 5 }],
        controlledByBranch: [
          { kind: 'trojan', branch: 'CN-SH', count: 4 },
          { kind: 'trojan', branch: null, count: 1 },
        ],
        controllersByRegion: [
          { kind: 'trojan', cc: 'tw', count: 3 },
          { kind: 'trojan', cc: null, count: 3 },
        ],
        ccPorts: [
          { kind: 'trojan', port: 8000, count: 3 },
          { kind: 'trojan', port: 80, count: 1 },
        ],
        sizes: [{ kind: 'trojan', bucket: '1-10', count: 2 }],
      },
      { from: '2007-01-01', to: '2007-06-30' },
      ['trojan'],
    );
    const f = p.byKind.trojan!;
    expect(p.all).toBeNull();
    expect(f.controllerIps).toEqual({ total: 10, mainland: 4, outsideMainland: 6 });
    expect(f.controlledMainlandByBranch.items).toEqual([
      { key: 'CN-SH', count: 4, share: 0.8 },
      { key: 'unknown', count: 1, share: 0.2 },
    ]);
    expect(f.controllersOutsideMainlandByRegion.items).toEqual([
      { key: 'TW', count: 3, share: 0.5 },
      { key: 'ZZ', count: 3, share: 0.5 },
    ]);
    expect(f.ccPorts.items).toEqual([
      { port: 8000, count: 3, share: 0.75 },
      { port: 80, count: 1, share: 0.25 },
    ]);
    expect(f.botnetSizes.items).toHaveLength(SIZE_BUCKETS.length);
    expect(f.botnetSizes.items[0]).toEqual({ bucket: '1-10', count: 2, share: 1 });
  });
});

describe('malware family catalogue', () => {
  const resolve = createFamilyResolver(DEFAULT_MALWARE_FAMILIES);

  it('maps names and aliases case-insensitively, and vendor names by their family key', () => {
    expect(resolve('HUIGEZI')).toEqual({ name: 'Huigezi', kind: 'trojan' });
    expect(resolve('灰鸽子')).toEqual({ name: 'Huigezi', kind: 'trojan' });
    expect(resolve('Backdoor.Win32.SdBot.xd')).toEqual({ name: 'SdBot', kind: 'bot' });
    expect(resolve('victorygate.b')).toEqual({ name: 'VictoryGate', kind: 'bot' });
    expect(resolve('Virus.Win32.Virut.b')).toEqual({ name: 'Virut', kind: 'virus' });
    expect(resolve('never-heard-of-it')).toBeNull();
    expect(resolve(null)).toBeNull();
  });

  it('keeps the default catalogue free of clashing names and aliases', () => {
    const seen = new Map<string, string>();
    for (const f of DEFAULT_MALWARE_FAMILIES)
      for (const n of [f.name, ...f.aliases]) {
        const k = n.toLowerCase();
        expect(seen.get(k) ?? f.name, `${n} in ${f.name}`).toBe(f.name);
        seen.set(k, f.name);
      }
  });

  it('validates input and de-duplicates aliases', () => {
    expect(
      parseMalwareFamilyInput({ name: ' Storm ', kind: 'bot', aliases: ['storm', 'Peacomm', 'peacomm'] }),
    ).toEqual({
      name: 'Storm',
      kind: 'bot',
      aliases: ['Peacomm'],
      descriptionZh: '',
      descriptionEn: '',
    });
    expect(() => parseMalwareFamilyInput({ name: '', kind: 'rootkit' })).toThrow(
      /name: .*kind: one of trojan/,
    );
  });
});
