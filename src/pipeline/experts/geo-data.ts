import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import path from 'node:path';
import { Reader, type Response } from 'mmdb-lib';

/**
 * The offline geo databases, read once from the npm packages (nothing is downloaded at run time):
 *
 * - ip2region (`ip2region` package, data/ip2region.db, lionsoul2014's v1 format): IPv4 ranges →
 *   `country|region|province|city|isp` in Chinese. The package's own search reads the file per
 *   lookup and splits strings; here the index is decoded once into sorted typed arrays and a table
 *   of distinct places, so a lookup is one binary search over a Uint32Array. IPv6 goes through the
 *   package's own IPv6 search (ipv6wry.db; IPv6 is rare in feeds).
 * - @ip-location-db/geo-whois-asn-country-mmdb: the country (ISO alpha-2) of every IPv4/IPv6
 *   address from the RIRs' delegation data, via mmdb-lib.
 */

const require = createRequire(import.meta.url);

/** A place as ip2region names it; empty strings for unknown parts. */
export interface Ip2RegionPlace {
  country: string;
  province: string;
  city: string;
  isp: string;
}

export interface Ip2RegionV4 {
  /** Range i is [starts[i], ends[i]] → places[placeOf[i]]; ranges sorted, disjoint. */
  starts: Uint32Array;
  ends: Uint32Array;
  placeOf: Uint32Array;
  places: Ip2RegionPlace[];
}

function packageDir(name: string): string {
  return path.dirname(require.resolve(`${name}/package.json`));
}

export function ip2regionDbPath(): string {
  return path.join(packageDir('ip2region'), 'data', 'ip2region.db');
}

export function countryMmdbPath(): string {
  return path.join(packageDir('@ip-location-db/geo-whois-asn-country-mmdb'), 'geo-whois-asn-country.mmdb');
}

/** `0` stands for unknown in ip2region's records. */
const part = (s: string | undefined): string => (s === undefined || s === '0' ? '' : s);

/**
 * Decodes ip2region.db (v1): an 8-byte super block (first/last index block offsets), index blocks
 * of 12 bytes (start ip, end ip, data pointer: length in the top byte, offset in the low 24 bits),
 * data records of a 4-byte city id followed by `country|region|province|city|isp`.
 */
export function loadIp2RegionV4(file = ip2regionDbPath()): Ip2RegionV4 {
  const buf = readFileSync(file);
  const first = buf.readUInt32LE(0);
  const last = buf.readUInt32LE(4);
  if (first <= 0 || last < first || (last - first) % 12 !== 0 || last + 12 > buf.length)
    throw new Error(`ip2region: ${file} is not an ip2region v1 database`);
  const n = (last - first) / 12 + 1;
  const starts = new Uint32Array(n);
  const ends = new Uint32Array(n);
  const placeOf = new Uint32Array(n);
  const places: Ip2RegionPlace[] = [];
  const byPointer = new Map<number, number>();
  // The index as 32-bit words (copied to an aligned buffer; the file is little-endian, as are the
  // machines Node runs on — checked, with a slow path otherwise).
  const words =
    endianness() === 'LE'
      ? new Uint32Array(buf.buffer.slice(buf.byteOffset + first, buf.byteOffset + last + 12))
      : null;
  for (let i = 0, pos = first; i < n; i++, pos += 12) {
    const w = 3 * i;
    starts[i] = words ? words[w]! : buf.readUInt32LE(pos);
    ends[i] = words ? words[w + 1]! : buf.readUInt32LE(pos + 4);
    const ptr = words ? words[w + 2]! : buf.readUInt32LE(pos + 8);
    let idx = byPointer.get(ptr);
    if (idx === undefined) {
      const len = (ptr >>> 24) & 0xff;
      const off = ptr & 0x00ffffff;
      const fields = buf.toString('utf8', off + 4, off + len).split('|');
      idx = places.length;
      places.push({
        country: part(fields[0]),
        province: part(fields[2]),
        city: part(fields[3]),
        isp: part(fields[4]),
      });
      byPointer.set(ptr, idx);
    }
    placeOf[i] = idx;
  }
  return { starts, ends, placeOf, places };
}

/** Index of the range holding `ip` (unsigned 32-bit), or -1. */
export function findRange(starts: Uint32Array, ends: Uint32Array, ip: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid]! > ip) hi = mid - 1;
    else if (ends[mid]! < ip) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/** ip2region's IPv6 record text for the three regions it files under 中国 without a province. */
const V6_REGIONS: readonly [prefix: string, province: string][] = [
  ['中国香港', '香港'],
  ['中国澳门', '澳门'],
  ['中国台湾', '台湾省'],
];

type RawV6 = { country?: string; province?: string; city?: string; isp?: string; data?: string } | null;

/**
 * IPv6 via the ip2region package's own reader (it also loads its IPv4 file: ~9 MB, once). Its
 * parser leaves the province empty for `中国香港区`/`中国澳门…`; those are filled in here so that
 * Hong Kong and Macao are not taken for the mainland.
 */
export function loadIp2RegionV6(): (ip: string) => Ip2RegionPlace | null {
  const IP2Region = (
    require('ip2region') as { default: new () => { searchRaw(ip: string, parse: boolean): RawV6 } }
  ).default;
  const q = new IP2Region();
  return (ip) => {
    let r: RawV6;
    try {
      r = q.searchRaw(ip, true);
    } catch {
      return null;
    }
    if (!r) return null;
    let province = r.province ?? '';
    if (province === '' && r.data)
      for (const [prefix, p] of V6_REGIONS) if (r.data.startsWith(prefix)) province = p;
    return { country: r.country ?? '', province, city: r.city ?? '', isp: r.isp ?? '' };
  };
}

export interface CountryReader {
  /**
   * ISO 3166-1 alpha-2 (upper case) or null, and the prefix length of the network that answered
   * (for an IPv4 address, counted in IPv4 bits: ≤ 24 means the answer holds for the whole /24).
   */
  lookup(ip: string): [cc: string | null, prefix: number];
}

export function loadCountryReader(file = countryMmdbPath()): CountryReader {
  const reader = new Reader<Response>(readFileSync(file));
  return {
    lookup(ip) {
      try {
        const [r, prefix] = reader.getWithPrefixLength(ip);
        const cc = (r as { country_code?: unknown } | null)?.country_code;
        return [typeof cc === 'string' && cc.length === 2 ? cc.toUpperCase() : null, prefix];
      } catch {
        return [null, 0];
      }
    },
  };
}

/** Country of every IPv4 address: disjoint sorted ranges → index into `ccs`. */
export interface CountryTableV4 {
  starts: Uint32Array;
  ends: Uint32Array;
  ccOf: Uint16Array;
  ccs: string[];
}

/**
 * Flattens the IPv4 part of the country mmdb into sorted ranges (a binary search over typed arrays
 * is several times faster than mmdb-lib's per-lookup tree walk and string parse). The search tree
 * is walked once; each distinct data record (one per country) is decoded once through mmdb-lib.
 */
export function loadCountryTableV4(file = countryMmdbPath()): CountryTableV4 {
  const buf = readFileSync(file);
  const reader = new Reader<Response>(buf);
  const { nodeCount, recordSize, ipVersion } = reader.metadata;
  const nodeBytes = (recordSize * 2) / 8;
  if (recordSize !== 24 && recordSize !== 28 && recordSize !== 32)
    throw new Error(`mmdb: unsupported record size ${recordSize} in ${file}`);
  const record = (node: number, bit: number): number => {
    const o = node * nodeBytes + (recordSize === 24 ? bit * 3 : 0);
    switch (recordSize) {
      case 24:
        return (buf[o]! << 16) | (buf[o + 1]! << 8) | buf[o + 2]!;
      case 28:
        return bit === 0
          ? ((buf[o + 3]! & 0xf0) << 20) | buf.readUIntBE(o, 3)
          : ((buf[o + 3]! & 0x0f) << 24) | buf.readUIntBE(o + 4, 3);
      default:
        return bit === 0 ? buf.readUInt32BE(o) : buf.readUInt32BE(o + 4);
    }
  };
  // IPv4 addresses live under ::/96 in an IPv6 tree (96 left turns from the root).
  let root = 0;
  if (ipVersion === 6) for (let i = 0; i < 96 && root < nodeCount; i++) root = record(root, 0);

  const starts: number[] = [];
  const ends: number[] = [];
  const ccOf: number[] = [];
  const ccs: string[] = [];
  const ccIndex = new Map<string, number>();
  const byPointer = new Map<number, number>(); // data record → index in ccs (-1: no country)
  const leaf = (value: number, start: number, depth: number) => {
    if (value === nodeCount) return; // no data
    let idx = byPointer.get(value);
    if (idx === undefined) {
      const [r] = reader.getWithPrefixLength(formatIp4(start));
      const cc = (r as { country_code?: unknown } | null)?.country_code;
      if (typeof cc === 'string' && cc.length === 2) {
        const up = cc.toUpperCase();
        idx = ccIndex.get(up);
        if (idx === undefined) {
          idx = ccs.length;
          ccs.push(up);
          ccIndex.set(up, idx);
        }
      } else idx = -1;
      byPointer.set(value, idx);
    }
    if (idx === -1) return;
    const end = start + 2 ** (32 - depth) - 1;
    const n = starts.length;
    if (n > 0 && ccOf[n - 1] === idx && ends[n - 1] === start - 1) ends[n - 1] = end;
    else {
      starts.push(start);
      ends.push(end);
      ccOf.push(idx);
    }
  };
  // Depth-first, left before right: leaves come out in address order.
  const walk = (node: number, depth: number, start: number) => {
    for (let bit = 0; bit < 2; bit++) {
      const value = record(node, bit);
      const s = bit === 0 ? start : start + 2 ** (31 - depth);
      if (value < nodeCount && depth < 31) walk(value, depth + 1, s);
      else if (value >= nodeCount) leaf(value, s, depth + 1);
    }
  };
  if (root < nodeCount) walk(root, 0, 0);
  return {
    starts: Uint32Array.from(starts),
    ends: Uint32Array.from(ends),
    ccOf: Uint16Array.from(ccOf),
    ccs,
  };
}

function formatIp4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}
