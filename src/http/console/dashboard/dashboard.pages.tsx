import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Actor } from '../../../core/auth/actor.ts';
import { can } from '../../../core/auth/roles.ts';
import { OPEN_STATES } from '../../../core/incidents/states.ts';
import { DomainError, notFound } from '../../../core/shared/errors.ts';
import type { BranchDashboard, CappedCount } from '../../../services/dashboard.service.ts';
import type { AppDeps } from '../../context.ts';
import { requireActor } from '../../auth/auth.middleware.ts';
import type { AppEnv } from '../../context.ts';
import { renderPage } from '../layout.tsx';
import { EMPTY_FILTERS, serializeQueueFilters, type QueueFilters } from '../incidents/queue-filters.ts';
import { IncidentTable, QUEUE_PATH, choosesBranch, loadLookups } from '../incidents/queue.pages.tsx';
import { Errors, branchName, errorsOf, tt, type Ctx } from '../incidents/view-helpers.tsx';

/*
 * /console/dashboard: a branch's figures — open, overdue, handled this month (the statistics'
 * definition), new today — and its oldest overdue incidents. A branch handler sees their branch;
 * national roles pick one, or see all.
 */

const DASHBOARD_PATH = '/console/dashboard';

function requireDashboardReader(c: Ctx): Actor {
  const actor = requireActor(c);
  if (actor.kind !== 'system' && !(can(actor.role, 'incident.read') && can(actor.role, 'stats.read'))) {
    throw notFound('page');
  }
  return actor;
}

function Figure(props: { c: Ctx; label: string; value: CappedCount | number; href?: string; id: string }) {
  const v = props.value;
  const text =
    typeof v === 'number'
      ? String(v)
      : v.atLeast
        ? tt(props.c, 'dashboard.at_least', { count: v.count })
        : String(v.count);
  return (
    <div class="panel figure" id={props.id} style="flex:1 1 12rem;margin:0">
      <div class="muted">{props.label}</div>
      <div style="font-size:2rem;font-weight:600" data-figure={props.id}>
        {props.href ? <a href={props.href}>{text}</a> : text}
      </div>
    </div>
  );
}

function queueHref(branchCode: string | null, f: Partial<QueueFilters>): string {
  const qs = serializeQueueFilters({
    ...EMPTY_FILTERS,
    ...(branchCode ? { branches: [branchCode] } : {}),
    ...f,
  });
  return qs ? `${QUEUE_PATH}?${qs}` : QUEUE_PATH;
}

export function registerDashboardPages(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  app.get(DASHBOARD_PATH, async (c) => {
    const actor = requireDashboardReader(c);
    const national = choosesBranch(actor);
    const requested = national ? (c.req.query('branch') ?? '').trim() : '';
    const lookups = await loadLookups(deps, actor);
    let errors: string[] = [];
    let dashboard: BranchDashboard;
    try {
      dashboard = await deps.services.dashboard.branchDashboard(
        actor,
        requested ? { branchCode: requested } : {},
      );
    } catch (e) {
      if (!(e instanceof DomainError) || e.id !== 'invalid_input') throw e;
      errors = errorsOf(c, e);
      dashboard = await deps.services.dashboard.branchDashboard(actor);
    }
    const code = dashboard.branchCode;
    const scopeLabel = code ? branchName(c, lookups.branches, code) : tt(c, 'dashboard.all_branches');
    return renderPage(c, {
      title: tt(c, 'dashboard.title'),
      status: errors.length ? 400 : 200,
      body: (
        <>
          <h1>
            {tt(c, 'dashboard.title')} · {scopeLabel}
          </h1>
          <Errors errors={errors} />
          {national ? (
            <form method="get" action={DASHBOARD_PATH} class="grid panel">
              <label>
                {tt(c, 'field.branchCode')}
                <select name="branch">
                  <option value="">{tt(c, 'dashboard.all_branches')}</option>
                  {lookups.branches.map((b) => (
                    <option value={b.code} selected={code === b.code}>
                      {`${branchName(c, lookups.branches, b.code)} (${b.code})`}
                    </option>
                  ))}
                </select>
              </label>
              <div>
                <button type="submit">{tt(c, 'dashboard.show')}</button>
              </div>
            </form>
          ) : null}
          <div style="display:flex;gap:1rem;flex-wrap:wrap;margin-bottom:1.5rem">
            <Figure
              c={c}
              id="open"
              label={tt(c, 'dashboard.open')}
              value={dashboard.open}
              href={queueHref(code, { states: [...OPEN_STATES] })}
            />
            <Figure
              c={c}
              id="overdue"
              label={tt(c, 'dashboard.overdue')}
              value={dashboard.overdue}
              href={queueHref(code, { overdue: true, sort: 'due_at', order: 'asc' })}
            />
            <Figure
              c={c}
              id="handled"
              label={tt(c, 'dashboard.handled', { from: dashboard.monthStart })}
              value={dashboard.handledThisMonth}
            />
            <Figure
              c={c}
              id="new-today"
              label={tt(c, 'dashboard.new_today', { today: dashboard.today })}
              value={dashboard.newToday}
              href={queueHref(code, { from: dashboard.today })}
            />
          </div>
          <section class="panel">
            <h2>{tt(c, 'dashboard.oldest_overdue')}</h2>
            <IncidentTable
              c={c}
              items={dashboard.oldestOverdue}
              lookups={lookups}
              timeZone={deps.config.timeZone}
              showBranch={code === null}
            />
          </section>
          <p class="muted">{tt(c, 'dashboard.definitions', { timeZone: deps.config.timeZone })}</p>
        </>
      ),
    });
  });
}
