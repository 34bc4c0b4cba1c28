import { FieldError, quote } from './values.ts';

/**
 * Timestamps as feeds write them, turned into ISO-8601 UTC strings in the project's one format
 * (`2021-03-04T00:00:00.000Z`, as `Date#toISOString` writes them), so that stored times compare
 * as text.
 */

let lastDay = '';
let lastDayOk = false;

function dayIsValid(day: string): boolean {
  if (day === lastDay) return lastDayOk;
  const y = Number(day.slice(0, 4));
  const m = Number(day.slice(5, 7));
  const d = Number(day.slice(8, 10));
  const check = new Date(Date.UTC(y, m - 1, d));
  lastDayOk =
    day.charCodeAt(4) === 45 &&
    day.charCodeAt(7) === 45 &&
    check.getUTCFullYear() === y &&
    check.getUTCMonth() === m - 1 &&
    check.getUTCDate() === d;
  lastDay = day;
  return lastDayOk;
}

function isDigits(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * Reads `YYYY-MM-DD HH:MM:SS` (or `T` between, optional fraction, optional `Z`, `+00`, `+00:00`,
 * ` UTC`, ` GMT`) as UTC, and any other ISO-8601 text with an explicit offset. Date only
 * (`YYYY-MM-DD`) is midnight UTC. Throws a FieldError naming `field` otherwise.
 */
export function readUtcTime(field: string, v: string): string {
  // a feed's lines come in time order, several a second: the same text as the line before
  // gets the same string back (no new strings for the garbage collector). A parser often reads a
  // line's time twice, as written and then as converted (a schema's conversion, then the field's
  // own check): the converted text is the last result, canonical already, and is its own result.
  if (v === lastIn || v === lastOut) return lastOut!;
  const out = readUtcTimeUncached(field, v);
  lastIn = v;
  lastOut = out;
  return out;
}

/** The last text readUtcTime read successfully, and its result. */
let lastIn: string | null = null;
let lastOut: string | null = null;

function readUtcTimeUncached(field: string, v: string): string {
  // already canonical (`2021-03-04T00:00:00.000Z`, e.g. converted once by a schema conversion)
  if (
    v.length === 24 &&
    v.charCodeAt(23) === 90 &&
    v.charCodeAt(10) === 84 &&
    v.charCodeAt(19) === 46 &&
    isDigits(v, 20, 23) &&
    readUtcTimeFast(v.slice(0, 19)) !== null
  )
    return v;
  const s = v.trim();
  const fast = readUtcTimeFast(s);
  if (fast !== null) return fast;
  return readTimeSlow(field, v, s);
}

/** `YYYY-MM-DD HH:MM:SS` / `…THH:MM:SS[Z]` → canonical ISO, or null when not in that form or invalid. */
function readUtcTimeFast(s: string): string | null {
  // fast path: exactly "YYYY-MM-DD HH:MM:SS" or "YYYY-MM-DDTHH:MM:SS" (optionally + "Z")
  const n = s.length;
  if (
    (n === 19 || (n === 20 && (s.charCodeAt(19) === 90 || s.charCodeAt(19) === 122))) &&
    (s.charCodeAt(10) === 32 || s.charCodeAt(10) === 84) &&
    s.charCodeAt(13) === 58 &&
    s.charCodeAt(16) === 58 &&
    isDigits(s, 0, 4) &&
    isDigits(s, 5, 7) &&
    isDigits(s, 8, 10) &&
    isDigits(s, 11, 13) &&
    isDigits(s, 14, 16) &&
    isDigits(s, 17, 19)
  ) {
    const day = s.slice(0, 10);
    if (
      dayIsValid(day) &&
      (s.charCodeAt(11) - 48) * 10 + (s.charCodeAt(12) - 48) < 24 &&
      s.charCodeAt(14) < 54 &&
      s.charCodeAt(17) < 54
    ) {
      return `${day}T${s.slice(11, 19)}.000Z`;
    }
  }
  return null;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const LOCAL =
  /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)(?: ?(?:Z|UTC|GMT|\+00(?::?00)?))?$/i;
const ZONED = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)? ?[+-]\d{2}(?::?\d{2})?$/;

function readTimeSlow(field: string, original: string, s: string): string {
  let text: string | null = null;
  if (DATE_ONLY.test(s)) text = `${s}T00:00:00Z`;
  else {
    const m = LOCAL.exec(s);
    if (m) text = `${m[1]}T${m[2]!.replace(',', '.')}Z`;
    else if (ZONED.test(s)) {
      let t = s.replace(' ', 'T').replace(/ ([+-])/, '$1');
      // "+0100" / "+01" → "+01:00"
      t = t.replace(/([+-]\d{2})(\d{2})$/, '$1:$2').replace(/([+-]\d{2})$/, '$1:00');
      text = t;
    }
  }
  if (text !== null && dayIsValid(text.slice(0, 10)) && clockIsValid(text)) {
    const d = new Date(text);
    if (!Number.isNaN(d.getTime())) return d.toISOString();
  }
  throw new FieldError(field, `${quote(original)} is not a valid date and time`);
}

/** `HH:MM[:SS]` at offset 11 within range (JavaScript would roll 24:00 over to the next day). */
function clockIsValid(text: string): boolean {
  const h = Number(text.slice(11, 13));
  const m = Number(text.slice(14, 16));
  const sec = text.charCodeAt(16) === 58 ? Number(text.slice(17, 19)) : 0;
  return h <= 23 && m <= 59 && sec <= 59;
}

/** Seconds since 1970 (integer or fractional, as text or number) → ISO UTC. */
export function readEpochSeconds(field: string, v: string | number): string {
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  if ((typeof v === 'string' && v.trim() === '') || !Number.isFinite(n) || n < 0 || n > 32503680000)
    throw new FieldError(field, `${quote(String(v))} is not a Unix timestamp`);
  return new Date(Math.round(n * 1000)).toISOString();
}

/** Milliseconds since 1970 → ISO UTC. */
export function readEpochMillis(field: string, v: string | number): string {
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  if ((typeof v === 'string' && v.trim() === '') || !Number.isFinite(n) || n < 0 || n > 32503680000000)
    throw new FieldError(field, `${quote(String(v))} is not a Unix timestamp in milliseconds`);
  return new Date(Math.round(n)).toISOString();
}

/** 100-nanosecond ticks since 1601-01-01 (Windows FILETIME, .NET `DateTime.ToFileTimeUtc`) → ISO UTC. */
export function readWindowsFileTime(field: string, v: string | number): string {
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  if (!Number.isFinite(n) || n <= 0)
    throw new FieldError(field, `${quote(String(v))} is not a Windows file time`);
  const ms = Math.round(n / 10000) - 11644473600000;
  const d = new Date(ms);
  if (Number.isNaN(d.getTime()))
    throw new FieldError(field, `${quote(String(v))} is not a Windows file time`);
  return d.toISOString();
}

const TOKEN = /YYYY|MM|DD|HH|mm|ss|SSS|Z/g;

/**
 * A reader for a fixed time pattern (generic parsers' `timeFormat`): tokens YYYY MM DD HH mm ss
 * SSS and Z (an offset such as `+08:00`, `+0800` or `Z`); any other character must match itself.
 * Without Z the time is read in `utcOffsetMinutes` (default 0, UTC).
 */
export function compileTimePattern(
  pattern: string,
  utcOffsetMinutes = 0,
): (field: string, v: string) => string {
  const order: string[] = [];
  let source = '^';
  let last = 0;
  for (const m of pattern.matchAll(TOKEN)) {
    source += pattern.slice(last, m.index).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const tok = m[0];
    order.push(tok);
    source +=
      tok === 'YYYY'
        ? '(\\d{4})'
        : tok === 'SSS'
          ? '(\\d{1,9})'
          : tok === 'Z'
            ? '(Z|[+-]\\d{2}:?\\d{2})'
            : '(\\d{1,2})';
    last = m.index + tok.length;
  }
  source += `${pattern.slice(last).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
  const re = new RegExp(source);
  return (field: string, v: string): string => {
    const m = re.exec(v.trim());
    if (!m) throw new FieldError(field, `${quote(v)} does not match the time format "${pattern}"`);
    const parts: Record<string, string> = {};
    order.forEach((tok, i) => (parts[tok] = m[i + 1]!));
    const y = Number(parts.YYYY ?? 1970);
    const mo = Number(parts.MM ?? 1);
    const d = Number(parts.DD ?? 1);
    const h = Number(parts.HH ?? 0);
    const mi = Number(parts.mm ?? 0);
    const se = Number(parts.ss ?? 0);
    const ms = parts.SSS ? Number(parts.SSS.padEnd(3, '0').slice(0, 3)) : 0;
    let offset = utcOffsetMinutes;
    if (parts.Z && parts.Z !== 'Z') {
      const sign = parts.Z.startsWith('-') ? -1 : 1;
      const digits = parts.Z.replace(/[^0-9]/g, '');
      offset = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
    } else if (parts.Z === 'Z') offset = 0;
    const t = Date.UTC(y, mo - 1, d, h, mi, se, ms);
    const check = new Date(Date.UTC(y, mo - 1, d));
    if (mo < 1 || mo > 12 || check.getUTCDate() !== d || h > 23 || mi > 59 || se > 59 || Number.isNaN(t))
      throw new FieldError(field, `${quote(v)} is not a valid date and time`);
    return new Date(t - offset * 60_000).toISOString();
  };
}
