import { isDomainError } from '../shared/errors.ts';
import { HEX_BYTE } from '../shared/hex.ts';
import {
  cidrToRange as observableCidrToRange,
  ipToKey as observableIpToKey,
  isIp,
  parseCidr,
} from '../incidents/observables.ts';

/*
 * Keys the directory stores and looks networks, ASNs and domains up by.
 *
 * IP keys follow the schema convention (src/db/schema.ts): 32 lower-case hex characters of the
 * 128-bit address, IPv4 mapped into IPv6 (`::ffff:a.b.c.d`), so IPv4 and IPv6 share one order and
 * a CIDR is the closed range [start, end] of two such keys. The encoding is the one of
 * core/incidents/observables.ts (`ipToKey`, `cidrToRange`), which observables use too, so a
 * directory network and an incident observable compare directly; these wrappers only turn its
 * errors into null.
 */

export interface IpRange {
  /** Canonical CIDR: network address / prefix (`10.0.0.0/8`, `2001:db8::/32`). */
  cidr: string;
  start: string;
  end: string;
  version: 4 | 6;
}

function orNull<T>(fn: () => T): T | null {
  try {
    return fn();
  } catch (e) {
    if (isDomainError(e)) return null;
    throw e;
  }
}

/** True for a dotted-quad IPv4 or an IPv6 address. */
export function isIpAddress(ip: string): boolean {
  return isIp(ip.trim());
}

/** The 32-hex key of an address, or null when it is not one. */
export function ipToKey(ip: string): string | null {
  return orNull(() => observableIpToKey(ip));
}

/**
 * `ipToKey` for a feed's addresses, fast for the common dotted IPv4 (four groups of one to three
 * digits, read as they stand: `010.1.1.1` is 10.1.1.1; a group over 255 makes it no address),
 * without a regular expression or a string per group; anything else goes to `ipToKey`.
 */
export function ipKeyOf(ip: string): string | null {
  let key = '00000000000000000000ffff';
  let value = 0;
  let digits = 0;
  let groups = 0;
  let over = false;
  const n = ip.length;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? ip.charCodeAt(i) : 46;
    if (c >= 48 && c <= 57) {
      if (++digits > 3) return ipToKey(ip);
      value = value * 10 + (c - 48);
    } else if (c === 46 && digits > 0 && groups < 4) {
      if (value > 255) over = true;
      else key += HEX_BYTE[value];
      groups++;
      value = 0;
      digits = 0;
    } else return ipToKey(ip);
  }
  if (groups !== 4) return ipToKey(ip);
  return over ? null : key;
}

/**
 * The range of a CIDR (`10.1.0.0/16`, `2001:db8::/32`; a bare address is a /32 or /128). Host
 * bits are cleared (`10.1.2.3/8` → `10.0.0.0/8`). Null when it is not a CIDR.
 */
export function cidrToRange(cidr: string): IpRange | null {
  return orNull(() => {
    const c = parseCidr(cidr);
    const r = observableCidrToRange(cidr);
    return { cidr: `${c.network}/${c.prefix}`, start: r.start, end: r.end, version: c.version };
  });
}

const ALL_ONES = (1n << 128n) - 1n;

/**
 * The 129 ranges (one per prefix length /0 … /128, in the 128-bit space) that contain the address
 * with this key. A stored CIDR covers the address exactly when it is one of them, so "which
 * networks cover this IP" is an index lookup of these pairs rather than a range scan.
 */
export function coveringRanges(ipKey: string): { start: string; end: string }[] {
  const k = BigInt(`0x${ipKey}`);
  const out: { start: string; end: string }[] = [];
  for (let p = 128; p >= 0; p--) {
    const host = (1n << BigInt(128 - p)) - 1n;
    const start = k & (ALL_ONES ^ host);
    out.push({
      start: start.toString(16).padStart(32, '0'),
      end: (start | host).toString(16).padStart(32, '0'),
    });
  }
  return out;
}

/**
 * A domain in the form the directory stores: lower-case ASCII (IDN → punycode), no trailing dot,
 * no scheme or path. Null when it is not a valid domain name.
 */
export function normaliseDomain(input: string): string | null {
  let s = input.trim().toLowerCase();
  if (s.startsWith('*.')) s = s.slice(2);
  if (s.endsWith('.')) s = s.slice(0, -1);
  if (s === '' || s.length > 253 || /[\s/:@?#]/.test(s)) return null;
  if (/[^\x20-\x7e]/.test(s)) {
    try {
      s = new URL(`http://${s}`).hostname;
    } catch {
      return null;
    }
  }
  const labels = s.split('.');
  const label = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
  if (!labels.every((l) => label.test(l))) return null;
  if (/^\d+$/.test(labels[labels.length - 1]!)) return null; // an IPv4 address is not a domain
  return s;
}

/** Every suffix of a normalised domain, longest first: a.b.example.cn → a.b.example.cn, b.example.cn, example.cn, cn. */
export function domainSuffixes(domain: string): string[] {
  const labels = domain.split('.');
  return labels.map((_, i) => labels.slice(i).join('.'));
}

/** An AS number from `4134`, `AS4134` or `as 4134`; null when it is not one (0 … 4294967295). */
export function parseAsn(input: string | number): number | null {
  const s = typeof input === 'number' ? String(input) : input.trim().replace(/^as\s*/i, '');
  if (!/^\d{1,10}$/.test(s)) return null;
  const n = Number(s);
  return n <= 4294967295 ? n : null;
}
