import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Actor } from '../../../core/auth/actor.ts';
import { can, seesAllBranches } from '../../../core/auth/roles.ts';
import type { Branch } from '../../../core/directory/directory.ts';
import { CATEGORIES } from '../../../core/incidents/categories.ts';
import type { Incident } from '../../../core/incidents/incident.ts';
import type { Page } from '../../../core/incidents/search-query.ts';
import { SEVERITIES } from '../../../core/incidents/severity.ts';
import { INCIDENT_STATES } from '../../../core/incidents/states.ts';
import { DomainError, notFound } from '../../../core/shared/errors.ts';
import type { HandlerRef } from '../../../services/auth.service.ts';
import type { SavedView } from '../../../services/saved-view.service.ts';
import type { AppDeps } from '../../context.ts';
import { requireActor } from '../../auth/auth.middleware.ts';
import { csrfField, renderPage } from '../layout.tsx';
import {
  EMPTY_FILTERS,
  buildSearchQuery,
  fromSavedQuery,
  hasFilters,
  parseQueueFilters,
  serializeQueueFilters,
  toSavedQuery,
  type QueueFilters,
} from './queue-filters.ts';
import {
  Errors,
  Notice,
  OverdueBadge,
  SeverityBadge,
  StateBadge,
  Time,
  TlpBadge,
  branchName,
  describeIssue,
  errorsOf,
  formStatus,
  isFormError,
  labelCategory,
  labelState,
  labelSeverity,
  parsePathId,
  readForm,
  tt,
  userName,
  type Ctx,
} from './view-helpers.tsx';
import type { AppEnv } from '../../context.ts';

/*
 * /console/incidents: the queue. A GET form of filters (works without JavaScript; with htmx it
 * refreshes only #incident-results and pushes the URL), keyset paging by the search's cursor, and
 * saved views (personal or for a branch). Everything shown is within the actor's scope: the
 * service applies it in SQL.
 */

export const QUEUE_PATH = '/console/incidents';
const RESULTS_ID = 'incident-results';
const CHECKS_STYLE =
  'grid-column:1/-1;display:flex;flex-wrap:wrap;gap:0.25rem 1.25rem;border:1px solid #d9dde4;border-radius:6px;margin:0';

/** The incident pages exist only for roles that may read incidents (others: the 404 page). */
export function requireIncidentReader(c: Ctx): Actor {
  const actor = requireActor(c);
  if (actor.kind !== 'system' && !can(actor.role, 'incident.read')) throw notFound('page');
  return actor;
}

/** Roles that see (and filter by) every branch; branch handlers are fixed to theirs. */
export function choosesBranch(actor: Actor): boolean {
  return actor.kind === 'system' || seesAllBranches(actor.role);
}

export interface QueueLookups {
  branches: Branch[];
  users: Map<number, HandlerRef>;
}

export async function loadLookups(deps: AppDeps, actor: Actor): Promise<QueueLookups> {
  const [branches, handlers] = await Promise.all([
    can(actor.role, 'directory.read') ? deps.services.directory.listBranches(actor) : Promise.resolve([]),
    deps.services.auth.listHandlers(actor),
  ]);
  return { branches, users: new Map(handlers.map((u) => [u.id, u])) };
}

export function IncidentTable(props: {
  c: Ctx;
  items: Incident[];
  lookups: QueueLookups;
  timeZone: string;
  showBranch?: boolean;
}) {
  const { c, lookups, timeZone } = props;
  if (props.items.length === 0) return <p class="muted">{tt(c, 'queue.empty')}</p>;
  return (
    <table class="incidents">
      <thead>
        <tr>
          <th>{tt(c, 'field.id')}</th>
          <th>{tt(c, 'field.title')}</th>
          <th>{tt(c, 'field.category')}</th>
          <th>{tt(c, 'field.severity')}</th>
          <th>{tt(c, 'field.tlp')}</th>
          {props.showBranch === false ? null : <th>{tt(c, 'field.branchCode')}</th>}
          <th>{tt(c, 'field.assigneeId')}</th>
          <th>{tt(c, 'field.state')}</th>
          <th>{tt(c, 'field.openedAt')}</th>
          <th>{tt(c, 'field.dueAt')}</th>
        </tr>
      </thead>
      <tbody>
        {props.items.map((i) => (
          <tr class={i.overdue ? 'overdue' : undefined} data-incident-id={String(i.id)}>
            <td class="mono">
              <a href={`${QUEUE_PATH}/${i.id}`}>#{i.id}</a>
            </td>
            <td>
              <a href={`${QUEUE_PATH}/${i.id}`}>{i.title}</a>
            </td>
            <td>{labelCategory(c, i.category)}</td>
            <td>
              <SeverityBadge c={c} severity={i.severity} />
            </td>
            <td>
              <TlpBadge tlp={i.tlp} />
            </td>
            {props.showBranch === false ? null : <td>{branchName(c, lookups.branches, i.branchCode)}</td>}
            <td>
              {i.assigneeId === null ? <span class="muted">–</span> : userName(lookups.users, i.assigneeId)}
            </td>
            <td>
              <StateBadge c={c} state={i.state} />
            </td>
            <td>
              <Time iso={i.openedAt} timeZone={timeZone} />
            </td>
            <td>
              <Time iso={i.dueAt} timeZone={timeZone} /> <OverdueBadge c={c} incident={i} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Results(props: {
  c: Ctx;
  filters: QueueFilters;
  page: Page<Incident> | null;
  cursor: string | undefined;
  errors: string[];
  lookups: QueueLookups;
  timeZone: string;
}) {
  const { c, filters, page } = props;
  const qs = serializeQueueFilters(filters);
  const href = (extra: Record<string, string> = {}) => {
    const s = serializeQueueFilters(filters, extra);
    return s ? `${QUEUE_PATH}?${s}` : QUEUE_PATH;
  };
  return (
    <div id={RESULTS_ID}>
      <Errors errors={props.errors} />
      {page ? (
        <>
          <p class="muted">
            {page.totalIsLowerBound
              ? tt(c, 'queue.total_at_least', { count: page.total })
              : tt(c, 'queue.total', { count: page.total })}
          </p>
          <IncidentTable c={c} items={page.items} lookups={props.lookups} timeZone={props.timeZone} />
          <nav class="pager" aria-label={tt(c, 'queue.paging')}>
            {props.cursor ? (
              <a
                href={href()}
                hx-get={href()}
                hx-target={`#${RESULTS_ID}`}
                hx-swap="outerHTML"
                hx-push-url="true"
              >
                {tt(c, 'queue.first_page')}
              </a>
            ) : null}{' '}
            {page.nextCursor ? (
              <a
                rel="next"
                href={href({ cursor: page.nextCursor })}
                hx-get={href({ cursor: page.nextCursor })}
                hx-target={`#${RESULTS_ID}`}
                hx-swap="outerHTML"
                hx-push-url="true"
              >
                {tt(c, 'queue.next_page')}
              </a>
            ) : null}
          </nav>
        </>
      ) : null}
      <input type="hidden" form="save-view" name="filters" value={qs} />
    </div>
  );
}

function FilterForm(props: { c: Ctx; actor: Actor; filters: QueueFilters; lookups: QueueLookups }) {
  const { c, actor, filters: f, lookups } = props;
  const national = choosesBranch(actor);
  const handlers = [...lookups.users.values()];
  return (
    <form
      method="get"
      action={QUEUE_PATH}
      class="grid filters"
      hx-get={QUEUE_PATH}
      hx-target={`#${RESULTS_ID}`}
      hx-swap="outerHTML"
      hx-push-url="true"
      hx-trigger="change, submit"
    >
      <label>
        {tt(c, 'filter.text')}
        <input
          type="search"
          name="q"
          value={f.text}
          maxlength={200}
          placeholder={tt(c, 'filter.text_hint')}
        />
      </label>
      <label>
        {tt(c, 'filter.observable')}
        <input
          name="observable"
          value={f.observable}
          maxlength={2048}
          placeholder={tt(c, 'filter.observable_hint')}
        />
      </label>
      <label>
        {tt(c, 'field.category')}
        <select name="category">
          <option value="">{tt(c, 'filter.all')}</option>
          {CATEGORIES.map((cat) => (
            <option value={cat} selected={f.categories.includes(cat)}>
              {labelCategory(c, cat)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {tt(c, 'field.branchCode')}
        {national ? (
          <select name="branch">
            <option value="">{tt(c, 'filter.all_branches')}</option>
            {lookups.branches.map((b) => (
              <option value={b.code} selected={f.branches.includes(b.code)}>
                {`${branchName(c, lookups.branches, b.code)} (${b.code})`}
              </option>
            ))}
          </select>
        ) : (
          <input value={branchName(c, lookups.branches, actor.branchCode ?? '')} disabled />
        )}
      </label>
      <label>
        {tt(c, 'field.assigneeId')}
        <select name="assignee">
          <option value="">{tt(c, 'filter.anyone')}</option>
          <option value="mine" selected={f.assignee === 'mine'}>
            {tt(c, 'filter.mine')}
          </option>
          <option value="none" selected={f.assignee === 'none'}>
            {tt(c, 'filter.unassigned')}
          </option>
          {handlers.map((u) => (
            <option value={String(u.id)} selected={f.assignee === u.id}>
              {u.displayName ? `${u.displayName} (${u.username})` : u.username}
            </option>
          ))}
        </select>
      </label>
      <label>
        {tt(c, 'filter.from')}
        <input type="date" name="from" value={f.from} />
      </label>
      <label>
        {tt(c, 'filter.to')}
        <input type="date" name="to" value={f.to} />
      </label>
      <label>
        {tt(c, 'filter.sort')}
        <select name="sort">
          {(['id', 'opened_at', 'due_at', 'severity'] as const).map((s) => (
            <option value={s} selected={f.sort === s}>
              {tt(c, `sort.${s}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {tt(c, 'filter.order')}
        <select name="order">
          <option value="desc" selected={f.order === 'desc'}>
            {tt(c, 'order.desc')}
          </option>
          <option value="asc" selected={f.order === 'asc'}>
            {tt(c, 'order.asc')}
          </option>
        </select>
      </label>
      <fieldset class="checks" style={CHECKS_STYLE}>
        <legend>{tt(c, 'field.state')}</legend>
        {INCIDENT_STATES.map((s) => (
          <label class="check" style="display:inline-flex">
            <span>
              <input type="checkbox" name="state" value={s} checked={f.states.includes(s)} />{' '}
              {labelState(c, s)}
            </span>
          </label>
        ))}
      </fieldset>
      <fieldset class="checks" style={CHECKS_STYLE}>
        <legend>{tt(c, 'field.severity')}</legend>
        {SEVERITIES.map((s) => (
          <label class="check" style="display:inline-flex">
            <span>
              <input type="checkbox" name="severity" value={s} checked={f.severities.includes(s)} />{' '}
              {labelSeverity(c, s)}
            </span>
          </label>
        ))}
        <label class="check" style="display:inline-flex">
          <span>
            <input type="checkbox" name="overdue" value="1" checked={f.overdue} />{' '}
            {tt(c, 'filter.overdue_only')}
          </span>
        </label>
      </fieldset>
      <div>
        <button type="submit">{tt(c, 'filter.apply')}</button>{' '}
        <a href={QUEUE_PATH}>{tt(c, 'filter.reset')}</a>
      </div>
    </form>
  );
}

function SavedViews(props: {
  c: Ctx;
  actor: Actor;
  views: SavedView[];
  lookups: QueueLookups;
  filters: QueueFilters;
}) {
  const { c, actor, views, lookups } = props;
  const writer = actor.kind === 'system' || can(actor.role, 'incident.write');
  const national = choosesBranch(actor);
  return (
    <section class="panel saved-views">
      <h2>{tt(c, 'views.title')}</h2>
      {views.length === 0 ? (
        <p class="muted">{tt(c, 'views.none')}</p>
      ) : (
        <ul>
          {views.map((v) => {
            const qs = serializeQueueFilters(fromSavedQuery(v.query));
            return (
              <li>
                <a href={qs ? `${QUEUE_PATH}?${qs}` : QUEUE_PATH}>{v.name}</a>{' '}
                <span class="badge">
                  {v.visibility === 'personal'
                    ? tt(c, 'views.personal')
                    : tt(c, 'views.branch', { branch: branchName(c, lookups.branches, v.branchCode ?? '') })}
                </span>{' '}
                {v.own ? (
                  <form method="post" action={`${QUEUE_PATH}/views/${v.id}/delete`} class="inline">
                    {csrfField(c)}
                    <button type="submit" class="link">
                      {tt(c, 'views.delete')}
                    </button>
                  </form>
                ) : null}
              </li>
            );
          })}
        </ul>
      )}
      <form method="post" action={`${QUEUE_PATH}/views`} id="save-view" class="grid">
        {csrfField(c)}
        <label>
          {tt(c, 'views.name')}
          <input name="name" required maxlength={100} />
        </label>
        {writer ? (
          <label>
            {tt(c, 'views.visibility')}
            <select name="visibility">
              <option value="personal">{tt(c, 'views.just_me')}</option>
              <option value="branch">
                {national ? tt(c, 'views.for_branch') : tt(c, 'views.my_branch')}
              </option>
            </select>
          </label>
        ) : (
          <input type="hidden" name="visibility" value="personal" />
        )}
        {writer && national ? (
          <label>
            {tt(c, 'views.branch_of_view')}
            <select name="branchCode">
              {lookups.branches.map((b) => (
                <option value={b.code} selected={props.filters.branches[0] === b.code}>
                  {`${branchName(c, lookups.branches, b.code)} (${b.code})`}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <div>
          <button type="submit" class="secondary">
            {tt(c, 'views.save')}
          </button>
        </div>
      </form>
    </section>
  );
}

interface QueueState {
  errors?: string[];
  notice?: string;
  status?: ContentfulStatusCode;
  /** Filters to show instead of the URL's (a rejected save shows what was being saved). */
  filters?: QueueFilters;
}

async function renderQueue(c: Ctx, deps: AppDeps, actor: Actor, state: QueueState = {}): Promise<Response> {
  const timeZone = deps.config.timeZone;
  const url = new URL(c.req.url);
  const parsed = state.filters
    ? { filters: state.filters, cursor: undefined, issues: [] }
    : parseQueueFilters(url.searchParams);
  const { filters, cursor } = parsed;
  const errors = [...(state.errors ?? []), ...parsed.issues.map((i) => describeIssue(c, i))];
  let status: ContentfulStatusCode = state.status ?? (parsed.issues.length ? 400 : 200);
  const lookups = await loadLookups(deps, actor);

  let page: Page<Incident> | null = null;
  if (parsed.issues.length === 0) {
    try {
      page = await deps.services.incidents.searchIncidents(
        actor,
        buildSearchQuery(filters, {
          userId: actor.userId,
          timeZone,
          branchFixed: !choosesBranch(actor),
          cursor,
        }),
      );
    } catch (e) {
      if (!(e instanceof DomainError) || e.id !== 'invalid_input') throw e;
      errors.push(...errorsOf(c, e));
      status = 400;
    }
  }
  const results = (
    <Results
      c={c}
      filters={filters}
      page={page}
      cursor={cursor}
      errors={errors}
      lookups={lookups}
      timeZone={timeZone}
    />
  );
  // htmx swaps the results only (a history restore asks for the whole page). htmx swaps no 4xx
  // answer, so a fragment carrying its own error messages is a 200.
  if (c.req.header('hx-request') === 'true' && !c.req.header('hx-history-restore-request')) {
    // The address bar shows the filters as a link would (no empty fields of the form).
    const qs = serializeQueueFilters(filters, cursor ? { cursor } : {});
    return c.html(await results.toString(), 200, { 'HX-Push-Url': qs ? `${QUEUE_PATH}?${qs}` : QUEUE_PATH });
  }
  const views = await deps.services.savedViews.listViews(actor);
  const mayCreate = actor.kind === 'system' || can(actor.role, 'report.create');
  return renderPage(c, {
    title: tt(c, 'queue.title'),
    status,
    body: (
      <>
        <h1>{tt(c, 'queue.title')}</h1>
        <p>
          {mayCreate ? <a href={`${QUEUE_PATH}/new`}>{tt(c, 'new.title')}</a> : null}{' '}
          {hasFilters(filters) ? <span class="muted">{tt(c, 'queue.filtered')}</span> : null}
        </p>
        <Notice text={state.notice} />
        <section class="panel">
          <FilterForm c={c} actor={actor} filters={filters} lookups={lookups} />
        </section>
        <section class="panel">{results}</section>
        <SavedViews c={c} actor={actor} views={views} lookups={lookups} filters={filters} />
      </>
    ),
  });
}

export function registerQueuePages(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  app.get(QUEUE_PATH, (c) => {
    const done = c.req.query('done');
    return renderQueue(c, deps, requireIncidentReader(c), {
      notice: done === 'view_saved' || done === 'view_deleted' ? tt(c, `views.${done}`) : undefined,
    });
  });

  app.post(`${QUEUE_PATH}/views`, async (c) => {
    const actor = requireIncidentReader(c);
    const form = await readForm(c);
    const parsed = parseQueueFilters(new URLSearchParams(form.filters ?? ''));
    if (parsed.issues.length) {
      return renderQueue(c, deps, actor, {
        filters: EMPTY_FILTERS,
        errors: parsed.issues.map((i) => describeIssue(c, i)),
        status: 400,
      });
    }
    try {
      await deps.services.savedViews.createView(actor, {
        name: form.name ?? '',
        visibility: form.visibility === 'branch' ? 'branch' : 'personal',
        ...(form.visibility === 'branch' && form.branchCode ? { branchCode: form.branchCode } : {}),
        query: toSavedQuery(parsed.filters),
      });
    } catch (e) {
      if (!isFormError(e)) throw e;
      return renderQueue(c, deps, actor, {
        filters: parsed.filters,
        errors: errorsOf(c, e),
        status: formStatus(e),
      });
    }
    const qs = serializeQueueFilters(parsed.filters, { done: 'view_saved' });
    return c.redirect(`${QUEUE_PATH}?${qs}`, 303);
  });

  app.post(`${QUEUE_PATH}/views/:vid/delete`, async (c) => {
    const actor = requireIncidentReader(c);
    const id = parsePathId(c.req.param('vid'), 'saved view');
    try {
      await deps.services.savedViews.deleteView(actor, id);
    } catch (e) {
      if (!(e instanceof DomainError) || e.id !== 'forbidden') throw e;
      return renderQueue(c, deps, actor, { filters: EMPTY_FILTERS, errors: errorsOf(c, e), status: 403 });
    }
    return c.redirect(`${QUEUE_PATH}?done=view_deleted`, 303);
  });
}
