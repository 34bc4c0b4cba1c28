import { CATEGORIES, type Category } from '../../../core/incidents/categories.ts';
import {
  INCIDENT_SORTS,
  type IncidentQueryInput,
  type IncidentSort,
} from '../../../core/incidents/search-query.ts';
import { SEVERITIES, type Severity } from '../../../core/incidents/severity.ts';
import { INCIDENT_STATES, type IncidentState } from '../../../core/incidents/states.ts';
import type { FieldIssue } from '../../../core/shared/errors.ts';
import { addDays, startOfDayUtc } from '../../../core/shared/time.ts';
import type { SavedViewQuery } from '../../../services/saved-view.service.ts';

/*
 * The incident queue's filters as the console writes them in the URL (a GET form, links, saved
 * views): `q`, `observable`, `state`…, `category`…, `branch`…, `severity`…, `assignee`
 * (`mine` | `none` | user id), `overdue=1`, `from`/`to` (opened, local days), `resolved_from`/
 * `resolved_to` (resolved, local days: the statistics pages link here), `sort`, `order`, `cursor`.
 */

export type AssigneeFilter = '' | 'mine' | 'none' | number;

export interface QueueFilters {
  text: string;
  observable: string;
  states: IncidentState[];
  categories: Category[];
  branches: string[];
  severities: Severity[];
  assignee: AssigneeFilter;
  overdue: boolean;
  /** Local days `YYYY-MM-DD` (configured time zone), inclusive. */
  from: string;
  to: string;
  /** Resolved on local days `YYYY-MM-DD`, inclusive (drill-down from the statistics). */
  resolvedFrom: string;
  resolvedTo: string;
  sort: IncidentSort;
  order: 'asc' | 'desc';
}

export const EMPTY_FILTERS: QueueFilters = {
  text: '',
  observable: '',
  states: [],
  categories: [],
  branches: [],
  severities: [],
  assignee: '',
  overdue: false,
  from: '',
  to: '',
  resolvedFrom: '',
  resolvedTo: '',
  sort: 'id',
  order: 'desc',
};

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const BRANCH_RE = /^[A-Za-z0-9-]{1,32}$/;

function isDay(s: string): boolean {
  if (!DAY_RE.test(s)) return false;
  const d = new Date(`${s}T00:00:00.000Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

function pickList<T extends string>(
  values: string[],
  allowed: readonly T[],
  field: string,
  issues: FieldIssue[],
): T[] {
  const out: T[] = [];
  for (const raw of values) {
    const v = raw.trim();
    if (v === '') continue;
    if ((allowed as readonly string[]).includes(v)) {
      if (!out.includes(v as T)) out.push(v as T);
    } else {
      issues.push({ field, message: `unknown value "${v.slice(0, 40)}"` });
    }
  }
  return out;
}

/** Reads the filters from a query string; unknown or malformed values become field issues. */
export function parseQueueFilters(params: URLSearchParams): {
  filters: QueueFilters;
  cursor: string | undefined;
  issues: FieldIssue[];
} {
  const issues: FieldIssue[] = [];
  const one = (k: string) => (params.get(k) ?? '').trim();
  const text = one('q');
  const observable = one('observable');
  if (text.length > 200) issues.push({ field: 'q', message: 'at most 200 characters' });
  if (observable.length > 2048) issues.push({ field: 'observable', message: 'at most 2048 characters' });

  const branches: string[] = [];
  for (const b of params
    .getAll('branch')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (!BRANCH_RE.test(b))
      issues.push({ field: 'branch', message: `not a branch code "${b.slice(0, 40)}"` });
    else if (!branches.includes(b)) branches.push(b);
  }

  let assignee: AssigneeFilter = '';
  const a = one('assignee');
  if (a === 'mine' || a === 'none') assignee = a;
  else if (/^[1-9]\d{0,14}$/.test(a)) assignee = Number(a);
  else if (a !== '') issues.push({ field: 'assignee', message: 'expected mine, none or a user id' });

  const day = (k: 'from' | 'to' | 'resolved_from' | 'resolved_to') => {
    const v = one(k);
    if (v !== '' && !isDay(v)) {
      issues.push({ field: k, message: 'expected a day YYYY-MM-DD' });
      return '';
    }
    return v;
  };
  const from = day('from');
  const to = day('to');
  if (from && to && to < from) issues.push({ field: 'to', message: 'before the first day' });
  const resolvedFrom = day('resolved_from');
  const resolvedTo = day('resolved_to');
  if (resolvedFrom && resolvedTo && resolvedTo < resolvedFrom) {
    issues.push({ field: 'resolved_to', message: 'before the first day' });
  }

  const sortRaw = one('sort');
  let sort: IncidentSort = 'id';
  if ((INCIDENT_SORTS as readonly string[]).includes(sortRaw)) sort = sortRaw as IncidentSort;
  else if (sortRaw !== '') issues.push({ field: 'sort', message: `unknown sort "${sortRaw.slice(0, 40)}"` });
  const orderRaw = one('order');
  let order: 'asc' | 'desc' = 'desc';
  if (orderRaw === 'asc' || orderRaw === 'desc') order = orderRaw;
  else if (orderRaw !== '') issues.push({ field: 'order', message: 'expected asc or desc' });

  const overdueRaw = one('overdue');
  const cursor = one('cursor') || undefined;
  return {
    filters: {
      text: text.slice(0, 200),
      observable: observable.slice(0, 2048),
      states: pickList(params.getAll('state'), INCIDENT_STATES, 'state', issues),
      categories: pickList(params.getAll('category'), CATEGORIES, 'category', issues),
      branches,
      severities: pickList(params.getAll('severity'), SEVERITIES, 'severity', issues),
      assignee,
      overdue: overdueRaw === '1' || overdueRaw === 'true' || overdueRaw === 'on',
      from,
      to,
      resolvedFrom,
      resolvedTo,
      sort,
      order,
    },
    cursor,
    issues,
  };
}

/** The query string of the filters (defaults left out), for links, paging and saved views. */
export function serializeQueueFilters(f: QueueFilters, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams();
  if (f.text) p.set('q', f.text);
  if (f.observable) p.set('observable', f.observable);
  for (const s of f.states) p.append('state', s);
  for (const c of f.categories) p.append('category', c);
  for (const b of f.branches) p.append('branch', b);
  for (const s of f.severities) p.append('severity', s);
  if (f.assignee !== '') p.set('assignee', String(f.assignee));
  if (f.overdue) p.set('overdue', '1');
  if (f.from) p.set('from', f.from);
  if (f.to) p.set('to', f.to);
  if (f.resolvedFrom) p.set('resolved_from', f.resolvedFrom);
  if (f.resolvedTo) p.set('resolved_to', f.resolvedTo);
  if (f.sort !== 'id') p.set('sort', f.sort);
  if (f.order !== 'desc') p.set('order', f.order);
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  return p.toString();
}

/** True when any filter is set (sort and order aside). */
export function hasFilters(f: QueueFilters): boolean {
  return serializeQueueFilters({ ...f, sort: 'id', order: 'desc' }) !== '';
}

/**
 * The incident search for the filters. `userId` resolves `mine`; `branchFixed` drops the branch
 * filter for users who only ever see their own branch; local days become UTC instants in `timeZone`.
 */
export function buildSearchQuery(
  f: QueueFilters,
  ctx: { userId: number | null; timeZone: string; branchFixed: boolean; cursor?: string; limit?: number },
): IncidentQueryInput {
  const q: IncidentQueryInput = { sort: f.sort, order: f.order, limit: ctx.limit ?? 50 };
  if (f.text) q.text = f.text;
  if (f.observable) q.observable = f.observable;
  if (f.states.length) q.states = f.states;
  if (f.categories.length) q.categories = f.categories;
  if (f.branches.length && !ctx.branchFixed) q.branchCodes = f.branches;
  if (f.severities.length) q.severities = f.severities;
  if (f.assignee === 'mine') q.assigneeId = ctx.userId ?? 'none';
  else if (f.assignee !== '') q.assigneeId = f.assignee;
  if (f.overdue) q.overdue = true;
  if (f.from) q.openedFrom = startOfDayUtc(f.from, ctx.timeZone).toISOString();
  if (f.to) q.openedTo = startOfDayUtc(addDays(f.to, 1), ctx.timeZone).toISOString();
  if (f.resolvedFrom) q.resolvedFrom = startOfDayUtc(f.resolvedFrom, ctx.timeZone).toISOString();
  if (f.resolvedTo) q.resolvedTo = startOfDayUtc(addDays(f.resolvedTo, 1), ctx.timeZone).toISOString();
  if (ctx.cursor) q.cursor = ctx.cursor;
  return q;
}

/** The filters as a saved view keeps them (see savedViewQuerySchema). */
export function toSavedQuery(f: QueueFilters): SavedViewQuery {
  const q: SavedViewQuery = {};
  if (f.text) q.text = f.text;
  if (f.observable) q.observable = f.observable;
  if (f.states.length) q.states = f.states;
  if (f.categories.length) q.categories = f.categories;
  if (f.branches.length) q.branchCodes = f.branches;
  if (f.severities.length) q.severities = f.severities;
  if (f.assignee !== '') q.assignee = f.assignee;
  if (f.overdue) q.overdue = true;
  if (f.from) q.openedFrom = f.from;
  if (f.to) q.openedTo = f.to;
  if (f.resolvedFrom) q.resolvedFrom = f.resolvedFrom;
  if (f.resolvedTo) q.resolvedTo = f.resolvedTo;
  if (f.sort !== 'id') q.sort = f.sort;
  if (f.order !== 'desc') q.order = f.order;
  return q;
}

/** A saved view's filters back in the queue's terms. */
export function fromSavedQuery(q: SavedViewQuery): QueueFilters {
  return {
    text: q.text ?? '',
    observable: q.observable ?? '',
    states: q.states ?? [],
    categories: q.categories ?? [],
    branches: q.branchCodes ?? [],
    severities: q.severities ?? [],
    assignee: q.assignee ?? '',
    overdue: q.overdue ?? false,
    from: q.openedFrom ?? '',
    to: q.openedTo ?? '',
    resolvedFrom: q.resolvedFrom ?? '',
    resolvedTo: q.resolvedTo ?? '',
    sort: q.sort ?? 'id',
    order: q.order ?? 'desc',
  };
}
