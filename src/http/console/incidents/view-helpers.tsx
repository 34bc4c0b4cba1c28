import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Branch } from '../../../core/directory/directory.ts';
import type { ActionKind, ActionOutcome } from '../../../core/incidents/actions.ts';
import type { Incident, ReportChannel, ReporterType } from '../../../core/incidents/incident.ts';
import type { ObservableKind } from '../../../core/incidents/observables.ts';
import { CATEGORIES } from '../../../core/incidents/categories.ts';
import { SEVERITIES, TLPS, type Severity, type Tlp } from '../../../core/incidents/severity.ts';
import type { IncidentState } from '../../../core/incidents/states.ts';
import { DomainError, type FieldIssue } from '../../../core/shared/errors.ts';
import type { HandlerRef } from '../../../services/auth.service.ts';
import type { AppEnv } from '../../context.ts';
import { t } from '../layout.tsx';

/* Shared pieces of the incident and dashboard pages: labels, times, badges, error messages. */

export type Ctx = Context<AppEnv>;

/** Message keys of these pages start with this prefix (src/i18n/messages/console-incidents.ts). */
export const MSG = 'console-incidents';

/** A message of the incident console in the request's language. */
export function tt(c: Ctx, key: string, params?: Record<string, string | number>): string {
  return t(c, `${MSG}.${key}`, params);
}

/*
 * The incidents vocabulary (states, severities, channels, reporter types, action kinds, outcomes,
 * observable kinds) is the incidents area's catalogue (`incidents.*`), so that the console, the
 * API's documents and the public pages name things alike; categories are `category.*`.
 */

export function labelState(c: Ctx, s: IncidentState): string {
  return t(c, `incidents.state.${s}`);
}

export function labelSeverity(c: Ctx, s: Severity): string {
  return t(c, `incidents.severity.${s}`);
}

export function labelChannel(c: Ctx, ch: ReportChannel): string {
  return t(c, `incidents.channel.${ch}`);
}

export function labelReporterType(c: Ctx, r: ReporterType): string {
  return t(c, `incidents.reporter.${r}`);
}

export function labelActionKind(c: Ctx, k: ActionKind): string {
  return t(c, `incidents.action.${k}`);
}

export function labelOutcome(c: Ctx, o: ActionOutcome): string {
  return t(c, `incidents.outcome.${o}`);
}

export function labelObservableKind(c: Ctx, k: ObservableKind): string {
  return t(c, `incidents.observable.${k}`);
}

export function labelCategory(c: Ctx, category: string): string {
  return t(c, `category.${category}`);
}

export function labelTlp(tlp: Tlp): string {
  return `TLP:${tlp.toUpperCase()}`;
}

/** `2007-06-30 16:00` in the configured time zone (the zone is in the title). */
export function formatInstant(iso: string | null, timeZone: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(d);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}

/** The value of a `datetime-local` input for an instant, in the configured time zone. */
export function toLocalInputValue(iso: string, timeZone: string): string {
  return formatInstant(iso, timeZone).replace(' ', 'T');
}

export function Time(props: { iso: string | null; timeZone: string }) {
  if (!props.iso) return <span class="muted">–</span>;
  return (
    <time datetime={props.iso} title={`${props.iso} (${props.timeZone})`}>
      {formatInstant(props.iso, props.timeZone)}
    </time>
  );
}

export function branchName(c: Ctx, branches: readonly Branch[], code: string): string {
  const b = branches.find((x) => x.code === code);
  if (!b) return code;
  return c.get('lang') === 'en' ? b.nameEn : b.shortZh || b.nameZh;
}

export function userName(users: ReadonlyMap<number, HandlerRef>, id: number | null): string {
  if (id === null) return '';
  const u = users.get(id);
  return u ? u.displayName || u.username : `#${id}`;
}

const SEVERITY_STYLE: Record<Severity, string> = {
  critical: 'background:#b42318;color:#fff',
  high: 'background:#fde8e6;color:#b42318',
  medium: 'background:#fff3cd;color:#7a5a00',
  low: 'background:#e8ecf3;color:#5b6475',
};

const TLP_STYLE: Record<Tlp, string> = {
  clear: 'background:#fff;color:#1d2330;border:1px solid #d9dde4',
  green: 'background:#e6f4ea;color:#1a7f37',
  amber: 'background:#fff3cd;color:#7a5a00',
  'amber+strict': 'background:#ffe0b2;color:#7a3e00',
  red: 'background:#b42318;color:#fff',
};

export function SeverityBadge(props: { c: Ctx; severity: Severity }) {
  return (
    <span class="badge" style={SEVERITY_STYLE[props.severity]}>
      {labelSeverity(props.c, props.severity)}
    </span>
  );
}

export function TlpBadge(props: { tlp: Tlp }) {
  return (
    <span class="badge" style={TLP_STYLE[props.tlp]}>
      {labelTlp(props.tlp)}
    </span>
  );
}

export function StateBadge(props: { c: Ctx; state: IncidentState }) {
  return <span class={`badge state-${props.state}`}>{labelState(props.c, props.state)}</span>;
}

/** The OVERDUE flag of an incident past its due time (core isOverdue, computed by the service). */
export function OverdueBadge(props: { c: Ctx; incident: Pick<Incident, 'overdue'> }) {
  if (!props.incident.overdue) return null;
  return (
    <span class="badge off overdue" title={tt(props.c, 'overdue.title')}>
      {tt(props.c, 'overdue')}
    </span>
  );
}

export function Errors(props: { errors?: string[] | undefined }) {
  if (!props.errors?.length) return null;
  return (
    <div class="notice error" role="alert">
      {props.errors.map((e) => (
        <div>{e}</div>
      ))}
    </div>
  );
}

export function Notice(props: { text?: string | undefined }) {
  if (!props.text) return null;
  return (
    <div class="notice ok" role="status">
      {props.text}
    </div>
  );
}

/** Service messages (English, stable) the console shows in the request's language. */
const MESSAGE_KEYS: [RegExp, string][] = [
  [/^cannot move an incident from (\w+) to (\w+)$/, 'error.transition'],
  [/was changed by someone else/, 'error.version'],
  [/^incident (\d+) was merged into (\d+)/, 'error.merged'],
  [/^incident (\d+) was itself merged into (\d+)/, 'error.merged'],
  [/^incident (\d+) not found$/, 'error.incident_not_found'],
  [/^a subject or a description is required$/, 'error.subject_required'],
  [/^nothing to change$/, 'error.nothing_to_change'],
  [/^role \w+ may not incident\.merge$/, 'error.merge_forbidden'],
  [/already exists there$/, 'error.view_exists'],
  [/^only whoever saved a view may delete it$/, 'error.view_not_own'],
  [/^must not contain the survivor$/, 'error.merge_self'],
];

function translateMessage(c: Ctx, message: string): string {
  for (const [re, key] of MESSAGE_KEYS) {
    const m = re.exec(message);
    if (!m) continue;
    if (key === 'error.transition') {
      return tt(c, key, {
        from: labelState(c, m[1] as IncidentState),
        to: labelState(c, m[2] as IncidentState),
      });
    }
    if (key === 'error.merged') return tt(c, key, { id: m[1]!, into: m[2]! });
    if (key === 'error.incident_not_found') return tt(c, key, { id: m[1]! });
    return tt(c, key);
  }
  return message;
}

/** `<field label>: <message>` for one field problem. */
export function describeIssue(c: Ctx, issue: FieldIssue): string {
  const base = issue.field
    .replace(/^query\./, '')
    .split('.')
    .filter((p) => !/^\d+$/.test(p))
    .join('.');
  const key = `${MSG}.field.${base}`;
  const label = t(c, key);
  return `${label === key ? issue.field : label}: ${translateMessage(c, issue.message)}`;
}

/** The lines to show for a refused change: each field problem, or the message. */
export function errorsOf(c: Ctx, e: DomainError): string[] {
  return e.fields.length > 0 ? e.fields.map((f) => describeIssue(c, f)) : [translateMessage(c, e.message)];
}

/** Domain errors a form shows on its page (anything else goes to the error pages). */
export function isFormError(e: unknown): e is DomainError {
  return (
    e instanceof DomainError && (e.id === 'invalid_input' || e.id === 'conflict' || e.id === 'forbidden')
  );
}

export function formStatus(e: DomainError): ContentfulStatusCode {
  return e.id === 'conflict' ? 409 : e.id === 'forbidden' ? 403 : 400;
}

/** The string fields of a submitted form, without the CSRF token; repeated fields keep the last value. */
export async function readForm(c: Ctx): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === 'string' && k !== '_csrf') out[k] = v;
  return out;
}

/** A path id: digits only, else the 404 page. */
export function parsePathId(raw: string | undefined, what = 'incident'): number {
  if (!raw || !/^[1-9]\d{0,14}$/.test(raw)) throw new DomainError('not_found', `${what} not found`);
  return Number(raw);
}

/** The three classification selects (category, severity, TLP) with the current values chosen. */
export function ClassificationFields(props: { c: Ctx; category: string; severity: string; tlp: string }) {
  const { c } = props;
  return (
    <>
      <label>
        {tt(c, 'field.category')}
        <select name="category">
          {CATEGORIES.map((cat) => (
            <option value={cat} selected={props.category === cat}>
              {labelCategory(c, cat)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {tt(c, 'field.severity')}
        <select name="severity">
          {SEVERITIES.map((x) => (
            <option value={x} selected={props.severity === x}>
              {labelSeverity(c, x)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {tt(c, 'field.tlp')}
        <select name="tlp">
          {TLPS.map((x) => (
            <option value={x} selected={props.tlp === x}>
              {labelTlp(x)}
            </option>
          ))}
        </select>
      </label>
    </>
  );
}
