import { z } from 'zod';
import { DomainError } from '../shared/errors.ts';
import { canonicalUtcIso, parseTimestamp } from '../shared/time.ts';
import { ACTION_KINDS, ACTION_OUTCOMES, type ActionKind, type ActionOutcome } from './actions.ts';
import {
  CATEGORIES,
  categoryOfRsit,
  defaultRsitOf,
  isRsitType,
  type Category,
  type RsitType,
} from './categories.ts';
import { SEVERITIES, TLPS, type Severity, type Tlp } from './severity.ts';
import { INCIDENT_STATES, type IncidentState } from './states.ts';
import { REPORT_CHANNELS, REPORTER_TYPES, type ReportChannel, type ReporterType } from './incident.ts';

/**
 * One historical report as an old tracker exports it (docs/import-reports.md): flat columns in CSV,
 * the same keys in JSON Lines, where `actions` may also be an array of objects.
 */
export interface ImportedAction {
  kind: ActionKind;
  branch: string | null;
  counterpart: string;
  occurredAt: string;
  outcome: ActionOutcome;
  note: string;
}

export interface ImportedReport {
  line: number;
  externalId: string;
  /** Rows sharing a key belong to one incident; null: an incident of its own. */
  incidentKey: string | null;
  channel: ReportChannel;
  reporterType: ReporterType;
  reporterName: string;
  reporterEmail: string;
  reporterPhone: string;
  receivedAt: string;
  subject: string;
  description: string;
  category: Category;
  rsit: RsitType;
  incident: {
    title: string;
    state: IncidentState;
    /** As written: a code (CN-XJ) or any name form; resolved against the branch list by the service. */
    branch: string | null;
    severity: Severity;
    tlp: Tlp;
    openedAt: string;
    resolvedAt: string | null;
  };
  actions: ImportedAction[];
}

const str = z
  .union([z.string(), z.number()])
  .transform((v) => String(v).trim())
  .optional();

const rawAction = z.object({
  kind: z.string(),
  branch: str,
  counterpart: str,
  occurred_at: str,
  outcome: str,
  note: str,
});

/** The columns of one record as read (exported for the tests of the fast path below). */
export const rawRecord = z.object({
  external_id: str,
  incident: str,
  channel: str,
  reporter_type: str,
  reporter_name: str,
  reporter_email: str,
  reporter_phone: str,
  received_at: str,
  subject: str,
  description: str,
  category: str,
  rsit: str,
  title: str,
  state: str,
  branch: str,
  severity: str,
  tlp: str,
  opened_at: str,
  resolved_at: str,
  action_kind: str,
  action_branch: str,
  action_counterpart: str,
  action_at: str,
  action_outcome: str,
  action_note: str,
  actions: z.array(rawAction).optional(),
});

function fail(line: number, field: string, message: string): never {
  throw new DomainError('invalid_input', `line ${line}: ${field}: ${message}`, [
    { field: `line ${line}: ${field}`, message },
  ]);
}

function oneOf<T extends string>(
  line: number,
  field: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined || value === '') return fallback;
  const v = value.toLowerCase();
  if (!(allowed as readonly string[]).includes(v))
    fail(line, field, `"${value}" is not one of ${allowed.join(', ')}`);
  return v as T;
}

function time(line: number, field: string, value: string | undefined, tz: string): string | null {
  if (value === undefined || value === '') return null;
  const canonical = canonicalUtcIso(value);
  if (canonical !== null) return canonical;
  const d = parseTimestamp(value, tz);
  if (!d)
    fail(line, field, `"${value}" is not a timestamp (ISO 8601, or YYYY-MM-DD[ HH:MM[:SS]] local time)`);
  return d.toISOString();
}

type RawRecord = z.infer<typeof rawRecord>;
type RawAction = z.infer<typeof rawAction>;

const RECORD_FIELDS = Object.keys(rawRecord.shape).filter((k) => k !== 'actions') as Exclude<
  keyof RawRecord,
  'actions'
>[];
const ACTION_FIELDS = Object.keys(rawAction.shape) as (keyof RawAction)[];

/** A column's value as `str` reads it; `invalid` when it is neither a string nor a number. */
const invalid = Symbol('invalid');
function text(v: unknown): string | undefined | typeof invalid {
  if (typeof v === 'string') return v.trim();
  if (v === undefined) return undefined;
  if (typeof v === 'number') return String(v).trim();
  return invalid;
}

/**
 * The common case without zod: a plain object whose columns are strings or numbers (what every CSV
 * row and nearly every JSON line is), read exactly as `rawRecord` reads it. Anything else returns
 * null and goes through the schema, which names the field and what is wrong with it.
 */
export function readRecordFast(record: unknown): RawRecord | null {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return null;
  const src = record as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of RECORD_FIELDS) {
    const v = text(src[k]);
    if (v === invalid) return null;
    if (v !== undefined) out[k] = v;
  }
  const actions = src.actions;
  if (actions !== undefined) {
    if (!Array.isArray(actions)) return null;
    const list: RawAction[] = [];
    for (const a of actions as unknown[]) {
      if (typeof a !== 'object' || a === null || Array.isArray(a)) return null;
      const obj = a as Record<string, unknown>;
      if (typeof obj.kind !== 'string') return null;
      const item: Record<string, unknown> = { kind: obj.kind };
      for (const k of ACTION_FIELDS) {
        if (k === 'kind') continue;
        const v = text(obj[k]);
        if (v === invalid) return null;
        if (v !== undefined) item[k] = v;
      }
      list.push(item as RawAction);
    }
    out.actions = list;
  }
  return out as RawRecord;
}

/** Validates and normalises one record; throws invalid_input naming the line and the field. */
export function parseImportRecord(record: unknown, line: number, timeZone: string): ImportedReport {
  let r = readRecordFast(record);
  if (r === null) {
    const parsed = rawRecord.safeParse(record);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      fail(line, issue.path.join('.') || '(record)', issue.message);
    }
    r = parsed.data;
  }
  const receivedAt =
    time(line, 'received_at', r.received_at, timeZone) ?? fail(line, 'received_at', 'required');
  let category: Category;
  let rsit: RsitType;
  if (r.rsit) {
    if (!isRsitType(r.rsit)) fail(line, 'rsit', `"${r.rsit}" is not an RSIT class/type`);
    rsit = r.rsit;
    category = r.category ? oneOf(line, 'category', r.category, CATEGORIES, 'other') : categoryOfRsit(rsit);
  } else {
    category = oneOf(line, 'category', r.category, CATEGORIES, 'other');
    rsit = defaultRsitOf(category);
  }
  const state = oneOf(line, 'state', r.state, INCIDENT_STATES, 'new');
  if (state === 'merged')
    fail(line, 'state', 'merged incidents cannot be imported; import their reports under the survivor');
  const openedAt = time(line, 'opened_at', r.opened_at, timeZone) ?? receivedAt;
  let resolvedAt = time(line, 'resolved_at', r.resolved_at, timeZone);
  if (state === 'resolved' && !resolvedAt) fail(line, 'resolved_at', 'required when state is resolved');
  if (state !== 'resolved' && state !== 'rejected') resolvedAt = null;
  if (resolvedAt && resolvedAt < openedAt) fail(line, 'resolved_at', 'is before opened_at');

  const subject = r.subject ?? '';
  const description = r.description ?? '';
  if (!subject && !description) fail(line, 'description', 'a report needs a subject or a description');
  const title = r.title || subject || description.slice(0, 80);

  const actions: ImportedAction[] = [];
  const addAction = (
    a: {
      kind: string;
      branch?: string;
      counterpart?: string;
      occurred_at?: string;
      outcome?: string;
      note?: string;
    },
    prefix: string,
  ) => {
    actions.push({
      kind: oneOf(line, `${prefix}kind`, a.kind, ACTION_KINDS, 'note'),
      branch: a.branch || null,
      counterpart: a.counterpart ?? '',
      occurredAt: time(line, `${prefix}occurred_at`, a.occurred_at, timeZone) ?? resolvedAt ?? openedAt,
      outcome: oneOf(line, `${prefix}outcome`, a.outcome, ACTION_OUTCOMES, 'success'),
      note: a.note ?? '',
    });
  };
  if (r.action_kind) {
    addAction(
      {
        kind: r.action_kind,
        branch: r.action_branch,
        counterpart: r.action_counterpart,
        occurred_at: r.action_at,
        outcome: r.action_outcome,
        note: r.action_note,
      },
      'action_',
    );
  }
  (r.actions ?? []).forEach((a, i) => addAction(a, `actions.${i}.`));

  return {
    line,
    externalId: r.external_id ?? '',
    incidentKey: r.incident || null,
    channel: oneOf(line, 'channel', r.channel, REPORT_CHANNELS, 'email'),
    reporterType: oneOf(line, 'reporter_type', r.reporter_type, REPORTER_TYPES, 'individual'),
    reporterName: r.reporter_name ?? '',
    reporterEmail: r.reporter_email ?? '',
    reporterPhone: r.reporter_phone ?? '',
    receivedAt,
    subject,
    description,
    category,
    rsit,
    incident: {
      title,
      state,
      branch: r.branch || null,
      severity: oneOf(line, 'severity', r.severity, SEVERITIES, 'medium'),
      tlp: oneOf(line, 'tlp', r.tlp, TLPS, 'amber'),
      openedAt,
      resolvedAt,
    },
    actions,
  };
}
