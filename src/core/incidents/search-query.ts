import { z } from 'zod';
import { DomainError, invalidInput } from '../shared/errors.ts';
import { categorySchema } from './categories.ts';
import {
  cidrToRange,
  classifyObservable,
  ipToKey,
  isDomain,
  isIp,
  refang,
  type ObservableKind,
} from './observables.ts';
import { severitySchema, tlpSchema } from './severity.ts';
import { incidentStateSchema } from './states.ts';

export const INCIDENT_SORTS = ['id', 'opened_at', 'due_at', 'severity'] as const;
export type IncidentSort = (typeof INCIDENT_SORTS)[number];

/** Largest page; export walks pages of this size. */
export const MAX_PAGE_SIZE = 500;
/** Totals are counted up to this many rows; beyond it the total is reported as "at least". */
export const COUNT_CAP = 10_000;
/** Offset paging stops here: deeper pages use the keyset cursor. */
export const MAX_OFFSET = 10_000;

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** A bound given as a day (`2007-03-01`, UTC) or an ISO date-time; `end` of a day is the next midnight. */
function boundSchema(side: 'from' | 'to') {
  return z
    .string()
    .trim()
    .refine(
      (s) =>
        (DAY_RE.test(s) || z.iso.datetime({ offset: true }).safeParse(s).success) &&
        !Number.isNaN(Date.parse(s)),
      'expected YYYY-MM-DD or an ISO 8601 date-time',
    )
    .transform((s) => {
      if (!DAY_RE.test(s)) return new Date(s).toISOString();
      const d = new Date(`${s}T00:00:00.000Z`);
      if (side === 'to') d.setUTCDate(d.getUTCDate() + 1);
      return d.toISOString();
    });
}

const idSchema = z.number().int().positive();

/**
 * Filters, order and page of an incident search. Every filter narrows (AND); list filters match
 * any of their values. Date ranges are half-open: `openedFrom` ≤ opened_at < `openedTo` (a day
 * given as `openedTo` includes that whole day, UTC).
 */
export const incidentQuerySchema = z.object({
  ids: z.array(idSchema).max(500).optional(),
  /** Substring of title, description, or the subject/description of any of its reports. */
  text: z.string().trim().min(1).max(200).optional(),
  /** IP, CIDR block, domain (also finds subdomains), URL, e-mail or hash; defanged input is accepted. */
  observable: z.string().trim().min(1).max(2048).optional(),
  states: z.array(incidentStateSchema).max(10).optional(),
  categories: z.array(categorySchema).max(20).optional(),
  branchCodes: z.array(z.string().trim().min(1).max(32)).max(50).optional(),
  /** A user id, or `none` for unassigned incidents. */
  assigneeId: z.union([idSchema, z.literal('none')]).optional(),
  severities: z.array(severitySchema).max(4).optional(),
  tlps: z.array(tlpSchema).max(5).optional(),
  /** Only open incidents past their due time. */
  overdue: z.boolean().optional(),
  openedFrom: boundSchema('from').optional(),
  openedTo: boundSchema('to').optional(),
  resolvedFrom: boundSchema('from').optional(),
  resolvedTo: boundSchema('to').optional(),
  sort: z.enum(INCIDENT_SORTS).default('id'),
  order: z.enum(['asc', 'desc']).default('desc'),
  limit: z.number().int().min(1).max(MAX_PAGE_SIZE).default(50),
  /** Keyset cursor from the previous page's `nextCursor` (preferred over offset). */
  cursor: z.string().min(1).max(500).optional(),
  offset: z.number().int().min(0).max(MAX_OFFSET).optional(),
});

export type IncidentQueryInput = z.input<typeof incidentQuerySchema>;
export type IncidentQuery = z.output<typeof incidentQuerySchema>;

export interface Page<T> {
  items: T[];
  /** Matching incidents, counted up to COUNT_CAP. */
  total: number;
  /** True when there are more than `total` matches (the count stopped at the cap). */
  totalIsLowerBound: boolean;
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** How an observable search term is looked up in the observables table. */
export type ObservableMatch =
  /** `ip_key` between start and end inclusive (a single address has start = end). */
  | { by: 'ip'; start: string; end: string }
  /** `domain_key` in [start, end): the domain itself, its subdomains and URLs on them. */
  | { by: 'domain'; start: string; end: string }
  /** Exact (kind, value). */
  | { by: 'value'; kind: ObservableKind; value: string };

/**
 * Sort key of a domain for suffix search: labels reversed, each followed by a dot
 * (`www.example.com` → `com.example.www.`). Every subdomain of `example.com` has a key starting
 * with `com.example.`, so a subdomain search is an index range scan.
 */
export function domainKey(domain: string): string {
  let d = domain.toLowerCase();
  if (d.endsWith('.')) d = d.slice(0, -1);
  // the labels in reverse order, each followed by a dot
  let key = '';
  let end = d.length;
  for (let i = end - 1; i >= -1; i--) {
    if (i === -1 || d.charCodeAt(i) === 46) {
      key += `${d.slice(i + 1, end)}.`;
      end = i;
    }
  }
  return key;
}

/** The half-open key range [start, end) of a domain and all its subdomains. */
export function domainKeyRange(domain: string): { start: string; end: string } {
  const start = domainKey(domain);
  // '/' is the character after '.', so every key with the prefix sorts below `end`.
  return { start, end: `${start.slice(0, -1)}/` };
}

const URL_HOST_RE = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^/:?#[\]]+)/i;

/** The keys stored with an observable: ip_key for addresses, domain_key for domains and URL hosts. */
export function observableKeys(
  kind: ObservableKind,
  value: string,
): { ipKey: string | null; domainKey: string | null } {
  if (kind === 'ipv4' || kind === 'ipv6') return { ipKey: ipToKey(value), domainKey: null };
  if (kind === 'domain') return { ipKey: null, domainKey: domainKey(value) };
  if (kind === 'url') {
    const host = URL_HOST_RE.exec(value)?.[1];
    return { ipKey: null, domainKey: host && isDomain(host) ? domainKey(host) : null };
  }
  return { ipKey: null, domainKey: null };
}

/** Turns what a user typed into an observable lookup; anything unrecognisable is invalid_input. */
export function matchObservable(input: string, field = 'observable'): ObservableMatch {
  const s = input.trim();
  const r = refang(s);
  const slash = r.indexOf('/');
  if (slash > 0 && !/^[a-z][a-z0-9+.-]*:/i.test(r) && isIp(r.slice(0, slash))) {
    let range: { start: string; end: string };
    try {
      range = cidrToRange(r);
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      throw invalidInput(`${field}: ${e.message}`, [
        { field, message: e.fields[0]?.message ?? 'not a valid CIDR block' },
      ]);
    }
    return { by: 'ip', start: range.start, end: range.end };
  }
  const o = classifyObservable(s);
  if (!o) {
    throw invalidInput(
      `${field}: "${s.slice(0, 80)}" is not an IP, CIDR block, domain, URL, e-mail or hash`,
      [{ field, message: 'expected an IP, CIDR block, domain, URL, e-mail address or hash' }],
    );
  }
  if (o.kind === 'ipv4' || o.kind === 'ipv6') {
    const key = ipToKey(o.value);
    return { by: 'ip', start: key, end: key };
  }
  if (o.kind === 'domain') return { by: 'domain', ...domainKeyRange(o.value) };
  return { by: 'value', kind: o.kind, value: o.value };
}
