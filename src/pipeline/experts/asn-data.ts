import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * @ip-location-db/asn (RouteViews + the five RIRs + DB-IP ASN Lite, CC BY 4.0): IP ranges → AS
 * number and AS name, read once from the package's `asn-ipv4-num.csv` / `asn-ipv6-num.csv`
 * (`start,end,asn,name` with integer addresses) into sorted typed arrays; names are stored once.
 */

const require = createRequire(import.meta.url);

/** AS names stay in the file's bytes until asked for (decoding 500,000 names up front is slow). */
export interface AsnNames {
  /** The AS name of range i (decoded once, then cached). */
  nameOf(i: number): string;
}

export interface AsnTableV4 extends AsnNames {
  starts: Uint32Array;
  ends: Uint32Array;
  asns: Uint32Array;
}

export interface AsnTableV6 extends AsnNames {
  /** [hi, lo] 64-bit halves of each range's first and last address. */
  starts: [BigUint64Array, BigUint64Array];
  ends: [BigUint64Array, BigUint64Array];
  asns: Uint32Array;
}

export function asnCsvPath(version: 4 | 6): string {
  const dir = path.dirname(require.resolve('@ip-location-db/asn/package.json'));
  return path.join(dir, version === 4 ? 'asn-ipv4-num.csv' : 'asn-ipv6-num.csv');
}

const COMMA = 44;
const QUOTE = 34;
const NL = 10;
const CR = 13;

/**
 * Scans `start,end,asn,name` lines; calls `row` with the byte offsets of the two addresses, the AS
 * number and the name's offsets. Names are quoted when they contain commas or quotes
 * (`"LLC ""SPUTNIK"""`): then the offsets are inside the quotes and `escaped` tells whether `""`
 * occurs.
 */
function scanCsv(
  buf: Buffer,
  row: (
    s0: number,
    s1: number,
    e0: number,
    e1: number,
    asn: number,
    n0: number,
    n1: number,
    escaped: boolean,
  ) => void,
): void {
  const n = buf.length;
  let i = 0;
  while (i < n) {
    const s0 = i;
    while (i < n && buf[i] !== COMMA) i++;
    const s1 = i++;
    const e0 = i;
    while (i < n && buf[i] !== COMMA) i++;
    const e1 = i++;
    let asn = 0;
    while (i < n && buf[i] !== COMMA && buf[i] !== NL) asn = asn * 10 + (buf[i++]! - 48);
    if (buf[i] === COMMA) i++;
    let n0: number;
    let n1: number;
    let escaped = false;
    if (buf[i] === QUOTE) {
      n0 = ++i;
      while (i < n) {
        if (buf[i] === QUOTE) {
          if (buf[i + 1] !== QUOTE) break;
          escaped = true;
          i++;
        }
        i++;
      }
      n1 = i;
      while (i < n && buf[i] !== NL) i++;
    } else {
      n0 = i;
      while (i < n && buf[i] !== NL) i++;
      n1 = buf[i - 1] === CR ? i - 1 : i;
    }
    i++;
    if (e1 > e0) row(s0, s1, e0, e1, asn, n0, n1, escaped);
  }
}

/** Names by byte range of `buf`, decoded on first use; bit 31 of the length marks `""` escapes. */
function lazyNames(buf: Buffer, at: Uint32Array, len: Uint32Array): AsnNames['nameOf'] {
  const decoded: (string | undefined)[] = new Array<string | undefined>(at.length).fill(undefined);
  return (i) => {
    let s = decoded[i];
    if (s === undefined) {
      const a = at[i]!;
      const l = len[i]!;
      s = buf.toString('utf8', a, a + (l & 0x7fffffff));
      if (l & 0x80000000) s = s.replaceAll('""', '"');
      decoded[i] = s;
    }
    return s;
  };
}

function countLines(buf: Buffer): number {
  let count = 0;
  let from = 0;
  for (;;) {
    const at = buf.indexOf(NL, from);
    if (at === -1) break;
    count++;
    from = at + 1;
  }
  return from < buf.length ? count + 1 : count;
}

function decimal(buf: Buffer, a: number, b: number): number {
  let v = 0;
  for (let i = a; i < b; i++) v = v * 10 + (buf[i]! - 48);
  return v;
}

export function loadAsnV4(file = asnCsvPath(4)): AsnTableV4 {
  const buf = readFileSync(file);
  const cap = countLines(buf);
  const starts = new Uint32Array(cap);
  const ends = new Uint32Array(cap);
  const asns = new Uint32Array(cap);
  const nameAt = new Uint32Array(cap);
  const nameLen = new Uint32Array(cap);
  let k = 0;
  let sorted = true;
  scanCsv(buf, (s0, s1, e0, e1, asn, n0, n1, escaped) => {
    const s = decimal(buf, s0, s1);
    if (k > 0 && s < starts[k - 1]!) sorted = false;
    starts[k] = s;
    ends[k] = decimal(buf, e0, e1);
    asns[k] = asn;
    nameAt[k] = n0;
    nameLen[k] = ((n1 - n0) | (escaped ? 0x80000000 : 0)) >>> 0;
    k++;
  });
  if (!sorted) throw new Error(`asn: ${file} is not sorted by range start`);
  // A few ranges overlap the next one: the later (more specific) range wins its addresses.
  for (let i = 1; i < k; i++) if (starts[i]! <= ends[i - 1]!) ends[i - 1] = starts[i]! - 1;
  return {
    starts: starts.subarray(0, k),
    ends: ends.subarray(0, k),
    asns: asns.subarray(0, k),
    nameOf: lazyNames(buf, nameAt, nameLen),
  };
}

const MASK_64 = (1n << 64n) - 1n;

export function loadAsnV6(file = asnCsvPath(6)): AsnTableV6 {
  const buf = readFileSync(file);
  const cap = countLines(buf);
  const sHi = new BigUint64Array(cap);
  const sLo = new BigUint64Array(cap);
  const eHi = new BigUint64Array(cap);
  const eLo = new BigUint64Array(cap);
  const asns = new Uint32Array(cap);
  const nameAt = new Uint32Array(cap);
  const nameLen = new Uint32Array(cap);
  let k = 0;
  let sorted = true;
  let prev = -1n;
  scanCsv(buf, (s0, s1, e0, e1, asn, n0, n1, escaped) => {
    const s = BigInt(buf.toString('latin1', s0, s1));
    const e = BigInt(buf.toString('latin1', e0, e1));
    if (s < prev) sorted = false;
    prev = s;
    sHi[k] = s >> 64n;
    sLo[k] = s & MASK_64;
    eHi[k] = e >> 64n;
    eLo[k] = e & MASK_64;
    asns[k] = asn;
    nameAt[k] = n0;
    nameLen[k] = ((n1 - n0) | (escaped ? 0x80000000 : 0)) >>> 0;
    k++;
  });
  if (!sorted) throw new Error(`asn: ${file} is not sorted by range start`);
  for (let i = 1; i < k; i++) {
    if (sHi[i]! < eHi[i - 1]! || (sHi[i] === eHi[i - 1] && sLo[i]! <= eLo[i - 1]!)) {
      const prevEnd = ((sHi[i]! << 64n) | sLo[i]!) - 1n;
      eHi[i - 1] = prevEnd >> 64n;
      eLo[i - 1] = prevEnd & MASK_64;
    }
  }
  return {
    starts: [sHi.subarray(0, k), sLo.subarray(0, k)],
    ends: [eHi.subarray(0, k), eLo.subarray(0, k)],
    asns: asns.subarray(0, k),
    nameOf: lazyNames(buf, nameAt, nameLen),
  };
}

/** Index of the IPv6 range holding (hi, lo), or -1. */
export function findRangeV6(t: AsnTableV6, hi: bigint, lo: bigint): number {
  const [sHi, sLo] = t.starts;
  const [eHi, eLo] = t.ends;
  let a = 0;
  let b = sHi!.length - 1;
  while (a <= b) {
    const mid = (a + b) >>> 1;
    const mh = sHi![mid]!;
    if (mh > hi || (mh === hi && sLo![mid]! > lo)) {
      b = mid - 1;
      continue;
    }
    const eh = eHi![mid]!;
    if (eh < hi || (eh === hi && eLo![mid]! < lo)) a = mid + 1;
    else return mid;
  }
  return -1;
}
