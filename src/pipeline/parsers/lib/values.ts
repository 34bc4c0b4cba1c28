import ipaddr from 'ipaddr.js';
import { RSIT_TYPES } from '../../../core/incidents/categories.ts';

/**
 * Value checks and conversions shared by the parsers. They are written for the hot path: no regex
 * compiled per call, no allocation when the value is already in canonical form.
 */

/** A value that cannot be read: the message names the event field (`destination.ip: "…" is not …`). */
export class FieldError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'FieldError';
    this.field = field;
  }
}

/** Message of any error thrown while reading one line, for the dead-letter outcome. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** Shortens a value quoted in an error message. */
export function quote(value: string): string {
  const v = value.length > 80 ? `${value.slice(0, 77)}...` : value;
  return JSON.stringify(v);
}

/** Dotted-quad IPv4 without leading zeros, checked by hand (hot path). */
export function isIpv4(v: string): boolean {
  const n = v.length;
  if (n < 7 || n > 15) return false;
  let parts = 0;
  let digits = 0;
  let value = 0;
  let first = 0;
  for (let i = 0; i <= n; i++) {
    const c = i === n ? 46 : v.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || value > 255 || (digits > 1 && first === 48)) return false;
      parts++;
      digits = 0;
      value = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 0) first = c;
      digits++;
      if (digits > 3) return false;
      value = value * 10 + (c - 48);
    } else return false;
  }
  return parts === 4;
}

/** The address in canonical form (IPv4 as is, IPv6 compressed lower case), or null when it is not one. */
export function normalizeIp(v: string): string | null {
  if (isIpv4(v)) return v;
  if (v.indexOf(':') === -1) return null;
  let text = v;
  if (text.charCodeAt(0) === 91 && text.charCodeAt(text.length - 1) === 93) text = text.slice(1, -1);
  if (!ipaddr.IPv6.isValid(text)) return null;
  return ipaddr.IPv6.parse(text).toString();
}

/** An IP address for `field`; throws a FieldError naming the field otherwise. */
export function readIp(field: string, v: string): string {
  const ip = normalizeIp(v);
  if (ip === null) throw new FieldError(field, `${quote(v)} is not an IP address`);
  return ip;
}

/** A network in CIDR notation (`192.0.2.0/24`, `2001:db8::/32`), or null. */
export function normalizeNetwork(v: string): string | null {
  const slash = v.indexOf('/');
  if (slash === -1) return null;
  const ip = normalizeIp(v.slice(0, slash));
  const bitsText = v.slice(slash + 1);
  if (ip === null || !/^\d{1,3}$/.test(bitsText)) return null;
  const bits = Number(bitsText);
  if (bits > (ip.indexOf(':') === -1 ? 32 : 128)) return null;
  return `${ip}/${bits}`;
}

/** Non-negative decimal integer text (no sign, no blanks), or -1. */
function digitsValue(v: string): number {
  const n = v.length;
  if (n === 0 || n > 15) return -1;
  let value = 0;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    value = value * 10 + (c - 48);
  }
  return value;
}

/** A TCP/UDP port 0–65535. Accepts a float-looking integer (`80.0`) as some feeds write them. */
export function readPort(field: string, v: string): number {
  let n = digitsValue(v);
  if (n === -1 && v.endsWith('.0')) n = digitsValue(v.slice(0, -2));
  if (n === -1 || n > 65535) throw new FieldError(field, `${quote(v)} is not a port number (0-65535)`);
  return n;
}

/** An AS number (`64496`, `AS64496`); zero means unknown and gives undefined. */
export function readAsn(field: string, v: string): number | undefined {
  let text = v;
  const c0 = text.charCodeAt(0);
  if (c0 === 65 || c0 === 97) {
    const c1 = text.charCodeAt(1);
    if (c1 === 83 || c1 === 115) text = text.slice(2);
  }
  const n = digitsValue(text);
  if (n === -1 || n > 4294967295) throw new FieldError(field, `${quote(v)} is not an AS number`);
  return n === 0 ? undefined : n;
}

/** A decimal integer (possibly negative), or throws. */
export function readInteger(field: string, v: string): number {
  const t = v.trim();
  const neg = t.charCodeAt(0) === 45;
  const n = digitsValue(neg ? t.slice(1) : t);
  if (n === -1) throw new FieldError(field, `${quote(v)} is not an integer`);
  return neg ? -n : n;
}

/** A decimal number, or throws. */
export function readFloat(field: string, v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new FieldError(field, `${quote(v)} is not a number`);
  return n;
}

/** Two-letter country code in upper case, or null (`**`, `-`, empty: unknown). */
export function normalizeCc(v: string): string | null {
  if (v.length !== 2) return null;
  const a = v.charCodeAt(0) & ~32;
  const b = v.charCodeAt(1) & ~32;
  if (a < 65 || a > 90 || b < 65 || b > 90) return null;
  return String.fromCharCode(a, b);
}

/**
 * A host name as IntelMQ's FQDN type accepts it: dot-separated labels of letters, digits, `-`
 * and `_`, not an IP address, lower-cased, without a trailing dot. Null otherwise.
 */
export function normalizeFqdn(v: string): string | null {
  let s = v.trim();
  if (s.endsWith('.')) s = s.slice(0, -1);
  if (s.length === 0 || s.length > 253 || isIpv4(s) || s.indexOf(':') !== -1) return null;
  let labelLength = 0;
  let labels = 1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (labelLength === 0) return null;
      labels++;
      labelLength = 0;
      continue;
    }
    const ok =
      (c >= 97 && c <= 122) ||
      (c >= 65 && c <= 90) ||
      (c >= 48 && c <= 57) ||
      c === 45 ||
      c === 95 ||
      c > 127;
    if (!ok || ++labelLength > 63) return null;
  }
  if (labelLength === 0 || labels < 2) return null;
  return s.toLowerCase();
}

/** A URL with a scheme and a host (`http://…`), or null. Kept as written (IntelMQ does not rewrite). */
export function normalizeUrl(v: string): string | null {
  const s = v.trim();
  const sep = s.indexOf('://');
  if (sep < 2 || sep > 20 || s.length - sep <= 3) return null;
  for (let i = 0; i < sep; i++) {
    const c = s.charCodeAt(i) | 32;
    if (!((c >= 97 && c <= 122) || (i > 0 && ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46))))
      return null;
  }
  for (let i = sep + 3; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c === 127) return null;
  }
  return s;
}

/** The host part of a URL (`http://user@Host.example:8080/x` → `host.example`), or null. */
export function hostOfUrl(url: string): string | null {
  const sep = url.indexOf('://');
  if (sep === -1) return null;
  let start = sep + 3;
  let end = url.length;
  for (let i = start; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 47 || c === 63 || c === 35) {
      end = i;
      break;
    }
  }
  const at = url.lastIndexOf('@', end);
  if (at >= start) start = at + 1;
  let host = url.slice(start, end);
  if (host.charCodeAt(0) === 91) {
    const close = host.indexOf(']');
    return close === -1 ? null : host.slice(1, close);
  }
  const colon = host.lastIndexOf(':');
  if (colon !== -1) host = host.slice(0, colon);
  return host.length > 0 ? host : null;
}

/** The scheme of a URL in lower case (`HTTPS://x` → `https`). */
export function schemeOfUrl(url: string): string | null {
  const sep = url.indexOf('://');
  return sep > 0 ? url.slice(0, sep).toLowerCase() : null;
}

const TLP_VALUES: Readonly<Record<string, string>> = {
  WHITE: 'WHITE',
  CLEAR: 'CLEAR',
  GREEN: 'GREEN',
  AMBER: 'AMBER',
  'AMBER+STRICT': 'AMBER+STRICT',
  YELLOW: 'AMBER',
  RED: 'RED',
};

/** TLP label in upper case (`Green` → `GREEN`; Microsoft's `Yellow` → `AMBER`), or null when unknown. */
export function normalizeTlp(v: string): string | null {
  const key = v.trim().toUpperCase().replace(/^TLP:/, '');
  return TLP_VALUES[key] ?? null;
}

const RSIT_CLASS_OF: ReadonlyMap<string, string> = new Map(
  RSIT_TYPES.map((t) => {
    const slash = t.indexOf('/');
    return [t.slice(slash + 1), t.slice(0, slash)] as const;
  }),
);

/** The RSIT class (`classification.taxonomy`) of an RSIT type (`c2-server` → `malicious-code`). */
export function taxonomyOf(type: string): string | undefined {
  return RSIT_CLASS_OF.get(type);
}

/** Whether `type` is an RSIT type name (the part after the slash). */
export function isRsitTypeName(type: string): boolean {
  return RSIT_CLASS_OF.has(type);
}
