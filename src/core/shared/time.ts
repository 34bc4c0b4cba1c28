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
