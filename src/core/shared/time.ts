import { invalidInput } from './errors.ts';

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Offset of `tz` from UTC at instant `utcMs`, in minutes (east positive). */
function offsetMinutes(utcMs: number, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return Math.round((asUtc - Math.floor(utcMs / 1000) * 1000) / 60_000);
}

export function parseDay(day: string, field = 'date'): { y: number; m: number; d: number } {
  const m = DAY_RE.exec(day);
  if (!m)
    throw invalidInput(`${field}: expected YYYY-MM-DD, got "${day}"`, [
      { field, message: 'expected YYYY-MM-DD' },
    ]);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) {
    throw invalidInput(`${field}: no such day "${day}"`, [{ field, message: 'no such day' }]);
  }
  return { y, m: mo, d };
}

/** The UTC instant at which local day `YYYY-MM-DD` begins in `tz`. */
export function startOfDayUtc(day: string, tz: string): Date {
  const { y, m, d } = parseDay(day);
  const guess = Date.UTC(y, m - 1, d);
  let t = guess - offsetMinutes(guess, tz) * 60_000;
  // a second pass settles days on which the offset changes (DST)
  t = guess - offsetMinutes(t, tz) * 60_000;
  return new Date(t);
}

export function addDays(day: string, n: number): string {
  const { y, m, d } = parseDay(day);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** Half-open UTC range [start, end) covering local days from..to inclusive. */
export function dayRangeUtc(from: string, to: string, tz: string): { start: string; end: string } {
  parseDay(from, 'from');
  parseDay(to, 'to');
  if (to < from)
    throw invalidInput(`to (${to}) is before from (${from})`, [{ field: 'to', message: 'before from' }]);
  return {
    start: startOfDayUtc(from, tz).toISOString(),
    end: startOfDayUtc(addDays(to, 1), tz).toISOString(),
  };
}

/** The months (`YYYY-MM`) touched by local days from..to, each with its UTC range clipped to the period. */
export function monthBuckets(
  from: string,
  to: string,
  tz: string,
): { month: string; start: string; end: string }[] {
  const period = dayRangeUtc(from, to, tz);
  const out: { month: string; start: string; end: string }[] = [];
  let { y, m } = parseDay(from);
  for (;;) {
    const month = `${y}-${String(m).padStart(2, '0')}`;
    if (`${month}-01` > to) break;
    const ny = m === 12 ? y + 1 : y;
    const nm = m === 12 ? 1 : m + 1;
    const s = startOfDayUtc(`${month}-01`, tz).toISOString();
    const e = startOfDayUtc(`${ny}-${String(nm).padStart(2, '0')}-01`, tz).toISOString();
    out.push({ month, start: s < period.start ? period.start : s, end: e > period.end ? period.end : e });
    y = ny;
    m = nm;
  }
  return out;
}

/** Local calendar day of a UTC instant in `tz`. */
export function localDay(instant: Date, tz: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: tz,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(instant);
}

/** Digits at offsets 0–3, 5–6, 8–9, 11–12, 14–15, 17–18, 20–22 of `YYYY-MM-DDTHH:MM:SS.sssZ`. */
const ISO_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22];
const ISO_MARKS: [number, number][] = [
  [4, 0x2d], // -
  [7, 0x2d],
  [10, 0x54], // T
  [13, 0x3a], // :
  [16, 0x3a],
  [19, 0x2e], // .
  [23, 0x5a], // Z
];
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * `text` itself when it is already the form `Date.toISOString` gives (`2007-01-15T04:54:02.552Z`)
 * of a real instant, else null. A bulk import's timestamps are mostly in this form: returning them
 * as they are skips a Date and its formatting (~1.4 µs each). Day 30 of February and the like give
 * null here (a Date would roll them over into March), so callers fall back to `parseTimestamp`.
 */
export function canonicalUtcIso(text: string): string | null {
  if (text.length !== 24) return null;
  for (const i of ISO_DIGITS) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return null;
  }
  for (const [i, mark] of ISO_MARKS) if (text.charCodeAt(i) !== mark) return null;
  const n = (i: number) => text.charCodeAt(i) - 0x30;
  const year = n(0) * 1000 + n(1) * 100 + n(2) * 10 + n(3);
  const month = n(5) * 10 + n(6);
  const day = n(8) * 10 + n(9);
  if (month < 1 || month > 12 || day < 1) return null;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!)) return null;
  if (n(11) * 10 + n(12) > 23 || n(14) * 10 + n(15) > 59 || n(17) * 10 + n(18) > 59) return null;
  return text;
}

const LOCAL_RE = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?$/;
const ZONED_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Parses a timestamp as people write it in old trackers: ISO 8601 with a zone (`…Z`, `…+08:00`),
 * or local `YYYY-MM-DD[ HH:MM[:SS]]` read in `tz`. Returns null when it is neither.
 */
export function parseTimestamp(text: string, tz: string): Date | null {
  const s = text.trim();
  if (ZONED_RE.test(s)) {
    const d = new Date(s);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  const m = LOCAL_RE.exec(s);
  if (!m) return null;
  try {
    parseDay(m[1]!);
  } catch {
    return null;
  }
  const [h, mi, se, ms] = [m[2], m[3], m[4], m[5]].map((v) => Number(v ?? 0)) as [
    number,
    number,
    number,
    number,
  ];
  if (h > 23 || mi > 59 || se > 59) return null;
  const start = startOfDayUtc(m[1]!, tz).getTime();
  return new Date(start + ((h * 60 + mi) * 60 + se) * 1000 + ms);
}
