import { beforeAll, describe, expect, it } from 'vitest';
import { createBranchMatcher } from '../../core/directory/branch-matcher.ts';
import { DEFAULT_BRANCHES } from '../../core/directory/defaults.ts';
import type { FeedEvent } from '../../core/events/event.ts';
import { createAsnExpert, type AsnExpert } from './asn.expert.ts';
import { createGeoExpert, type GeoExpert } from './geo.expert.ts';
import { findRange } from './geo-data.ts';
import { formatIpv4, isPublicIpv4 } from './ip.ts';
import { loadOfflineData, type OfflineData } from './index.ts';

let data: OfflineData;
let geo: GeoExpert;
let asn: AsnExpert;
const matcher = createBranchMatcher(DEFAULT_BRANCHES);
const nameOf = new Map(DEFAULT_BRANCHES.map((b) => [b.code, b.nameZh]));
const canonicalProvince = (n: string) => {
  const c = matcher.match(n);
  return c ? nameOf.get(c)! : null;
};

beforeAll(async () => {
  data = await loadOfflineData();
  geo = createGeoExpert(data.geo, { canonicalProvince });
  asn = createAsnExpert(data.asn.v4, data.asn.v6);
});

describe('geo expert (offline data from npm)', () => {
  it('answers mainland addresses from ip2region with the province as the branch data names it', () => {
    expect(geo.lookup('202.96.128.86')).toEqual({
      cc: 'CN',
      province: '广东省',
      city: '广州市',
      source: 'ip2region',
    });
    // ip2region says 北京; the branch data's name is 北京市.
    expect(geo.lookup('61.135.169.121')).toEqual({
      cc: 'CN',
      province: '北京市',
      city: '北京市',
      source: 'ip2region',
    });
  });

  it('reports Taiwan, Hong Kong and Macao as regions, not provinces', () => {
    expect(geo.lookup('1.34.0.1')).toEqual({ cc: 'TW', source: 'ip2region' });
    expect(geo.lookup('203.198.7.66')).toMatchObject({ cc: 'HK', source: 'ip2region' });
    expect(geo.lookup('202.175.3.3')).toMatchObject({ cc: 'MO', source: 'ip2region' });
    expect(geo.lookup('1.34.0.1')).not.toHaveProperty('province');
  });

  it('answers other countries from the geo-whois-asn-country mmdb', () => {
    expect(geo.lookup('8.8.8.8')).toEqual({ cc: 'US', source: 'geo-whois-asn-country' });
    expect(geo.lookup('::ffff:8.8.8.8')).toEqual({ cc: 'US', source: 'geo-whois-asn-country' });
    expect(geo.lookup('2001:4860:4860::8888')).toEqual({ cc: 'US', source: 'geo-whois-asn-country' });
  });

  it('answers IPv6 mainland addresses with the province', () => {
    expect(geo.lookup('240e:47d:c20:1627:30a3:ba0d:a5e6:ec19')).toMatchObject({
      cc: 'CN',
      province: '广东省',
      source: 'ip2region',
    });
    expect(geo.lookup('2400:da00::6666')).toMatchObject({ cc: 'CN', province: '北京市' });
    // ip2region files these under 中国 with no province: still regions, not the mainland.
    expect(geo.lookup('2400:8800::1')).toEqual({ cc: 'HK', source: 'ip2region' });
    expect(geo.lookup('2001:b000::1')).toEqual({ cc: 'TW', source: 'ip2region' });
    // Mainland without a province in ip2region's IPv6 data: CN, no province, no branch.
    expect(geo.lookup('240e::1')).toEqual({ cc: 'CN', source: 'ip2region' });
  });

  it('has no answer for private, invalid or missing addresses, and leaves those events alone', () => {
    for (const ip of ['10.0.0.1', '127.0.0.1', '192.168.1.1', 'not-an-ip', '1.2.3', ''])
      expect(geo.lookup(ip)).toBeNull();
    const events: FeedEvent[] = [{ 'source.ip': '10.0.0.1' }, { 'source.ip': 'bogus' }, { 'feed.name': 'x' }];
    geo.process(events);
    expect(events).toEqual([{ 'source.ip': '10.0.0.1' }, { 'source.ip': 'bogus' }, { 'feed.name': 'x' }]);
  });

  it('enriches both sides of an event and records which database answered', () => {
    const e: FeedEvent = { 'source.ip': '202.96.128.86', 'destination.ip': '8.8.8.8' };
    geo.process([e]);
    expect(e).toMatchObject({
      'source.geolocation.cc': 'CN',
      'source.geolocation.province': '广东省',
      'source.geolocation.city': '广州市',
      'source.geolocation.source': 'ip2region',
      'destination.geolocation.cc': 'US',
      'destination.geolocation.source': 'geo-whois-asn-country',
    });
    expect(e['destination.geolocation.province']).toBeUndefined();
  });

  it('keeps the feed’s geolocation when told not to overwrite', () => {
    const keep = createGeoExpert(data.geo, { overwrite: false });
    const e: FeedEvent = { 'source.ip': '8.8.8.8', 'source.geolocation.cc': 'DE' };
    keep.process([e]);
    expect(e['source.geolocation.cc']).toBe('DE');
    geo.process([e]);
    expect(e['source.geolocation.cc']).toBe('US');
  });

  it('flattens the country mmdb into ranges that answer exactly as the mmdb does', () => {
    let x = 12345;
    for (let i = 0; i < 20_000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const k = findRange(data.geo.countryV4.starts, data.geo.countryV4.ends, x);
      const flat = k === -1 ? null : data.geo.countryV4.ccs[data.geo.countryV4.ccOf[k]!];
      expect(flat).toBe(data.geo.country.lookup(formatIpv4(x))[0]);
    }
  });

  it('answers from one merged table exactly as ip2region-then-mmdb would', () => {
    const { v4, countryV4 } = data.geo;
    let x = 777;
    for (let i = 0; i < 20_000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const ip = formatIpv4(x);
      const p = findRange(v4.starts, v4.ends, x);
      const place = p === -1 ? null : v4.places[v4.placeOf[p]!]!;
      const c = findRange(countryV4.starts, countryV4.ends, x);
      const a = geo.lookup(ip);
      if (!isPublicIpv4(x)) expect(a).toBeNull();
      else if (place?.country === '中国') expect(a?.source).toBe('ip2region');
      else
        expect(a).toEqual(
          c === -1 ? null : { cc: countryV4.ccs[countryV4.ccOf[c]!], source: 'geo-whois-asn-country' },
        );
      if (a?.source === 'ip2region' && a.cc === 'CN' && place!.province)
        expect(a.province).toBe(canonicalProvince(place!.province) ?? place!.province);
    }
  });

  it('gives the same IPv6 answers with and without its cache', () => {
    const uncached = createGeoExpert(data.geo, { canonicalProvince, cacheSize: 0 });
    const tiny = createGeoExpert(data.geo, { canonicalProvince, cacheSize: 4 });
    const ips = [
      '240e:47d:c20:1627::1',
      '2400:da00::6666',
      '2001:4860:4860::8888',
      '2a00:1450:4001::1',
      'fe80::1',
    ];
    for (let round = 0; round < 3; round++)
      for (const ip of ips) {
        const a = uncached.lookup(ip);
        expect(tiny.lookup(ip)).toEqual(a);
        expect(geo.lookup(ip)).toEqual(a);
      }
    expect(geo.stats().cacheHits).toBeGreaterThan(0);
    expect(uncached.stats().cacheHits).toBe(0);
  });

  it('counts lookups, hits and misses by source', () => {
    const g = createGeoExpert(data.geo);
    g.process([{ 'source.ip': '202.96.128.86', 'destination.ip': '8.8.8.8' }, { 'source.ip': '10.1.1.1' }]);
    expect(g.stats()).toMatchObject({
      lookups: 3,
      hits: 2,
      misses: 1,
      'source:ip2region': 1,
      'source:geo-whois-asn-country': 1,
    });
  });
});

describe('ASN expert (offline data from npm)', () => {
  it('finds the AS number and name of IPv4 and IPv6 addresses', () => {
    expect(asn.lookup('8.8.8.8')).toEqual({ asn: 15169, name: 'Google LLC' });
    expect(asn.lookup('202.96.128.86')?.asn).toBe(4134);
    expect(asn.lookup('2001:4860:4860::8888')?.asn).toBe(15169);
    expect(asn.lookup('::ffff:8.8.8.8')?.asn).toBe(15169);
    expect(asn.lookup('10.0.0.1')).toBeNull();
    expect(asn.lookup('junk')).toBeNull();
  });

  it('fills *.asn and *.as_name, keeping an AS number the feed gives', () => {
    const events: FeedEvent[] = [
      { 'source.ip': '8.8.8.8', 'destination.ip': '202.96.128.86' },
      { 'source.ip': '8.8.8.8', 'source.asn': 64512 },
      { 'source.ip': '8.8.8.8', 'source.asn': 15169 },
      { 'source.ip': '' },
    ];
    asn.process(events);
    expect(events[0]).toMatchObject({
      'source.asn': 15169,
      'source.as_name': 'Google LLC',
      'destination.asn': 4134,
    });
    expect(events[1]).toEqual({ 'source.ip': '8.8.8.8', 'source.asn': 64512 });
    expect(events[2]).toMatchObject({ 'source.asn': 15169, 'source.as_name': 'Google LLC' });
    expect(events[3]).toEqual({ 'source.ip': '' });
  });

  it('loads the IPv6 table only when the first public IPv6 address is looked up', () => {
    let loads = 0;
    const lazy = createAsnExpert(data.asn.v4, () => {
      loads++;
      return data.asn.v6();
    });
    const events: FeedEvent[] = [{ 'source.ip': '8.8.8.8', 'destination.ip': '202.96.128.86' }];
    lazy.process(events);
    expect(lazy.lookup('::ffff:8.8.8.8')?.asn).toBe(15169);
    expect(lazy.lookup('::1')).toBeNull();
    expect(loads).toBe(0);
    expect(events[0]).toMatchObject({ 'source.asn': 15169, 'destination.asn': 4134 });
    expect(lazy.lookup('2001:4860:4860::8888')).toEqual({ asn: 15169, name: 'Google LLC' });
    const six: FeedEvent[] = [{ 'source.ip': '2001:4860:4860::8844' }];
    lazy.process(six);
    expect(six[0]).toMatchObject({ 'source.asn': 15169, 'source.as_name': 'Google LLC' });
    expect(loads).toBe(1);
    // the process's loader keeps one table and records its load time once
    expect(data.asn.v6()).toBe(data.asn.v6());
    expect(data.loadMs.asnV6).toBeGreaterThanOrEqual(0);
  });
});
