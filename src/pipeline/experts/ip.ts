import ipaddr from 'ipaddr.js';

/**
 * Address parsing for the hot path: IPv4 dotted quads are parsed by hand into an unsigned 32-bit
 * number (no allocation); IPv6 goes through ipaddr.js into a 128-bit BigInt (rare in feeds).
 */

/** `1.2.3.4` → 0x01020304; anything else (including leading/trailing blanks) → -1. */
export function parseIpv4(s: string): number {
  const n = s.length;
  if (n < 7 || n > 15) return -1;
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return -1;
    } else if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + octet;
}

/** An IPv6 address as a 128-bit BigInt; IPv4-mapped addresses (`::ffff:1.2.3.4`) too. Else null. */
export function parseIpv6(s: string): bigint | null {
  if (s.indexOf(':') === -1 || !ipaddr.IPv6.isValid(s)) return null;
  const parts = ipaddr.IPv6.parse(s).parts;
  let v = 0n;
  for (const p of parts) v = (v << 16n) | BigInt(p);
  return v;
}

export type ParsedIp = { v: 4; n: number } | { v: 6; n: bigint };

/** IPv4 (also when written IPv4-mapped in IPv6) or IPv6; null when not an address. */
export function parseIp(s: string): ParsedIp | null {
  const v4 = parseIpv4(s);
  if (v4 !== -1) return { v: 4, n: v4 };
  const v6 = parseIpv6(s);
  if (v6 === null) return null;
  if (v6 >> 32n === 0xffffn) return { v: 4, n: Number(v6 & 0xffffffffn) };
  return { v: 6, n: v6 };
}

/** 0x01020304 → `1.2.3.4`. */
export function formatIpv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** `10.0.0.0/8` → IPv4 network/length or IPv6; null when not a CIDR (host bits are masked off). */
export function parseCidr(
  cidr: string,
): { v: 4; start: number; bits: number } | { v: 6; start: bigint; bits: number } | null {
  const slash = cidr.indexOf('/');
  const addr = slash === -1 ? cidr.trim() : cidr.slice(0, slash).trim();
  const bitsText = slash === -1 ? null : cidr.slice(slash + 1).trim();
  const ip = parseIp(addr);
  if (ip === null) return null;
  const max = ip.v === 4 ? 32 : 128;
  const bits = bitsText === null ? max : /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : -1;
  if (bits < 0 || bits > max) return null;
  if (ip.v === 4) return { v: 4, start: maskIpv4(ip.n, bits), bits };
  return { v: 6, start: maskIpv6(ip.n, bits), bits };
}

/** The network address of `n` with `bits` leading bits kept. */
export function maskIpv4(n: number, bits: number): number {
  return bits === 0 ? 0 : (n & (0xffffffff << (32 - bits))) >>> 0;
}

const ONES_128 = (1n << 128n) - 1n;

export function maskIpv6(n: bigint, bits: number): bigint {
  return bits === 0 ? 0n : n & (ONES_128 ^ ((1n << BigInt(128 - bits)) - 1n));
}

/** IPv4 special-purpose blocks (RFC 6890 and friends): [network, prefix length]. */
const SPECIAL_V4: readonly [string, number][] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];
const SPECIAL_V4_MASKS = SPECIAL_V4.map(([net, bits]) => [parseIpv4(net), bits] as const);
/** 1 for first octets some special block starts with (most addresses need one array read). */
const SPECIAL_FIRST_OCTET = new Uint8Array(256);
for (const [net, bits] of SPECIAL_V4_MASKS) {
  const first = net >>> 24;
  const span = bits >= 8 ? 1 : 1 << (8 - bits);
  for (let o = first; o < first + span; o++) SPECIAL_FIRST_OCTET[o] = 1;
}

/**
 * False for private, shared, loopback, link-local, documentation, benchmarking, multicast and
 * reserved IPv4 addresses: no geo or AS data applies to them (some databases still list a few).
 */
export function isPublicIpv4(n: number): boolean {
  if (SPECIAL_FIRST_OCTET[n >>> 24] === 0) return true;
  for (const [net, bits] of SPECIAL_V4_MASKS) if (maskIpv4(n, bits) === net) return false;
  return true;
}

/** The same for IPv6 (ipaddr.js ranges: only `unicast` is public; 6to4/Teredo count as public). */
export function isPublicIpv6(n: bigint): boolean {
  const bytes: number[] = [];
  for (let shift = 120n; shift >= 0n; shift -= 8n) bytes.push(Number((n >> shift) & 0xffn));
  const range = ipaddr.fromByteArray(bytes).range();
  return range === 'unicast' || range === '6to4' || range === 'teredo';
}
