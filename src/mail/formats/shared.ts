import { categoryOfRsit, type Category, type RsitType } from '../../core/incidents/categories.ts';
import { classifyObservable, extractObservables, type Observable } from '../../core/incidents/observables.ts';
import type { MachineReportFormat, MachineReportResult } from './types.ts';

/** Longest description kept from a report (the rest stays in the stored message). */
export const MAX_DESCRIPTION = 4000;

/** Category and RSIT type of a report: the category always follows the RSIT type (the incident service refuses a mismatching pair). */
export function classifyRsit(rsit: RsitType): { category: Category; rsitType: RsitType } {
  return { category: categoryOfRsit(rsit), rsitType: rsit };
}

export function fail(format: MachineReportFormat, error: string): MachineReportResult {
  return { ok: false, format, error };
}

/** Collects normalised, deduplicated observables in first-seen order. */
export class ObservableCollector {
  private readonly seen = new Set<string>();
  private readonly list: Observable[] = [];

  private push(o: Observable): void {
    const key = `${o.kind}\u0000${o.value}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.list.push(o);
  }

  /**
   * Adds one value (an IP, host name, URL, e-mail address or hash), refanged and normalised; a URL
   * also yields its host, an e-mail address its domain (as free-text extraction does). Returns
   * false when the value is none of the known kinds.
   */
  add(value: unknown): boolean {
    if (typeof value !== 'string' && typeof value !== 'number') return false;
    const text = String(value)
      .trim()
      .replace(/^<(.*)>$/s, '$1')
      .trim();
    if (text === '' || text.length > 2048) return false;
    const o = classifyObservable(text);
    if (!o) return false;
    this.push(o);
    if (o.kind === 'url' || o.kind === 'email')
      for (const extra of extractObservables(o.value)) this.push(extra);
    return true;
  }

  /** Adds only the value's host part when it is a URL (`mailto:` gives the address). */
  addUri(value: unknown): boolean {
    if (typeof value !== 'string') return false;
    const v = value
      .trim()
      .replace(/^<(.*)>$/s, '$1')
      .trim();
    if (/^mailto:/i.test(v)) return this.add(decodeURIComponentSafe(v.slice(7).split('?')[0] ?? ''));
    return this.add(v);
  }

  values(): Observable[] {
    return [...this.list];
  }
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const LOOSE_ISO_RE = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d(?::\d\d(?:\.\d{1,9})?)?) ?(Z|[+-]\d\d:?\d\d)?$/i;

/**
 * ISO-8601 UTC of a date string (ISO 8601, RFC 3339, RFC 2822, or `YYYY-MM-DD hh:mm[:ss] [±hhmm]`
 * as some senders write it, no zone meaning UTC), or null when it is not a date.
 */
export function toIsoUtc(value: unknown): string | null {
  // No date is longer than this; the bound also keeps the comment-stripping regex cheap.
  if (typeof value !== 'string' || value.trim() === '' || value.length > 200) return null;
  const text = value.trim().replace(/\s+\([^)]*\)\s*$/, '');
  const loose = LOOSE_ISO_RE.exec(text);
  if (loose) {
    const zone = (loose[3] ?? 'Z').toUpperCase().replace(/^([+-]\d\d)(\d\d)$/, '$1:$2');
    const ms = Date.parse(`${loose[1]}T${loose[2]}${zone}`);
    return Number.isNaN(ms) ? null : new Date(ms).toISOString();
  }
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return null;
  return new Date(ms).toISOString();
}

/** The display name of a mailbox header value (`"Abuse Desk" <abuse@example.net>` → `Abuse Desk`). */
export function displayNameOf(header: string | undefined): string {
  const m = /^\s*"?([^"<]*?)"?\s*<[^>]*>/.exec(header ?? '');
  return m ? (m[1] ?? '').trim() : '';
}

const ISO_DATE_TIME_RE =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt ]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):?[0-5]\d)$/;

/** RFC 3339 date-time (what JSON Schema's `date-time` format accepts). */
export function isIsoDateTime(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length <= 64 &&
    ISO_DATE_TIME_RE.test(value) &&
    !Number.isNaN(Date.parse(value))
  );
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asString(v: unknown): string {
  return typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '';
}

export function clip(text: string, max = MAX_DESCRIPTION): string {
  const t = text.trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A plausible e-mail address (what JSON Schema's `email` format checks, roughly); bounded length. */
export function isEmailAddress(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 254 && EMAIL_RE.test(value);
}

/** JSON text of a value for an error message, shortened. */
export function show(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}

/** Parses `type/subtype; a=b; c="d"` into a lower-cased type and lower-cased parameter names. */
export function parseContentType(value: string): { type: string; params: Record<string, string> } {
  const parts = value.split(';');
  const type = (parts.shift() ?? '').trim().toLowerCase();
  const params: Record<string, string> = {};
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    const key = part.slice(0, eq).trim().toLowerCase();
    let val = part.slice(eq + 1).trim();
    if (val.startsWith('"') && val.endsWith('"') && val.length >= 2)
      val = val.slice(1, -1).replace(/\\(.)/g, '$1');
    if (key) params[key] = val;
  }
  return { type, params };
}
