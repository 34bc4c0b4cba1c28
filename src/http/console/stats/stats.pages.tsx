import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { can } from '../../../core/auth/roles.ts';
import type { IncidentStats } from '../../../core/stats/incident-stats.ts';
import { DomainError, notFound } from '../../../core/shared/errors.ts';
import type { AppDeps } from '../../context.ts';
import { requireActor } from '../../auth/auth.middleware.ts';
import type { AppEnv } from '../../context.ts';
import { renderPage, t } from '../layout.tsx';
import { Bar, PeriodFields, ShareTable } from './share-table.tsx';

type Ctx = Context<AppEnv>;

/** The half year containing today (UTC date): the report's natural period. */
function currentHalfYear(now: Date): { from: string; to: string } {
  const y = now.getUTCFullYear();
  return now.getUTCMonth() < 6
    ? { from: `${y}-01-01`, to: `${y}-06-30` }
    : { from: `${y}-07-01`, to: `${y}-12-31` };
}

function StatsBody(props: { c: Ctx; s: IncidentStats }) {
  const { c, s } = props;
  const resolvedIn = `state=resolved&resolved_from=${s.period.from}&resolved_to=${s.period.to}`;
  const maxMonth = Math.max(1, ...s.reportsPerMonth.map((m) => m.count));
  const category = (k: string) => t(c, `category.${k}`);
  return (
    <div>
      <h1>{t(c, 'stats.title')}</h1>
      <p>
        <a href={`/console/stats/botnets?from=${s.period.from}&to=${s.period.to}`}>
          {t(c, 'events.nav.botnets')}
        </a>
      </p>
      <form method="get" action="/console/stats" class="grid filters panel">
        <PeriodFields c={c} from={s.period.from} to={s.period.to} />
        <div>
          <button type="submit">{t(c, 'stats.show')}</button>
        </div>
      </form>
      <p class="muted">
        {t(c, 'stats.period')}: {s.period.from} – {s.period.to} ({s.period.timeZone})
      </p>
      <section class="stat">
        <h2>
          {t(c, 'stats.reports_received_non_scanning.label')}:{' '}
          <span data-stat="reports_received_non_scanning">{s.reportsReceivedNonScanning}</span>
        </h2>
        <p class="definition">{t(c, 'stats.reports_received_non_scanning.definition')}</p>
        <h3>{t(c, 'stats.reports_received_per_month.label')}</h3>
        <table class="data">
          <tbody>
            {s.reportsPerMonth.map((m) => (
              <tr>
                <th scope="row">{m.month}</th>
                <td class="num">{m.count}</td>
                <td>
                  <Bar share={m.count / maxMonth} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <ShareTable
        c={c}
        title={t(c, 'stats.reports_received_per_category.label')}
        definition={t(c, 'stats.reports_received_per_category.definition')}
        rows={s.reportsPerCategory.map((r) => ({ ...r, label: category(r.key) }))}
        total={s.reportsReceivedNonScanning}
      />
      <ShareTable
        c={c}
        title={`${t(c, 'stats.incidents_handled.label')}: ${s.incidentsHandled}`}
        definition={`${t(c, 'stats.incidents_handled.definition')} ${t(c, 'stats.incidents_handled_per_category.definition')}`}
        rows={s.handledPerCategory.map((r) => ({
          ...r,
          label: category(r.key),
          href: `/console/incidents?category=${encodeURIComponent(r.key)}&${resolvedIn}`,
        }))}
        total={s.incidentsHandled}
      />
      <ShareTable
        c={c}
        title={t(c, 'stats.branches_handling.label')}
        definition={t(c, 'stats.branches_handling.definition')}
        rows={s.branchesHandling.items.map((r) => ({
          ...r,
          label: r.key,
          href: `/console/incidents?branch=${encodeURIComponent(r.key)}&${resolvedIn}`,
        }))}
        total={s.branchesHandling.items.reduce((a, b) => a + b.count, 0)}
      />
    </div>
  );
}

export function registerStatsPages(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  app.get('/console/stats', async (c) => {
    const actor = requireActor(c);
    if (!can(actor.role, 'stats.read')) throw notFound('page');
    const fallback = currentHalfYear(new Date());
    const from = c.req.query('from') || fallback.from;
    const to = c.req.query('to') || fallback.to;
    try {
      const s = await deps.services.stats.incidentStats(actor, { from, to });
      return renderPage(c, { title: t(c, 'stats.title'), body: <StatsBody c={c} s={s} /> });
    } catch (e) {
      if (!(e instanceof DomainError) || e.id !== 'invalid_input') throw e;
      return renderPage(c, {
        title: t(c, 'stats.title'),
        status: 400,
        body: (
          <p class="error" role="alert">
            {e.message}
          </p>
        ),
      });
    }
  });
}
