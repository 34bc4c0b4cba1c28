import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { invalidInput } from '../shared/errors.ts';
import { HEX_BYTE } from '../shared/hex.ts';

export const OBSERVABLE_KINDS = ['ipv4', 'ipv6', 'domain', 'url', 'email', 'md5', 'sha1', 'sha256'] as const;

export type ObservableKind = (typeof OBSERVABLE_KINDS)[number];

export interface Observable {
  kind: ObservableKind;
  value: string;
}

export const observableKindSchema = z.enum(OBSERVABLE_KINDS);
export const observableSchema = z.object({ kind: observableKindSchema, value: z.string().min(1) });

export type IpVersion = 4 | 6;

export interface Cidr {
  version: IpVersion;
  /** Canonical network address (host bits cleared). */
  network: string;
  prefix: number;
}

// ---------------------------------------------------------------------------------------------
// Top-level domains
// ---------------------------------------------------------------------------------------------

/** Delegated country-code TLDs (ISO 3166 alpha-2 plus ac, eu, su, uk). */
const CC_TLDS = (
  'ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo bq br bs bt bv bw by bz ' +
  'ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg er es et eu fi fj fk fm fo fr ' +
  'ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp ' +
  'ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mg mh mk ml mm mn mo mp mq mr ms mt mu ' +
  'mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw ' +
  'sa sb sc sd se sg sh si sj sk sl sm sn so sr ss st su sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ' +
  'ua ug uk us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw'
).split(' ');

/**
 * Generic TLDs seen in reports and abuse feeds. Deliberately left out because they collide with
 * file names far more often than they name hosts: zip, mov, pub, run.
 */
const GENERIC_TLDS = (
  'com net org info biz edu gov mil int name mobi asia pro tel travel jobs museum aero coop cat post arpa onion ' +
  'xyz top site online club shop app dev cloud tech store website space host live life world today news email fun ' +
  'icu buzz cyou monster rest bar cam quest sbs cfd bond lol ink wang ren xin ltd vip win bid loan loans work link ' +
  'click group company network systems solutions services digital media blog page one design agency center support ' +
  'tools zone global best art fit mom kim red plus market video games game bet casino poker porn sex xxx adult money ' +
  'finance bank cash trade exchange gdn men date download stream review racing party science accountant faith ' +
  'cricket webcam help press social chat love team studio city photo photos pics pictures tv mba sale shopping ' +
  'deals expert guru land fans wiki beauty hair skin makeup homes house realty rent estate law ' +
  'legal tax capital fund insure credit creditcard lat africa london berlin paris tokyo nyc moe'
).split(' ');

const KNOWN_TLDS: ReadonlySet<string> = new Set([...CC_TLDS, ...GENERIC_TLDS]);

const PUNYCODE_TLD_RE = /^xn--[a-z0-9-]{1,59}$/;

function isKnownTld(label: string): boolean {
  return KNOWN_TLDS.has(label) || PUNYCODE_TLD_RE.test(label);
}

// ---------------------------------------------------------------------------------------------
// Character classes (ASCII lookup tables keep the scanners linear and allocation-free)
// ---------------------------------------------------------------------------------------------

function buildTable(test: (c: number) => boolean): Uint8Array {
  const table = new Uint8Array(128);
  for (let c = 0; c < 128; c++) table[c] = test(c) ? 1 : 0;
  return table;
}

const isDigitCode = (c: number): boolean => c >= 48 && c <= 57;
const isLetterCode = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** `[A-Za-z_]`: a character that glues onto an IP and makes it part of a word. */
const WORD_LETTER = buildTable((c) => isLetterCode(c) || c === 95);
/** `[A-Za-z0-9_]` */
const WORD_CHAR = buildTable((c) => isLetterCode(c) || isDigitCode(c) || c === 95);
/** `[A-Za-z0-9._-]` */
const DOMAIN_CHAR = buildTable((c) => isLetterCode(c) || isDigitCode(c) || c === 46 || c === 95 || c === 45);
/** `[A-Za-z0-9._%+-]` */
const LOCAL_CHAR = buildTable((c) => DOMAIN_CHAR[c] === 1 || c === 37 || c === 43);
/** Printable ASCII except space and `<>"'\`{}|\^`. */
const URL_CHAR = buildTable((c) => c > 0x20 && c < 0x7f && !'<>"\'`{}|\\^'.includes(String.fromCharCode(c)));

function inTable(table: Uint8Array, code: number): boolean {
  return code < 128 && table[code] === 1;
}

// ---------------------------------------------------------------------------------------------
// IP addresses
// ---------------------------------------------------------------------------------------------

interface ParsedIp {
  version: IpVersion;
  /** 16 bytes; IPv4 is stored IPv4-mapped (::ffff:a.b.c.d). */
  bytes: number[];
}

/** Dotted quad, four decimal octets ≤ 255, no leading zeros (`010` could be read as octal). */
function parseIpv4Octets(s: string): number[] | null {
  if (s.length < 7 || s.length > 15) return null;
  const octets: number[] = [];
  let i = 0;
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (s.charCodeAt(i) !== 46) return null;
      i++;
    }
    const start = i;
    let n = 0;
    while (i < s.length && i - start < 4) {
      const c = s.charCodeAt(i);
      if (c === 46) break;
      if (!isDigitCode(c)) return null;
      n = n * 10 + (c - 48);
      i++;
    }
    const length = i - start;
    if (length === 0 || length > 3) return null;
    if (length > 1 && s.charCodeAt(start) === 48) return null;
    if (n > 255) return null;
    octets.push(n);
  }
  return i === s.length ? octets : null;
}

const IPV6_TEXT_RE = /^[0-9A-Fa-f:.]{2,45}$/;

/** IPv6 text (optionally with an embedded dotted quad, no zone id) to 16 bytes. */
function parseIpv6Bytes(s: string): number[] | null {
  if (!IPV6_TEXT_RE.test(s)) return null;
  let hex = s;
  const firstDot = s.indexOf('.');
  if (firstDot !== -1) {
    // ipaddr.js reads `::1.2.3.4` as IPv4-mapped and accepts leading zeros in the quad: convert it ourselves.
    const lastColon = s.lastIndexOf(':');
    if (lastColon === -1 || firstDot < lastColon) return null;
    const v4 = parseIpv4Octets(s.slice(lastColon + 1));
    if (!v4) return null;
    const [a = 0, b = 0, c = 0, d = 0] = v4;
    hex = `${s.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  if (!ipaddr.IPv6.isValid(hex)) return null;
  return ipaddr.IPv6.parse(hex).toByteArray();
}

function parseIp(s: string): ParsedIp | null {
  const v4 = parseIpv4Octets(s);
  if (v4) return { version: 4, bytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4] };
  const v6 = parseIpv6Bytes(s);
  return v6 ? { version: 6, bytes: v6 } : null;
}

function isIpv4MappedBytes(bytes: number[]): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

/** RFC 5952 text: compressed, lower case; IPv4-mapped addresses keep their dotted quad. */
function formatIpv6(bytes: number[]): string {
  if (isIpv4MappedBytes(bytes)) return `::ffff:${bytes.slice(12).join('.')}`;
  return new ipaddr.IPv6(bytes).toString();
}

function formatIp(ip: ParsedIp): string {
  return ip.version === 4 ? ip.bytes.slice(12).join('.') : formatIpv6(ip.bytes);
}

function toHex(bytes: number[]): string {
  let out = '';
  for (const b of bytes) out += HEX_BYTE[b]!;
  return out;
}

/** Copy of `bytes` keeping the first `keepBits` bits and setting the rest to 0 (`fill` 0) or 1 (`fill` 1). */
function fillHostBits(bytes: number[], keepBits: number, fill: 0 | 1): number[] {
  return bytes.map((byte, i) => {
    const keep = Math.max(0, Math.min(8, keepBits - i * 8));
    const mask = keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff;
    return fill === 0 ? byte & mask : (byte & mask) | (~mask & 0xff);
  });
}

function quote(s: string): string {
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);
}

/** True for a plain IPv4 dotted quad or an IPv6 address (no prefix, zone id or surrounding blanks). */
export function isIp(s: string): boolean {
  return parseIp(s) !== null;
}

/** Canonical text of an IP (dotted quad; RFC 5952 IPv6), or null when `s` is not one. */
export function normaliseIp(s: string): string | null {
  const ip = parseIp(s.trim());
  return ip ? formatIp(ip) : null;
}

/**
 * Sort key of an IP: 32 lower-case hex digits of the 128-bit address, IPv4 taken as ::ffff:a.b.c.d,
 * so IPv4 and IPv6 share one ordering and string comparison equals numeric comparison.
 */
export function ipToKey(ip: string): string {
  const parsed = parseIp(ip.trim());
  if (!parsed)
    throw invalidInput(`${quote(ip)} is not a valid IP address`, [
      { field: 'ip', message: 'not an IP address' },
    ]);
  return toHex(parsed.bytes);
}

/** Parses `a.b.c.d/n`, `x::y/n` or a bare address (taken as /32 or /128); host bits are cleared. */
export function parseCidr(cidr: string): Cidr {
  const { ip, prefix } = parseCidrParts(cidr);
  const network = fillHostBits(ip.bytes, (ip.version === 4 ? 96 : 0) + prefix, 0);
  return { version: ip.version, network: formatIp({ version: ip.version, bytes: network }), prefix };
}

/** Inclusive key range (see `ipToKey`) covered by a CIDR block or a bare address. */
export function cidrToRange(cidr: string): { start: string; end: string } {
  const { ip, prefix } = parseCidrParts(cidr);
  const keepBits = (ip.version === 4 ? 96 : 0) + prefix;
  return {
    start: toHex(fillHostBits(ip.bytes, keepBits, 0)),
    end: toHex(fillHostBits(ip.bytes, keepBits, 1)),
  };
}

function parseCidrParts(cidr: string): { ip: ParsedIp; prefix: number } {
  const s = cidr.trim();
  const slash = s.indexOf('/');
  const address = slash === -1 ? s : s.slice(0, slash);
  const ip = parseIp(address);
  if (!ip) {
    throw invalidInput(`${quote(cidr)} is not a valid IP address or CIDR block`, [
      { field: 'cidr', message: 'expected an address like 192.0.2.0/24 or 2001:db8::/32' },
    ]);
  }
  const max = ip.version === 4 ? 32 : 128;
  if (slash === -1) return { ip, prefix: max };
  const prefixText = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) {
    throw invalidInput(
      `${quote(cidr)} has an invalid prefix length: IPv${ip.version} prefixes run from /0 to /${max}`,
      [{ field: 'cidr', message: `prefix length must be 0–${max}` }],
    );
  }
  return { ip, prefix: Number(prefixText) };
}

// ---------------------------------------------------------------------------------------------
// Domains, e-mail addresses, hashes
// ---------------------------------------------------------------------------------------------

const LABEL_RE = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** Lower-cased host name without trailing dot when `s` is a host name under a known TLD, else null. */
function normaliseDomain(s: string): string | null {
  let d = s.toLowerCase();
  if (d.endsWith('.')) d = d.slice(0, -1);
  if (d.length < 4 || d.length > 253) return null;
  // the TLD first: most candidates in prose (numbers, file names) fail there
  const lastDot = d.lastIndexOf('.');
  if (lastDot === -1 || !isKnownTld(d.slice(lastDot + 1))) return null;
  const labels = d.split('.');
  for (let i = 0; i < labels.length - 1; i++) if (!LABEL_RE.test(labels[i] ?? '')) return null;
  return d;
}

/** True for a host name under a known top-level domain (case-insensitive, one trailing dot allowed). */
export function isDomain(s: string): boolean {
  return normaliseDomain(s) !== null;
}

const LOCAL_PART_RE = /^[a-z0-9_%+-]+(?:\.[a-z0-9_%+-]+)*$/i;

function normaliseEmail(local: string, domain: string): { email: string; domain: string } | null {
  if (local.length === 0 || local.length > 64 || !LOCAL_PART_RE.test(local)) return null;
  const d = normaliseDomain(domain);
  return d ? { email: `${local.toLowerCase()}@${d}`, domain: d } : null;
}

function hashKindOf(length: number): ObservableKind | null {
  return length === 32 ? 'md5' : length === 40 ? 'sha1' : length === 64 ? 'sha256' : null;
}

// ---------------------------------------------------------------------------------------------
// Refanging
// ---------------------------------------------------------------------------------------------

const SPOKEN_DOT_SPLIT_RE = /[ \t]+dot[ \t]+/i;
const HXXP_HINT_RE = /h(?:xx|xt|tx)p/i;
const BRACKET_HINT_RE = /[[({]/;
const SPOKEN_DOT_HINT_RE = /[ \t]dot[ \t]/i;
const FULL_WIDTH_HINT_RE = /[。．｡＠：]/;

function joinSpokenDots(match: string): string {
  const labels = match.split(SPOKEN_DOT_SPLIT_RE);
  const tld = (labels[labels.length - 1] ?? '').toLowerCase();
  return isKnownTld(tld) ? labels.join('.') : match;
}

/**
 * Undoes the usual defanging of indicators: hxxp(s), `[.]` `(.)` `{.}` `[dot]` `(dot)`, `evil dot com`,
 * `[:]`, `[://]`, `[@]` `(at)` `[at]`, and the full-width `。．｡` `＠` `：` that Chinese input methods put
 * into host names and URLs.
 */
export function refang(text: string): string {
  // Each group of rewrites runs only when the text (as rewritten so far) holds the character or word
  // every one of its patterns needs: most text is not defanged, and a test is cheaper than a replace.
  let t = text;
  if (HXXP_HINT_RE.test(t)) t = t.replace(/\bh(?:xx|xt|tx)p(s?)\b/gi, 'http$1');
  if (BRACKET_HINT_RE.test(t))
    t = t
      .replace(/\[:\/\/\]|\(:\/\/\)/g, '://')
      .replace(/\[:\]/g, ':')
      .replace(/ ?[[({] ?(?:\.|。|dot) ?[\])}] ?/gi, '.')
      .replace(/ ?[[({] ?(?:@|＠|at) ?[\])}] ?/gi, '@');
  // `evil dot example dot com`; only when the last word is a TLD. The lookbehind anchors each try at a
  // word start, which keeps this linear.
  if (SPOKEN_DOT_HINT_RE.test(t))
    t = t.replace(/(?<![A-Za-z0-9-])[A-Za-z0-9-]+(?:[ \t]+dot[ \t]+[A-Za-z0-9-]+)+/gi, joinSpokenDots);
  if (FULL_WIDTH_HINT_RE.test(t))
    t = t
      .replace(/(?<=[A-Za-z0-9-])[。．｡](?=[A-Za-z0-9])/g, '.')
      .replace(/(?<=[A-Za-z0-9._%+-])＠(?=[A-Za-z0-9])/g, '@')
      .replace(/：(?=\/\/)/g, ':')
      .replace(/(?<=[A-Za-z0-9\]])：(?=[0-9])/g, ':');
  return t;
}

// ---------------------------------------------------------------------------------------------
// Extraction
// ---------------------------------------------------------------------------------------------

interface Found {
  /** Offset in the refanged text, for first-seen ordering. */
  pos: number;
  kind: ObservableKind;
  value: string;
}

const TRAILING_PUNCT = '.,;:!?*';

/**
 * Parses the URL `t[start, end)` whose authority begins at `authStart`. Returns the normalised URL (scheme
 * and host lower-cased, trailing punctuation removed) and its host, or null when the host is neither a
 * public-looking domain nor an IP. Reads the authority first so rejected candidates cost little.
 */
function parseUrlAt(
  t: string,
  start: number,
  authStart: number,
  end: number,
): { url: string; host: Observable } | null {
  let authEnd = authStart;
  while (authEnd < end) {
    const c = t.charCodeAt(authEnd);
    if (c === 47 || c === 63 || c === 35) break; // / ? #
    authEnd++;
  }
  const hasPath = authEnd < end;
  if (!hasPath) {
    // `http://evil.com.`, `(http://evil.com)`, `[http://evil.com]`: the sentence's punctuation, not the host's.
    let bracketed = false;
    for (let i = authStart; i < authEnd && !bracketed; i++) bracketed = t.charCodeAt(i) === 91;
    while (authEnd > authStart) {
      const c = t[authEnd - 1] ?? '';
      if (!TRAILING_PUNCT.includes(c) && c !== ')' && !(c === ']' && !bracketed)) break;
      authEnd--;
    }
  }
  const authority = t.slice(authStart, authEnd);
  const at = authority.lastIndexOf('@');
  const userinfo = at === -1 ? '' : authority.slice(0, at + 1);
  const hostPort = authority.slice(at + 1);

  let hostText: string;
  let port: string;
  let host: Observable | null = null;
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    if (close === -1) return null;
    hostText = hostPort.slice(0, close + 1);
    port = hostPort.slice(close + 1);
    const bytes = parseIpv6Bytes(hostPort.slice(1, close));
    if (bytes) host = { kind: 'ipv6', value: formatIpv6(bytes) };
  } else {
    const colon = hostPort.indexOf(':');
    hostText = colon === -1 ? hostPort : hostPort.slice(0, colon);
    port = colon === -1 ? '' : hostPort.slice(colon);
    const bare = hostText.endsWith('.') ? hostText.slice(0, -1) : hostText;
    const v4 = parseIpv4Octets(bare);
    if (v4) {
      host = { kind: 'ipv4', value: v4.join('.') };
    } else {
      const domain = normaliseDomain(hostText);
      if (domain) host = { kind: 'domain', value: domain };
    }
  }
  if (!host) return null;
  if (port !== '' && !/^:\d{0,5}$/.test(port)) return null;
  if (port.length > 1 && Number(port.slice(1)) > 65535) return null;

  let path = hasPath ? t.slice(authEnd, end) : '';
  if (path) path = trimUrlTail(path);
  const scheme = t.slice(start, authStart).toLowerCase();
  return { url: `${scheme}${userinfo}${hostText.toLowerCase()}${port}${path}`, host };
}

/** Drops sentence punctuation and unbalanced closing brackets from the end of a URL path. */
function trimUrlTail(path: string): string {
  let opens = 0;
  let closes = 0;
  let squareOpens = 0;
  let squareCloses = 0;
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === '(') opens++;
    else if (c === ')') closes++;
    else if (c === '[') squareOpens++;
    else if (c === ']') squareCloses++;
  }
  let end = path.length;
  while (end > 1) {
    const c = path[end - 1] ?? '';
    if (TRAILING_PUNCT.includes(c)) {
      end--;
    } else if (c === ')' && closes > opens) {
      closes--;
      end--;
    } else if (c === ']' && squareCloses > squareOpens) {
      squareCloses--;
      end--;
    } else {
      break;
    }
  }
  return path.slice(0, end);
}

const SCHEME_RE = /(?:https?|ftp):\/\//gi;

function scanUrls(t: string, found: Found[]): void {
  let runStart = -1;
  let runEnd = -1;
  let coveredUntil = 0;
  if (t.indexOf('://') === -1) return;
  SCHEME_RE.lastIndex = 0;
  for (let m = SCHEME_RE.exec(t); m !== null; m = SCHEME_RE.exec(t)) {
    const start = m.index;
    // A URL nested in the query of an accepted URL is part of it (its host is still found as a domain).
    if (start < coveredUntil) continue;
    const authStart = start + m[0].length;
    if (start >= runEnd || start < runStart) {
      runStart = start;
      runEnd = authStart;
      while (runEnd < t.length && inTable(URL_CHAR, t.charCodeAt(runEnd))) runEnd++;
    }
    const parsed = parseUrlAt(t, start, authStart, runEnd);
    if (!parsed) continue;
    found.push({ pos: start, kind: 'url', value: parsed.url });
    found.push({ pos: start, kind: parsed.host.kind, value: parsed.host.value });
    coveredUntil = runEnd;
  }
}

function scanEmails(t: string, found: Found[]): void {
  let prevAt = -1;
  let at = t.indexOf('@');
  while (at !== -1) {
    const nextAt = t.indexOf('@', at + 1);
    let start = at;
    while (start > prevAt + 1 && inTable(LOCAL_CHAR, t.charCodeAt(start - 1))) start--;
    while (start < at && t.charCodeAt(start) === 46) start++; // leading dots: `see...user@`
    // `http://user@host` is URL userinfo, not a mailbox.
    const userinfo = t.charCodeAt(start - 1) === 47;
    let end = at + 1;
    const limit = nextAt === -1 ? t.length : nextAt;
    while (end < limit && inTable(DOMAIN_CHAR, t.charCodeAt(end))) end++;
    while (end > at + 1 && '.-_'.includes(t[end - 1] ?? '')) end--;
    if (!userinfo && start < at && end > at + 1) {
      const email = normaliseEmail(t.slice(start, at), t.slice(at + 1, end));
      if (email) {
        found.push({ pos: start, kind: 'email', value: email.email });
        found.push({ pos: start, kind: 'domain', value: email.domain });
      }
    }
    prevAt = at;
    at = nextAt;
  }
}

/** [start, end) of the maximal run of `table`'s characters around `at` (which is one of them). */
function runAround(t: string, at: number, table: Uint8Array): [number, number] {
  let start = at;
  while (start > 0 && inTable(table, t.charCodeAt(start - 1))) start--;
  let end = at + 1;
  while (end < t.length && inTable(table, t.charCodeAt(end))) end++;
  return [start, end];
}

/** Each maximal run of `[A-Za-z0-9_.-]` that holds a dot, found from its dots (prose has few). */
function scanDomains(t: string, found: Found[]): void {
  for (let next = t.indexOf('.'); next !== -1;) {
    const [runStart, runEnd] = runAround(t, next, DOMAIN_CHAR);
    next = t.indexOf('.', runEnd);
    const run = t.slice(runStart, runEnd);
    // The local part of an e-mail address (`john.doe.it@…`) is not a host.
    if (t.charCodeAt(runEnd) === 64) continue;
    // `see example.com...then`: runs of dots separate candidates.
    let i = 0;
    while (i < run.length) {
      let j = run.indexOf('..', i);
      if (j === -1) j = run.length;
      let s = i;
      let e = j;
      while (s < e && '.-_'.includes(run[s] ?? '')) s++;
      while (e > s && '.-_'.includes(run[e - 1] ?? '')) e--;
      if (e - s >= 4) {
        const domain = normaliseDomain(run.slice(s, e));
        if (domain) found.push({ pos: runStart + s, kind: 'domain', value: domain });
      }
      i = j;
      while (i < run.length && run.charCodeAt(i) === 46) i++;
    }
  }
}

/** `[0-9A-Fa-f:.]` */
const IPV6_CHAR = buildTable(
  (c) => isDigitCode(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102) || c === 58 || c === 46,
);

/**
 * Finds IPv6 addresses in the maximal runs of `[0-9A-Fa-f:.]` with two colons (found from their
 * colons); returns their [start, end) spans so IPv4 inside them (`::ffff:1.2.3.4`) is skipped.
 */
function scanIpv6(t: string, found: Found[]): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  for (let next = t.indexOf(':'); next !== -1;) {
    const [runStart, runEnd] = runAround(t, next, IPV6_CHAR);
    next = t.indexOf(':', runEnd);
    const second = t.indexOf(':', t.indexOf(':', runStart) + 1);
    if (second === -1 || second >= runEnd) continue;
    let s = runStart;
    let e = runEnd;
    while (e > s && t.charCodeAt(e - 1) === 46) e--;
    if (t[e - 1] === ':' && t[e - 2] !== ':') e--;
    if (t[s] === ':' && t[s + 1] !== ':') s++;
    const tryAt = (from: number): boolean => {
      if (e - from < 2) return false;
      if (from === runStart && inTable(WORD_CHAR, t.charCodeAt(from - 1))) return false;
      if (e === runEnd && inTable(WORD_CHAR, t.charCodeAt(e))) return false;
      const text = t.slice(from, e);
      if (!/[0-9A-Fa-f]/.test(text)) return false;
      const bytes = parseIpv6Bytes(text);
      if (!bytes) return false;
      found.push({ pos: from, kind: 'ipv6', value: formatIpv6(bytes) });
      spans.push([from, e]);
      return true;
    };
    if (tryAt(s) || !inTable(WORD_LETTER, t.charCodeAt(runStart - 1))) continue;
    // `IPv6:2001:db8::1` yields the run `6:2001:db8::1`, glued to `IPv`: retry after the first single colon.
    const colon = t.indexOf(':', s);
    if (colon !== -1 && colon < e && t[colon + 1] !== ':' && t[colon - 1] !== ':') tryAt(colon + 1);
  }
  return spans;
}

/** Maximal runs of `[0-9.]` long enough for a dotted quad (a shorter run never matches from its start). */
const IPV4_RUN_RE = /[0-9.]{7,}/g;

function scanIpv4(t: string, found: Found[], v6Spans: Array<[number, number]>): void {
  let span = 0;
  IPV4_RUN_RE.lastIndex = 0;
  for (let m = IPV4_RUN_RE.exec(t); m !== null; m = IPV4_RUN_RE.exec(t)) {
    const run = m[0];
    const runStart = m.index;
    const runEnd = runStart + run.length;
    // `v1.2.3.4`, `1.2.3.4abc`, `1.2.3.4.in-addr.arpa`: part of a word or a host name.
    if (inTable(WORD_LETTER, t.charCodeAt(runStart - 1)) || inTable(WORD_LETTER, t.charCodeAt(runEnd)))
      continue;
    let s = runStart;
    let e = runEnd;
    while (s < e && t.charCodeAt(s) === 46) s++;
    while (e > s && t.charCodeAt(e - 1) === 46) e--;
    const octets = parseIpv4Octets(t.slice(s, e));
    if (!octets) continue;
    while (span < v6Spans.length && (v6Spans[span]?.[1] ?? 0) <= s) span++;
    const v6 = v6Spans[span];
    if (v6 && v6[0] <= s && e <= v6[1]) continue;
    found.push({ pos: s, kind: 'ipv4', value: octets.join('.') });
  }
}

/** Maximal runs of hex digits long enough for an MD5 (a shorter run never matches from its start). */
const HEX_RUN_RE = /[0-9A-Fa-f]{32,}/g;

function scanHashes(t: string, found: Found[]): void {
  HEX_RUN_RE.lastIndex = 0;
  for (let m = HEX_RUN_RE.exec(t); m !== null; m = HEX_RUN_RE.exec(t)) {
    const kind = hashKindOf(m[0].length);
    if (kind) found.push({ pos: m.index, kind, value: m[0].toLowerCase() });
  }
}

/**
 * Extracts IPs, domains, URLs, e-mail addresses and file hashes from free text (mail bodies, Chinese
 * reports, feed rows), after refanging. URLs also yield their host, e-mail addresses their domain.
 * Values are normalised (lower-case hosts and hashes, canonical IPv6) and deduplicated by (kind, value)
 * in first-seen order. Runs in linear time: every scanner is a single character-class pass.
 */
export function extractObservables(text: string): Observable[] {
  const t = refang(text);
  const found: Found[] = [];
  scanUrls(t, found);
  scanEmails(t, found);
  scanDomains(t, found);
  const v6Spans = scanIpv6(t, found);
  scanIpv4(t, found, v6Spans);
  scanHashes(t, found);
  if (found.length === 0) return [];
  // Stable sort: at one position a URL stays ahead of its host and an e-mail ahead of its domain.
  found.sort((a, b) => a.pos - b.pos);
  const out: Observable[] = [];
  if (found.length <= 8) {
    // few values (the usual report): compare them directly instead of building keys for a Set
    for (const f of found) {
      if (!out.some((o) => o.kind === f.kind && o.value === f.value))
        out.push({ kind: f.kind, value: f.value });
    }
    return out;
  }
  const seen = new Set<string>();
  for (const f of found) {
    const key = `${f.kind}\u0000${f.value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ kind: f.kind, value: f.value });
  }
  return out;
}

/**
 * Classifies one value typed by a user (search box, manual entry): refangs it and returns its normalised
 * observable, or null when it is none of the known kinds.
 */
export function classifyObservable(input: string): Observable | null {
  const s = refang(input.trim());
  if (s.length === 0 || /\s/.test(s)) return null;
  const scheme = /^(?:https?|ftp):\/\//i.exec(s);
  if (scheme) {
    for (let i = 0; i < s.length; i++) if (!inTable(URL_CHAR, s.charCodeAt(i))) return null;
    const parsed = parseUrlAt(s, 0, scheme[0].length, s.length);
    return parsed ? { kind: 'url', value: parsed.url } : null;
  }
  const ip = parseIp(s.startsWith('[') && s.endsWith(']') ? s.slice(1, -1) : s);
  if (ip) return { kind: ip.version === 4 ? 'ipv4' : 'ipv6', value: formatIp(ip) };
  if (/^[0-9A-Fa-f]+$/.test(s)) {
    const kind = hashKindOf(s.length);
    if (kind) return { kind, value: s.toLowerCase() };
  }
  const at = s.lastIndexOf('@');
  if (at !== -1) {
    const email = normaliseEmail(s.slice(0, at), s.slice(at + 1));
    return email ? { kind: 'email', value: email.email } : null;
  }
  const domain = normaliseDomain(s);
  return domain ? { kind: 'domain', value: domain } : null;
}
