import type { FeedEvent } from '../../core/events/event.ts';
import {
  type CountryReader,
  type CountryTableV4,
  type Ip2RegionPlace,
  type Ip2RegionV4,
} from './geo-data.ts';
import { isPublicIpv4, isPublicIpv6, parseIp, parseIpv4 } from './ip.ts';
import { createRangeFinder, overlayRanges, type ValuedRanges } from './ranges.ts';
import { Counters, SIDES } from './sides.ts';
import type { Expert } from './types.ts';

/** Which offline database answered (`*.geolocation.source`). */
export type GeoSource = 'ip2region' | 'geo-whois-asn-country';

export interface GeoAnswer {
  /** ISO 3166-1 alpha-2; Taiwan, Hong Kong and Macao as TW, HK, MO (regions, not provinces). */
  readonly cc: string;
  /** Mainland province (only with cc CN), named as in the branch data when it knows the name. */
  readonly province?: string;
  readonly city?: string;
  readonly source: GeoSource;
}

export interface GeoDatabases {
  v4: Ip2RegionV4;
  /** ip2region's IPv6 search. */
  v6: (ip: string) => Ip2RegionPlace | null;
  /** The country mmdb's IPv4 part as sorted ranges. */
  countryV4: CountryTableV4;
  /** The country mmdb itself (IPv6). */
  country: CountryReader;
}

export interface GeoExpertOptions {
  /** ip2region's province name (`北京`, `广东省`) → the branch data's name (`北京市`); null keeps it. */
  canonicalProvince?: (name: string) => string | null;
  /** Entries of the IPv6 answer cache (IPv4 needs none: two binary searches); 0 disables. */
  cacheSize?: number;
  /**
   * Replace geolocation the feed already carries (default true: one source for every feed keeps
   * the statistics consistent). Fields the databases cannot answer are never touched.
   */
  overwrite?: boolean;
}

export interface GeoExpert extends Expert {
  /** The answer for one address (either family), or null (invalid, private, unknown). */
  lookup(ip: string): GeoAnswer | null;
}

const REGIONS: readonly [prefix: string, cc: string][] = [
  ['台湾', 'TW'],
  ['香港', 'HK'],
  ['澳门', 'MO'],
];

const DEFAULT_CACHE = 65_536;

const mergedTables = new WeakMap<GeoDatabases, ValuedRanges>();

/**
 * ip2region's ranges where it places the address in China (mainland, TW, HK, MO), the country
 * mmdb's elsewhere, as one table: one search per IPv4 lookup. Built once per set of databases.
 */
function mergedV4(db: GeoDatabases): ValuedRanges {
  let m = mergedTables.get(db);
  if (!m) {
    const inChina = db.v4.places.map((p) => p.country === '中国');
    m = overlayRanges(
      { starts: db.v4.starts, ends: db.v4.ends, values: db.v4.placeOf },
      (place) => inChina[place]!,
      { starts: db.countryV4.starts, ends: db.countryV4.ends, values: Uint32Array.from(db.countryV4.ccOf) },
      db.v4.places.length,
    );
    mergedTables.set(db, m);
  }
  return m;
}

export function createGeoExpert(db: GeoDatabases, options: GeoExpertOptions = {}): GeoExpert {
  const canonical = options.canonicalProvince ?? (() => null);
  const cacheSize = options.cacheSize ?? DEFAULT_CACHE;
  const overwrite = options.overwrite ?? true;
  const counters = new Counters();
  let cacheHits = 0;

  /** ip2region's answer for a place in China; null for places elsewhere (the mmdb answers those). */
  function answerOfPlace(place: Ip2RegionPlace): GeoAnswer | null {
    if (place.country !== '中国') return null;
    const city = place.city || undefined;
    for (const [prefix, cc] of REGIONS)
      if (place.province.startsWith(prefix))
        return city ? { cc, city, source: 'ip2region' } : { cc, source: 'ip2region' };
    const province = place.province ? (canonical(place.province) ?? place.province) : undefined;
    const a: { cc: string; province?: string; city?: string; source: GeoSource } = {
      cc: 'CN',
      source: 'ip2region',
    };
    if (province) a.province = province;
    if (city) a.city = city;
    return a;
  }

  // Answers computed once per distinct ip2region place; countries interned.
  const placeAnswers = db.v4.places.map(answerOfPlace);
  const v6Answers = new Map<string, GeoAnswer | null>();
  const countryAnswers = new Map<string, GeoAnswer>();
  const countryAnswer = (cc: string | null): GeoAnswer | null => {
    if (cc === null) return null;
    let a = countryAnswers.get(cc);
    if (!a) countryAnswers.set(cc, (a = { cc, source: 'geo-whois-asn-country' }));
    return a;
  };

  // One table for IPv4: values < places.length are ip2region places (in China), the rest countries.
  const merged = mergedV4(db);
  const answersV4: GeoAnswer[] = [
    ...placeAnswers.map((a) => a ?? { cc: '', source: 'ip2region' as const }), // null never reaches the table
    ...db.countryV4.ccs.map((cc) => countryAnswer(cc)!),
  ];
  const ranges = createRangeFinder(merged.starts, merged.ends);
  // IPv6 answers by address (IPv6 goes through slower readers).
  const cache6 = new Map<string, GeoAnswer | null>();

  function lookupV4(n: number): GeoAnswer | null {
    if (!isPublicIpv4(n)) return null;
    const i = ranges.find(n);
    return i === -1 ? null : answersV4[merged.values[i]!]!;
  }

  function lookupV6(ip: string): GeoAnswer | null {
    const hit = cache6.get(ip);
    if (hit !== undefined) {
      cacheHits++;
      return hit;
    }
    const place = db.v6(ip);
    let a = place ? answerOfPlace(place) : null;
    if (a !== null) {
      const key = `${a.cc}|${a.province ?? ''}|${a.city ?? ''}`;
      const shared = v6Answers.get(key);
      if (shared) a = shared;
      else v6Answers.set(key, a);
    } else a = countryAnswer(db.country.lookup(ip)[0]);
    if (cacheSize > 0) {
      if (cache6.size >= cacheSize) cache6.clear();
      cache6.set(ip, a);
    }
    return a;
  }

  function lookup(ip: string): GeoAnswer | null {
    const n = parseIpv4(ip);
    if (n !== -1) return lookupV4(n);
    const p = parseIp(ip.trim());
    if (p === null) return null;
    if (p.v === 4) return lookupV4(p.n);
    return isPublicIpv6(p.n) ? lookupV6(ip.trim().toLowerCase()) : null;
  }

  return {
    id: 'geo',
    lookup,
    process(events: FeedEvent[]) {
      let lookups = 0;
      let misses = 0;
      let fromIp2region = 0;
      for (const side of SIDES) {
        for (const e of events) {
          const ip = e[side.ip];
          if (ip === undefined || ip === '') continue;
          lookups++;
          const a = lookup(ip);
          if (a === null) {
            misses++;
            continue;
          }
          if (a.source === 'ip2region') fromIp2region++;
          if (!overwrite && e[side.cc] !== undefined) continue;
          e[side.cc] = a.cc;
          e[side.geoSource] = a.source;
          if (a.province !== undefined) e[side.province] = a.province;
          if (a.city !== undefined) e[side.city] = a.city;
        }
      }
      counters.add('lookups', lookups);
      counters.add('hits', lookups - misses);
      counters.add('misses', misses);
      counters.add('source:ip2region', fromIp2region);
      counters.add('source:geo-whois-asn-country', lookups - misses - fromIp2region);
    },
    stats: () => ({ ...counters.snapshot(), cacheHits }),
  };
}
