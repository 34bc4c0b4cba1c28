import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cidrToRange,
  coveringRanges,
  domainSuffixes,
  ipKeyOf,
  ipToKey,
  normaliseDomain,
  parseAsn,
} from './network-keys.ts';

describe('directory network keys', () => {
  it('encodes IPv4 mapped into IPv6 and IPv6 as 32 hex characters', () => {
    expect(ipToKey('10.1.2.3')).toBe('00000000000000000000ffff0a010203');
    expect(ipToKey('::ffff:10.1.2.3')).toBe('00000000000000000000ffff0a010203');
    expect(ipToKey('2001:db8::1')).toBe('20010db8000000000000000000000001');
    expect(ipToKey('10.1.2')).toBeNull();
    expect(ipToKey('example.cn')).toBeNull();
  });

  it('turns a CIDR into its canonical form and inclusive key range', () => {
    expect(cidrToRange('10.1.2.3/8')).toEqual({
      cidr: '10.0.0.0/8',
      start: '00000000000000000000ffff0a000000',
      end: '00000000000000000000ffff0affffff',
      version: 4,
    });
    const v6 = cidrToRange('2001:db8::/32')!;
    expect(v6.cidr).toBe('2001:db8::/32');
    expect(v6.start).toBe('20010db8000000000000000000000000');
    expect(v6.end).toBe('20010db8ffffffffffffffffffffffff');
    expect(cidrToRange('192.0.2.7')!.cidr).toBe('192.0.2.7/32');
    expect(cidrToRange('10.0.0.0/33')).toBeNull();
    expect(cidrToRange('10.0.0.0/x')).toBeNull();
    expect(cidrToRange('nonsense')).toBeNull();
  });

  it('normalises domains and lists their suffixes longest first', () => {
    expect(normaliseDomain(' WWW.Example.CN. ')).toBe('www.example.cn');
    expect(normaliseDomain('*.example.cn')).toBe('example.cn');
    expect(normaliseDomain('例子.中国')).toBe('xn--fsqu00a.xn--fiqs8s');
    expect(normaliseDomain('http://example.cn/x')).toBeNull();
    expect(normaliseDomain('bad_domain-.cn')).toBeNull();
    expect(normaliseDomain('10.1.2.3')).toBeNull();
    expect(normaliseDomain('')).toBeNull();
    expect(domainSuffixes('a.b.example.cn')).toEqual(['a.b.example.cn', 'b.example.cn', 'example.cn', 'cn']);
  });

  it('reads AS numbers with or without the AS prefix', () => {
    expect(parseAsn('AS4134')).toBe(4134);
    expect(parseAsn('as 4837')).toBe(4837);
    expect(parseAsn(9808)).toBe(9808);
    expect(parseAsn('4294967295')).toBe(4294967295);
    expect(parseAsn('4294967296')).toBeNull();
    expect(parseAsn('AS-1')).toBeNull();
    expect(parseAsn(1.5)).toBeNull();
  });
});

describe('ipKeyOf (the fast key of feed addresses)', () => {
  /** The form it replaced: a regular expression for dotted IPv4, ipToKey for the rest. */
  function reference(ip: string): string | null {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
    if (!m) return ipToKey(ip);
    let hex = '00000000000000000000ffff';
    for (let i = 1; i <= 4; i++) {
      const n = Number(m[i]);
      if (n > 255) return null;
      hex += n.toString(16).padStart(2, '0');
    }
    return hex;
  }

  it('keys dotted IPv4 as ipToKey does, and leaves every other text to it', () => {
    expect(ipKeyOf('103.85.86.190')).toBe('00000000000000000000ffff675556be');
    expect(ipKeyOf('0.0.0.0')).toBe('00000000000000000000ffff00000000');
    expect(ipKeyOf('255.255.255.255')).toBe('00000000000000000000ffffffffffff');
    expect(ipKeyOf('010.1.1.1')).toBe(ipKeyOf('10.1.1.1'));
    expect(ipKeyOf('256.1.1.1')).toBeNull();
    expect(ipKeyOf('0001.2.3.4')).toBe(reference('0001.2.3.4'));
    expect(ipKeyOf('1.2.3')).toBeNull();
    expect(ipKeyOf('1.2.3.4.')).toBeNull();
    expect(ipKeyOf('1..2.3')).toBeNull();
    expect(ipKeyOf('')).toBeNull();
    expect(ipKeyOf('2001:db8::1')).toBe(ipToKey('2001:db8::1'));
    expect(ipKeyOf('::ffff:1.2.3.4')).toBe(ipToKey('::ffff:1.2.3.4'));
    const group = fc.oneof(
      fc.integer({ min: 0, max: 255 }).map(String),
      fc.integer({ min: 0, max: 9999 }).map(String),
      fc.stringMatching(/^[0-9]{1,4}$/),
    );
    const texts = fc.oneof(
      fc.array(group, { minLength: 1, maxLength: 6 }).map((g) => g.join('.')),
      fc.stringMatching(/^[0-9.:a-f ]{0,20}$/),
      fc.ipV4(),
      fc.ipV6(),
    );
    fc.assert(
      fc.property(texts, (ip) => {
        expect(ipKeyOf(ip)).toBe(reference(ip));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('covering ranges', () => {
  it('lists the 129 prefix ranges containing an address, most specific first', () => {
    const key = ipToKey('10.1.2.3')!;
    const ranges = coveringRanges(key);
    expect(ranges).toHaveLength(129);
    expect(ranges[0]).toEqual({ start: key, end: key });
    const { start, end } = cidrToRange('10.1.2.0/24')!;
    expect(ranges[128 - (96 + 24)]).toEqual({ start, end });
    expect(ranges).toContainEqual({
      start: cidrToRange('10.0.0.0/8')!.start,
      end: cidrToRange('10.0.0.0/8')!.end,
    });
    expect(ranges.at(-1)).toEqual({ start: '0'.repeat(32), end: 'f'.repeat(32) });
    expect(ranges).not.toContainEqual({
      start: cidrToRange('10.1.3.0/24')!.start,
      end: cidrToRange('10.1.3.0/24')!.end,
    });
  });
});
