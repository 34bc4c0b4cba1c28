import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Actor } from '../../../core/auth/actor.ts';
import { can } from '../../../core/auth/roles.ts';
import { displayNameOf, type Organisation } from '../../../core/directory/directory.ts';
import {
  ACTION_KINDS,
  ACTION_OUTCOMES,
  type ActionKind,
  type ActionOutcome,
} from '../../../core/incidents/actions.ts';
import type { Category } from '../../../core/incidents/categories.ts';
import type {
  IncidentDetail,
  Report,
  TimelineEntry,
  UpdateIncidentInput,
} from '../../../core/incidents/incident.ts';
import { OBSERVABLE_KINDS } from '../../../core/incidents/observables.ts';
import type { Severity, Tlp } from '../../../core/incidents/severity.ts';
import { nextStates, type IncidentState } from '../../../core/incidents/states.ts';
import { DomainError, invalidInput } from '../../../core/shared/errors.ts';
import { parseTimestamp } from '../../../core/shared/time.ts';
import type { HandlerRef } from '../../../services/auth.service.ts';
import type { AuditRecord } from '../../../services/ports.ts';
import type { AppDeps } from '../../context.ts';
import { attachmentResponse } from '../../attachment-response.ts';
import type { AppEnv } from '../../context.ts';
import { csrfField, renderPage, t } from '../layout.tsx';
import {
  QUEUE_PATH,
  choosesBranch,
  loadLookups,
  requireIncidentReader,
  type QueueLookups,
} from './queue.pages.tsx';
import {
  Errors,
  Notice,
  OverdueBadge,
  SeverityBadge,
  StateBadge,
  Time,
  TlpBadge,
  branchName,
  errorsOf,
  formStatus,
  isFormError,
  labelActionKind,
  labelCategory,
  labelChannel,
  labelObservableKind,
  labelOutcome,
  labelReporterType,
  labelState,
  parsePathId,
  readForm,
  tt,
  userName,
  type Ctx,
  ClassificationFields,
} from './view-helpers.tsx';

/*
 * /console/incidents/{id}: one incident — header, reports, observables, timeline, audit — and the
 * forms that change it (state, classification, assignee, branch, actions, merge). Every form
 * carries the CSRF token and redirects back here; a refused change shows the page again with the
 * reason. An incident outside the caller's scope is the same 404 page as one that does not exist.
 */

const COUNTERPARTS_PATH = `${QUEUE_PATH}/counterparts`;
const ORG_SELECT_ID = 'counterpart-org';
const DONE_KEYS = new Set([
  'state',
  'classification',
  'unchanged',
  'assign',
  'reassign',
  'action',
  'merge',
  'created',
]);

interface DetailState {
  errors?: string[];
  notice?: string;
  status?: ContentfulStatusCode;
  /** The add-action form's values after a refusal. */
  form?: Record<string, string>;
}

function isWriter(actor: Actor): boolean {
  return actor.kind === 'system' || can(actor.role, 'incident.write');
}

function optionalVersion(raw: string | undefined): number | undefined {
  return raw && /^\d{1,9}$/.test(raw) ? Number(raw) : undefined;
}

function optionalId(raw: string | undefined, field: string): number | null {
  const v = (raw ?? '').trim();
  if (v === '') return null;
  if (!/^[1-9]\d{0,14}$/.test(v))
    throw invalidInput(`${field}: not an id`, [{ field, message: 'expected an id' }]);
  return Number(v);
}

/** `12, 13 #14` → [12, 13, 14]; anything else is a field error. */
export function parseIdList(text: string, field = 'mergedIds'): number[] {
  const tokens = text
    .split(/[\s,;，、；]+/)
    .map((s) => s.replace(/^#/, ''))
    .filter(Boolean);
  if (tokens.length === 0)
    throw invalidInput(`${field}: enter incident ids`, [{ field, message: 'enter incident ids' }]);
  const bad = tokens.find((s) => !/^[1-9]\d{0,14}$/.test(s));
  if (bad !== undefined) {
    throw invalidInput(`${field}: "${bad.slice(0, 20)}" is not an incident id`, [
      { field, message: `"${bad.slice(0, 20)}" is not an incident id` },
    ]);
  }
  return tokens.map(Number);
}

function summarise(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = JSON.stringify(v);
  return s.length > 300 ? `${s.slice(0, 299)}…` : s;
}

function CounterpartSelect(props: { c: Ctx; orgs: Organisation[] | null; selected?: string | undefined }) {
  const { c, orgs } = props;
  const lang = c.get('lang');
  return (
    <select id={ORG_SELECT_ID} name="counterpartOrgId">
      <option value="">
        {orgs === null ? tt(c, 'action.org_search_first') : tt(c, 'action.org_none', { count: orgs.length })}
      </option>
      {(orgs ?? []).map((o) => (
        <option value={String(o.id)} selected={props.selected === String(o.id)}>
          {`${displayNameOf(o, lang)}${o.abbreviation ? ` (${o.abbreviation})` : ''}`}
        </option>
      ))}
    </select>
  );
}

async function searchOrganisations(deps: AppDeps, actor: Actor, q: string): Promise<Organisation[] | null> {
  const query = q.trim().slice(0, 200);
  if (query === '' || !can(actor.role, 'directory.read')) return null;
  const page = await deps.services.directory.searchOrganisations(actor, { q: query, pageSize: 20 });
  return page.items;
}

function TimelineItem(props: { c: Ctx; e: TimelineEntry; lookups: QueueLookups; timeZone: string }) {
  const { c, e, lookups } = props;
  let body;
  if (e.type === 'report') {
    body = (
      <>
        <strong>{tt(c, 'timeline.report', { channel: labelChannel(c, e.channel) })}</strong>{' '}
        <a href={`#report-${e.reportId}`} class="mono">
          {e.trackingNumber}
        </a>{' '}
        {e.subject}
      </>
    );
  } else if (e.type === 'action') {
    body = (
      <>
        <strong>{labelActionKind(c, e.kind)}</strong>
        {e.targetBranchCode ? ` → ${branchName(c, lookups.branches, e.targetBranchCode)}` : ''}
        {e.counterpart ? ` · ${e.counterpart}` : ''} <span class="badge">{labelOutcome(c, e.outcome)}</span>{' '}
        <span class="muted">{branchName(c, lookups.branches, e.branchCode)}</span>
        {e.note ? <div class="note">{e.note}</div> : null}
      </>
    );
  } else {
    body = (
      <>
        <strong>{tt(c, 'timeline.state')}</strong> {e.from ? labelState(c, e.from) : '–'} →{' '}
        {labelState(c, e.to)} <span class="muted">{e.actor}</span>
      </>
    );
  }
  return (
    <li class={`timeline-${e.type}`}>
      <Time iso={e.at} timeZone={props.timeZone} /> {body}
    </li>
  );
}

function ReportItem(props: { c: Ctx; r: Report; timeZone: string }) {
  const { c, r } = props;
  const reporter = [r.reporter.name, r.reporter.email, r.reporter.phone].filter(Boolean).join(' · ');
  return (
    <article class="report" id={`report-${r.id}`}>
      <h3>
        <span class="mono">{r.trackingNumber}</span> <span class="badge">{labelChannel(c, r.channel)}</span>{' '}
        <Time iso={r.receivedAt} timeZone={props.timeZone} />
      </h3>
      <p>
        {tt(c, 'field.reporter')}: {labelReporterType(c, r.reporter.type)}
        {reporter ? ` · ${reporter}` : ''}
      </p>
      {r.subject ? (
        <p>
          <strong>{r.subject}</strong>
        </p>
      ) : null}
      {r.description ? <div style="white-space:pre-wrap">{r.description}</div> : null}
      {r.attachments.length > 0 ? (
        <ul class="attachments">
          {r.attachments.map((a) => (
            <li>
              <a href={`/console/reports/${r.id}/attachments/${a.id}`} download>
                {a.filename}
              </a>{' '}
              <span class="muted">
                ({a.contentType}, {tt(c, 'report.bytes', { size: a.size })})
              </span>{' '}
              <span class="mono muted" title={a.sha256}>
                sha256:{a.sha256.slice(0, 16)}…
              </span>
            </li>
          ))}
        </ul>
      ) : null}
    </article>
  );
}

async function renderIncident(c: Ctx, deps: AppDeps, actor: Actor, id: number, state: DetailState = {}) {
  const svc = deps.services.incidents;
  const timeZone = deps.config.timeZone;
  const incident: IncidentDetail = await svc.getIncident(actor, id);
  const orgQuery = (c.req.query('orgq') ?? state.form?.orgq ?? '').trim();
  const [lookups, audit, assignable, orgs] = await Promise.all([
    loadLookups(deps, actor),
    can(actor.role, 'audit.read')
      ? svc.listAudit(actor, id, { limit: 100 })
      : Promise.resolve([] as AuditRecord[]),
    isWriter(actor)
      ? deps.services.auth.listHandlers(actor, incident.branchCode)
      : Promise.resolve([] as HandlerRef[]),
    searchOrganisations(deps, actor, orgQuery),
  ]);
  const writer = isWriter(actor) && incident.state !== 'merged';
  const national = choosesBranch(actor);
  const merger = actor.kind === 'system' || can(actor.role, 'incident.merge');
  const base = `${QUEUE_PATH}/${incident.id}`;
  const next = nextStates(incident.state).filter((s) => s !== 'merged');
  const form = state.form ?? {};
  const version = <input type="hidden" name="version" value={String(incident.version)} />;

  const observables = new Map<string, string[]>();
  for (const o of incident.observables) {
    const list = observables.get(o.kind) ?? [];
    if (!list.includes(o.value)) list.push(o.value);
    observables.set(o.kind, list);
  }

  return renderPage(c, {
    title: `#${incident.id} ${incident.title}`,
    status: state.status ?? 200,
    body: (
      <>
        <p>
          <a href={QUEUE_PATH}>{tt(c, 'detail.back')}</a>
        </p>
        <h1>
          <span class="mono">#{incident.id}</span> {incident.title}
        </h1>
        <p class="badges">
          <StateBadge c={c} state={incident.state} /> <SeverityBadge c={c} severity={incident.severity} />{' '}
          <TlpBadge tlp={incident.tlp} /> <OverdueBadge c={c} incident={incident} />
        </p>
        <Notice text={state.notice} />
        <Errors errors={state.errors} />

        <section class="panel">
          <table class="facts">
            <tbody>
              <tr>
                <th>{tt(c, 'field.category')}</th>
                <td>
                  {labelCategory(c, incident.category)} <span class="mono muted">{incident.rsit}</span>
                </td>
              </tr>
              <tr>
                <th>{tt(c, 'field.branchCode')}</th>
                <td>{`${branchName(c, lookups.branches, incident.branchCode)} (${incident.branchCode})`}</td>
              </tr>
              <tr>
                <th>{tt(c, 'field.assigneeId')}</th>
                <td>
                  {incident.assigneeId === null
                    ? tt(c, 'detail.unassigned')
                    : userName(lookups.users, incident.assigneeId)}
                </td>
              </tr>
              <tr>
                <th>{tt(c, 'field.openedAt')}</th>
                <td>
                  <Time iso={incident.openedAt} timeZone={timeZone} />
                </td>
              </tr>
              <tr>
                <th>{tt(c, 'field.dueAt')}</th>
                <td>
                  <Time iso={incident.dueAt} timeZone={timeZone} /> <OverdueBadge c={c} incident={incident} />
                </td>
              </tr>
              {incident.resolvedAt ? (
                <tr>
                  <th>{tt(c, 'field.resolvedAt')}</th>
                  <td>
                    <Time iso={incident.resolvedAt} timeZone={timeZone} />
                  </td>
                </tr>
              ) : null}
              {incident.mergedIntoId !== null ? (
                <tr>
                  <th>{tt(c, 'field.mergedIntoId')}</th>
                  <td>
                    <a href={`${QUEUE_PATH}/${incident.mergedIntoId}`}>#{incident.mergedIntoId}</a>
                  </td>
                </tr>
              ) : null}
              <tr>
                <th>{tt(c, 'field.updatedAt')}</th>
                <td>
                  <Time iso={incident.updatedAt} timeZone={timeZone} />{' '}
                  <span class="muted">{tt(c, 'detail.version', { version: incident.version })}</span>
                </td>
              </tr>
            </tbody>
          </table>
          {incident.description ? <div style="white-space:pre-wrap">{incident.description}</div> : null}
        </section>

        {writer ? (
          <section class="panel" id="change">
            <h2>{tt(c, 'detail.handle')}</h2>
            {next.length > 0 ? (
              <form method="post" action={`${base}/state`} class="grid">
                {csrfField(c)}
                {version}
                <label>
                  {tt(c, 'form.state')}
                  <select name="state" required>
                    {next.map((s) => (
                      <option value={s}>{labelState(c, s)}</option>
                    ))}
                  </select>
                </label>
                <label>
                  {tt(c, 'field.note')}
                  <input name="note" maxlength={2000} />
                </label>
                <div>
                  <button type="submit">{tt(c, 'form.state_submit')}</button>
                </div>
              </form>
            ) : null}

            <h3>{tt(c, 'form.assign')}</h3>
            <form method="post" action={`${base}/assign`} class="grid">
              {csrfField(c)}
              {version}
              <label>
                {tt(c, 'field.assigneeId')}
                <select name="assigneeId">
                  <option value="">{tt(c, 'detail.unassigned')}</option>
                  {assignable.map((u) => (
                    <option value={String(u.id)} selected={incident.assigneeId === u.id}>
                      {`${u.displayName || u.username} (${u.username}, ${t(c, `auth.role.${u.role}`)})`}
                    </option>
                  ))}
                </select>
              </label>
              <div>
                <button type="submit">{tt(c, 'form.assign_submit')}</button>
              </div>
            </form>

            <h3>{tt(c, 'form.classification')}</h3>
            <form method="post" action={`${base}/classification`} class="grid">
              {csrfField(c)}
              {version}
              <label>
                {tt(c, 'field.title')}
                <input name="title" value={incident.title} required maxlength={500} />
              </label>
              <ClassificationFields
                c={c}
                category={incident.category}
                severity={incident.severity}
                tlp={incident.tlp}
              />
              <div>
                <button type="submit">{tt(c, 'form.classification_submit')}</button>
              </div>
            </form>

            {national ? (
              <>
                <h3>{tt(c, 'form.reassign')}</h3>
                <form method="post" action={`${base}/reassign`} class="grid">
                  {csrfField(c)}
                  {version}
                  <label>
                    {tt(c, 'field.branchCode')}
                    <select name="branchCode">
                      {lookups.branches
                        .filter((b) => b.code !== incident.branchCode)
                        .map((b) => (
                          <option
                            value={b.code}
                          >{`${branchName(c, lookups.branches, b.code)} (${b.code})`}</option>
                        ))}
                    </select>
                  </label>
                  <label>
                    {tt(c, 'field.note')}
                    <input name="note" maxlength={2000} />
                  </label>
                  <div>
                    <button type="submit">{tt(c, 'form.reassign_submit')}</button>
                  </div>
                </form>
              </>
            ) : null}

            <h3 id="add-action">{tt(c, 'form.action')}</h3>
            <form
              method="get"
              action={`${base}#add-action`}
              class="grid"
              hx-get={COUNTERPARTS_PATH}
              hx-target={`#${ORG_SELECT_ID}`}
              hx-swap="outerHTML"
              hx-trigger="submit"
            >
              <label>
                {tt(c, 'action.org_search')}
                <input
                  type="search"
                  name="orgq"
                  value={orgQuery}
                  maxlength={200}
                  placeholder={tt(c, 'action.org_search_hint')}
                  hx-get={COUNTERPARTS_PATH}
                  hx-target={`#${ORG_SELECT_ID}`}
                  hx-swap="outerHTML"
                  hx-trigger="input changed delay:400ms, search"
                />
              </label>
              <div>
                <button type="submit" class="secondary">
                  {tt(c, 'action.org_search_submit')}
                </button>
              </div>
            </form>
            <form method="post" action={`${base}/actions`} class="grid">
              {csrfField(c)}
              <input type="hidden" name="orgq" value={orgQuery} />
              <label>
                {tt(c, 'field.kind')}
                <select name="kind">
                  {ACTION_KINDS.filter((k) => k !== 'reassign_branch').map((k) => (
                    <option value={k} selected={form.kind === k}>
                      {labelActionKind(c, k)}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                {tt(c, 'field.counterpartOrgId')}
                <CounterpartSelect c={c} orgs={orgs} selected={form.counterpartOrgId} />
              </label>
              <label>
                {tt(c, 'field.counterpart')}
                <input
                  name="counterpart"
                  value={form.counterpart ?? ''}
                  maxlength={500}
                  placeholder={tt(c, 'action.counterpart_hint')}
                />
              </label>
              <label>
                {tt(c, 'field.outcome')}
                <select name="outcome">
                  {ACTION_OUTCOMES.map((o) => (
                    <option value={o} selected={(form.outcome ?? 'pending') === o}>
                      {labelOutcome(c, o)}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                {tt(c, 'field.occurredAt')}
                <input type="datetime-local" name="occurredAt" value={form.occurredAt ?? ''} />
              </label>
              <label>
                {tt(c, 'field.note')}
                <textarea name="note" rows={2} maxlength={10000}>
                  {form.note ?? ''}
                </textarea>
              </label>
              <div>
                <button type="submit">{tt(c, 'form.action_submit')}</button>
              </div>
            </form>

            {merger ? (
              <>
                <h3>{tt(c, 'form.merge')}</h3>
                <form method="post" action={`${base}/merge`} class="grid">
                  {csrfField(c)}
                  <label>
                    {tt(c, 'field.mergedIds')}
                    <input name="ids" value={form.ids ?? ''} required placeholder="12, 13" maxlength={1000} />
                  </label>
                  <div>
                    <button type="submit" class="danger">
                      {tt(c, 'form.merge_submit', { id: incident.id })}
                    </button>
                  </div>
                </form>
              </>
            ) : null}
          </section>
        ) : null}

        <section class="panel" id="mail" hx-get={`${base}/mail/panel`} hx-trigger="load" hx-swap="beforeend">
          <h2>{t(c, 'notify.panel.title')}</h2>
          <a href={`${base}/mail`}>{t(c, 'notify.panel.open')}</a>
        </section>

        <section class="panel">
          <h2>{tt(c, 'detail.reports', { count: incident.reports.length })}</h2>
          {incident.reports.length === 0 ? <p class="muted">{tt(c, 'detail.no_reports')}</p> : null}
          {incident.reports.map((r) => (
            <ReportItem c={c} r={r} timeZone={timeZone} />
          ))}
        </section>

        <section class="panel">
          <h2>{tt(c, 'detail.observables')}</h2>
          {observables.size === 0 ? (
            <p class="muted">{tt(c, 'detail.no_observables')}</p>
          ) : (
            <dl class="observables">
              {OBSERVABLE_KINDS.filter((k) => observables.has(k)).map((k) => (
                <>
                  <dt>{labelObservableKind(c, k)}</dt>
                  <dd>
                    {observables.get(k)!.map((v) => (
                      <div class="mono">{v}</div>
                    ))}
                  </dd>
                </>
              ))}
            </dl>
          )}
        </section>

        <section class="panel">
          <h2>{tt(c, 'detail.timeline')}</h2>
          {incident.timeline.length === 0 ? (
            <p class="muted">{tt(c, 'detail.no_timeline')}</p>
          ) : (
            <ol class="timeline">
              {incident.timeline.map((e) => (
                <TimelineItem c={c} e={e} lookups={lookups} timeZone={timeZone} />
              ))}
            </ol>
          )}
        </section>

        {can(actor.role, 'audit.read') ? (
          <section class="panel">
            <h2>{tt(c, 'detail.audit')}</h2>
            <table class="audit">
              <thead>
                <tr>
                  <th>{tt(c, 'audit.at')}</th>
                  <th>{tt(c, 'audit.actor')}</th>
                  <th>{tt(c, 'audit.action')}</th>
                  <th>{tt(c, 'audit.entity')}</th>
                  <th>{tt(c, 'audit.change')}</th>
                </tr>
              </thead>
              <tbody>
                {audit.map((a) => (
                  <tr data-audit-action={a.action}>
                    <td style="white-space:nowrap">
                      <Time iso={a.at} timeZone={timeZone} />
                    </td>
                    <td>{a.actor}</td>
                    <td>{a.action}</td>
                    <td class="mono">{`${a.entity}#${a.entityId}`}</td>
                    <td class="mono" style="word-break:break-all">
                      {summarise(a.before)}
                      {a.before !== null && a.after !== null ? ' → ' : ''}
                      {summarise(a.after)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        ) : null}
      </>
    ),
  });
}

export function registerIncidentPages(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const svc = () => deps.services.incidents;

  /** htmx: the counterpart select refreshed from a directory search. */
  app.get(COUNTERPARTS_PATH, async (c) => {
    const actor = requireIncidentReader(c);
    const orgs = await searchOrganisations(deps, actor, c.req.query('orgq') ?? '');
    return c.html(await (<CounterpartSelect c={c} orgs={orgs} />).toString());
  });

  app.get('/console/reports/:rid{[0-9]+}/attachments/:aid{[0-9]+}', async (c) => {
    const actor = requireIncidentReader(c);
    const a = await deps.services.incidents.getAttachment(
      actor,
      Number(c.req.param('rid')),
      Number(c.req.param('aid')),
    );
    return attachmentResponse(a);
  });

  app.get(`${QUEUE_PATH}/:id{[0-9]+}`, (c) => {
    const actor = requireIncidentReader(c);
    const done = c.req.query('done') ?? '';
    let notice: string | undefined;
    if (DONE_KEYS.has(done)) {
      const tracking = c.req.query('tracking') ?? '';
      notice =
        done === 'created' && /^[0-9A-Z-]{1,40}$/.test(tracking)
          ? tt(c, 'done.created_tracking', { tracking })
          : tt(c, `done.${done}`);
    }
    return renderIncident(c, deps, actor, parsePathId(c.req.param('id')), { notice });
  });

  /**
   * One change form: the incident must be visible first (else the 404 page, audited), whatever
   * the change; a refused change shows the page again with the reason and its status.
   */
  const change = (
    path: string,
    run: (actor: Actor, incident: IncidentDetail, form: Record<string, string>) => Promise<string>,
  ) =>
    app.post(`${QUEUE_PATH}/:id{[0-9]+}/${path}`, async (c) => {
      const actor = requireIncidentReader(c);
      const id = parsePathId(c.req.param('id'));
      const form = await readForm(c);
      const incident = await svc().getIncident(actor, id);
      try {
        const done = await run(actor, incident, form);
        return c.redirect(`${QUEUE_PATH}/${id}?done=${done}`, 303);
      } catch (e) {
        // A merge names other incidents: one that is not visible is a problem with the input.
        const hiddenOther = path === 'merge' && e instanceof DomainError && e.id === 'not_found';
        if (!isFormError(e) && !hiddenOther) throw e;
        return renderIncident(c, deps, actor, id, {
          errors: errorsOf(c, e as DomainError),
          status: hiddenOther ? 400 : formStatus(e as DomainError),
          form,
        });
      }
    });

  change('state', async (actor, incident, form) => {
    await svc().changeState(actor, incident.id, {
      state: (form.state ?? '') as IncidentState,
      note: form.note ?? '',
      version: optionalVersion(form.version),
    });
    return 'state';
  });

  change('classification', async (actor, incident, form) => {
    // Only what changed is sent (the service validates the values).
    const input: UpdateIncidentInput = { version: optionalVersion(form.version) ?? incident.version };
    const title = (form.title ?? '').trim();
    if (title !== incident.title) input.title = title;
    if (form.category !== undefined && form.category !== incident.category)
      input.category = form.category as Category;
    if (form.severity !== undefined && form.severity !== incident.severity)
      input.severity = form.severity as Severity;
    if (form.tlp !== undefined && form.tlp !== incident.tlp) input.tlp = form.tlp as Tlp;
    if (Object.keys(input).length === 1) return 'unchanged';
    await svc().updateIncident(actor, incident.id, input);
    return 'classification';
  });

  change('assign', async (actor, incident, form) => {
    await svc().assign(actor, incident.id, {
      assigneeId: optionalId(form.assigneeId, 'assigneeId'),
      version: optionalVersion(form.version),
    });
    return 'assign';
  });

  change('reassign', async (actor, incident, form) => {
    if (!choosesBranch(actor)) {
      throw new DomainError('forbidden', 'only national roles move an incident to another branch');
    }
    await svc().reassignBranch(actor, incident.id, {
      branchCode: form.branchCode ?? '',
      note: form.note ?? '',
      version: optionalVersion(form.version),
    });
    return 'reassign';
  });

  change('actions', async (actor, incident, form) => {
    const raw = (form.occurredAt ?? '').trim();
    let occurredAt: string | undefined;
    if (raw !== '') {
      const d = parseTimestamp(raw, deps.config.timeZone);
      if (!d) {
        throw invalidInput('occurredAt: expected a date and time', [
          { field: 'occurredAt', message: 'expected a date and time' },
        ]);
      }
      occurredAt = d.toISOString();
    }
    await svc().addAction(actor, incident.id, {
      kind: (form.kind ?? '') as ActionKind,
      counterpartOrgId: optionalId(form.counterpartOrgId, 'counterpartOrgId'),
      counterpart: form.counterpart ?? '',
      outcome: (form.outcome || 'pending') as ActionOutcome,
      note: form.note ?? '',
      ...(occurredAt ? { occurredAt } : {}),
    });
    return 'action';
  });

  change('merge', async (actor, incident, form) => {
    await svc().merge(actor, { survivorId: incident.id, mergedIds: parseIdList(form.ids ?? '') });
    return 'merge';
  });
}
