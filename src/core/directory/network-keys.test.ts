import { describe, expect, it } from 'vitest';
import {
  cidrToRange,
  coveringRanges,
  domainSuffixes,
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
