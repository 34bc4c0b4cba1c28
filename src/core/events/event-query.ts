import { z } from 'zod';
import { cidrToRange, ipToKey, parseAsn } from '../directory/network-keys.ts';
import { invalidInput, type FieldIssue } from '../shared/errors.ts';
import { dayRangeUtc } from '../shared/time.ts';

/** Page sizes of the event search. */
export const EVENT_PAGE_DEFAULT = 50;
export const EVENT_PAGE_MAX = 500;

const opt = z
  .string()
  .trim()
  .max(200, 'at most 200 characters')
  .optional()
  .transform((v) => (v === '' ? undefined : v));

/** The event search as people and machines write it (query string, console form, CLI). */
export const eventQueryInputSchema = z.object({
  ip: opt,
  cidr: opt,
  asn: opt,
  branch: opt,
  classification: opt,
  malware: opt,
  feed: opt,
  from: opt,
  to: opt,
  cursor: opt,
  limit: opt,
});
export type EventQueryInput = z.input<typeof eventQueryInputSchema>;

export interface EventQuery {
  ipKey?: string;
  range?: { start: string; end: string };
  asn?: number;
  branch?: string;
  classificationType?: string;
  classificationTaxonomy?: string;
  malware?: string;
  feed?: string;
  time?: { start: string; end: string };
  beforeId?: number;
  limit: number;
  /** The filters as given, normalised (for forms and next-page links). */
  echo: Record<string, string>;
}

/**
 * Validates and normalises an event search: `ip` an address, `cidr` a network, `asn` (`AS4134`
 * or `4134`), `branch` a branch code, `classification` a type (`infected-system`) or
 * `taxonomy/type`, `malware` a name (case-insensitive), `feed`, `from`/`to` local days in `tz`
 * (inclusive), `cursor` the id to continue below, `limit` 1–500. Every bad field is named.
 */
export function parseEventQuery(input: unknown, tz: string): EventQuery {
  const parsed = eventQueryInputSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => ({
      field: i.path.join('.') || 'query',
      message: i.message,
    }));
    throw invalidInput(
      `invalid event search: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`,
      fields,
    );
  }
  const v = parsed.data;
  const issues: FieldIssue[] = [];
  const q: EventQuery = { limit: EVENT_PAGE_DEFAULT, echo: {} };
  const echo = (k: string, val: string) => (q.echo[k] = val);

  if (v.ip !== undefined) {
    const key = ipToKey(v.ip);
    if (key === null) issues.push({ field: 'ip', message: 'expected an IPv4 or IPv6 address' });
    else {
      q.ipKey = key;
      echo('ip', v.ip);
    }
  }
  if (v.cidr !== undefined) {
    const r = cidrToRange(v.cidr);
    if (r === null)
      issues.push({ field: 'cidr', message: 'expected a network such as 10.0.0.0/8 or 2001:db8::/32' });
    else {
      q.range = { start: r.start, end: r.end };
      echo('cidr', r.cidr);
    }
  }
  if (v.asn !== undefined) {
    const n = parseAsn(v.asn);
    if (n === null) issues.push({ field: 'asn', message: 'expected an AS number such as AS4134' });
    else {
      q.asn = n;
      echo('asn', String(n));
    }
  }
  if (v.branch !== undefined) {
    if (!/^[A-Za-z]{2}-[A-Za-z0-9]{1,10}$/.test(v.branch))
      issues.push({ field: 'branch', message: 'expected a branch code such as CN-BJ' });
    else {
      q.branch = v.branch.toUpperCase();
      echo('branch', q.branch);
    }
  }
  if (v.classification !== undefined) {
    const c = v.classification.toLowerCase();
    const m = /^(?:([a-z-]+)\/)?([a-z0-9-]+)$/.exec(c);
    if (!m)
      issues.push({
        field: 'classification',
        message: 'expected a type such as infected-system, or taxonomy/type',
      });
    else {
      if (m[1]) q.classificationTaxonomy = m[1];
      q.classificationType = m[2]!;
      echo('classification', c);
    }
  }
  if (v.malware !== undefined) {
    q.malware = v.malware.toLowerCase();
    echo('malware', v.malware);
  }
  if (v.feed !== undefined) {
    q.feed = v.feed;
    echo('feed', v.feed);
  }
  if (v.from !== undefined || v.to !== undefined) {
    try {
      const range = dayRangeUtc(v.from ?? '0001-01-01', v.to ?? '9999-12-30', tz);
      q.time = range;
      if (v.from !== undefined) echo('from', v.from);
      if (v.to !== undefined) echo('to', v.to);
    } catch (e) {
      const fields = (e as { fields?: FieldIssue[] }).fields;
      if (!fields) throw e;
      issues.push(...fields);
    }
  }
  if (v.cursor !== undefined) {
    if (!/^\d{1,15}$/.test(v.cursor))
      issues.push({ field: 'cursor', message: 'expected the nextCursor of a previous page' });
    else q.beforeId = Number(v.cursor);
  }
  if (v.limit !== undefined) {
    const n = Number(v.limit);
    if (!/^\d+$/.test(v.limit) || n < 1 || n > EVENT_PAGE_MAX)
      issues.push({ field: 'limit', message: `expected 1–${EVENT_PAGE_MAX}` });
    else {
      q.limit = n;
      echo('limit', String(n));
    }
  }
  if (issues.length > 0)
    throw invalidInput(
      `invalid event search: ${issues.map((f) => `${f.field}: ${f.message}`).join('; ')}`,
      issues,
    );
  return q;
}
