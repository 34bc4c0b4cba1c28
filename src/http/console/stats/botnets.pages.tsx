import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { can } from '../../../core/auth/roles.ts';
import { MALWARE_KINDS } from '../../../core/malware/malware-family.ts';
import type { BotnetFigures, BotnetPeriodFigures, BotnetStats } from '../../../core/stats/botnet-stats.ts';
import { DomainError, notFound } from '../../../core/shared/errors.ts';
import type { AppDeps, AppEnv } from '../../context.ts';
import { requireActor } from '../../auth/auth.middleware.ts';
import { renderPage, t } from '../layout.tsx';
import { PeriodFields, ShareTable } from './share-table.tsx';

type Ctx = Context<AppEnv>;

/** A country/region as the report names it: TW, HK, MO as regions of China; ZZ unknown. */
export function regionName(c: Ctx, code: string): string {
  const key = `botnets.region.${code}`;
  const own = t(c, key);
  if (own !== key) return own;
  try {
    return new Intl.DisplayNames([c.get('lang')], { type: 'region' }).of(code) ?? code;
  } catch {
    return code;
  }
}

function Figures(props: { c: Ctx; f: BotnetFigures; kind: string; branchNames: Map<string, string> }) {
  const { c, f, kind } = props;
  const branch = (k: string) =>
    k === 'unknown' ? t(c, 'botnets.unknown_branch') : `${props.branchNames.get(k) ?? k} (${k})`;
  return (
    <section class="panel" data-kind={kind}>
      <h3>{t(c, `botnets.kind.${kind}`)}</h3>
      <table class="data">
        <tbody>
          <tr>
            <th scope="row">{t(c, 'botnets.controller_ips')}</th>
            <td class="num">
              <span data-stat={`${kind}.controller_ips`}>{f.controllerIps.total}</span>
            </td>
            <td>
              {t(c, 'botnets.mainland')}{' '}
              <span data-stat={`${kind}.controller_ips_mainland`}>{f.controllerIps.mainland}</span>
              {' · '}
              {t(c, 'botnets.outside_mainland')}{' '}
              <span data-stat={`${kind}.controller_ips_outside`}>{f.controllerIps.outsideMainland}</span>
            </td>
          </tr>
          <tr>
            <th scope="row">{t(c, 'botnets.controlled_ips')}</th>
            <td class="num">
              <span data-stat={`${kind}.controlled_ips`}>{f.controlledIps.total}</span>
            </td>
            <td>
              {t(c, 'botnets.mainland')}{' '}
              <span data-stat={`${kind}.controlled_ips_mainland`}>{f.controlledIps.mainland}</span>
            </td>
          </tr>
        </tbody>
      </table>
      <ShareTable
        c={c}
        heading="h4"
        stat={`${kind}.by_province`}
        title={t(c, 'botnets.by_province')}
        head={t(c, 'stats.col.item')}
        rows={f.controlledMainlandByBranch.items.map((i) => ({ ...i, label: branch(i.key) }))}
      />
      <ShareTable
        c={c}
        heading="h4"
        stat={`${kind}.by_region`}
        title={t(c, 'botnets.by_region')}
        head={t(c, 'stats.col.item')}
        rows={f.controllersOutsideMainlandByRegion.items.map((i) => ({
          ...i,
          label: `${regionName(c, i.key)} (${i.key})`,
        }))}
      />
      <ShareTable
        c={c}
        heading="h4"
        stat={`${kind}.ports`}
        title={t(c, 'botnets.ports')}
        head={t(c, 'botnets.col.port')}
        rows={f.ccPorts.items.map((i) => ({ ...i, label: String(i.port) }))}
        limit={20}
      />
      <ShareTable
        c={c}
        heading="h4"
        stat={`${kind}.sizes`}
        title={t(c, 'botnets.sizes')}
        head={t(c, 'botnets.col.bucket')}
        rows={f.botnetSizes.items.map((i) => ({ ...i, label: i.bucket }))}
      />
    </section>
  );
}

function headline(p: BotnetPeriodFigures | null, kind: string): BotnetFigures | undefined {
  if (!p) return undefined;
  return kind === 'all' ? (p.all ?? undefined) : p.byKind[kind as keyof typeof p.byKind];
}

/** Current period against last year's same period and full year (headline numbers). */
function Comparison(props: { c: Ctx; s: BotnetStats; kinds: string[] }) {
  const { c, s } = props;
  const periods: [string, BotnetPeriodFigures | null][] = [
    ['botnets.current', s],
    ['botnets.previous_same', s.previousYearSamePeriod],
    ['botnets.previous_full', s.previousYearFull],
  ];
  const cell = (p: BotnetPeriodFigures | null, kind: string, pick: (f: BotnetFigures) => number) => {
    const f = headline(p, kind);
    return <td class="num">{f ? pick(f) : '—'}</td>;
  };
  return (
    <table class="data" data-figure="comparison">
      <thead>
        <tr>
          <th scope="col">{t(c, 'botnets.kind')}</th>
          <th scope="col" />
          {periods.map(([k, p]) => (
            <th scope="col" class="num">
              {t(c, k)}
              {p ? ` (${p.period.from} – ${p.period.to})` : ` (${t(c, 'botnets.no_previous')})`}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.kinds.flatMap((kind) => [
          <tr>
            <th scope="row" rowspan={3}>
              {t(c, `botnets.kind.${kind}`)}
            </th>
            <td>{t(c, 'botnets.controller_ips')}</td>
            {periods.map(([, p]) => cell(p, kind, (f) => f.controllerIps.total))}
          </tr>,
          <tr>
            <td>{t(c, 'botnets.controlled_ips')}</td>
            {periods.map(([, p]) => cell(p, kind, (f) => f.controlledIps.total))}
          </tr>,
          <tr>
            <td>
              {t(c, 'botnets.controlled_ips')} · {t(c, 'botnets.mainland')}
            </td>
            {periods.map(([, p]) => cell(p, kind, (f) => f.controlledIps.mainland))}
          </tr>,
        ])}
      </tbody>
    </table>
  );
}

function BotnetsBody(props: { c: Ctx; s: BotnetStats; kind: string; branchNames: Map<string, string> }) {
  const { c, s } = props;
  const kinds = [...(s.all ? ['all'] : []), ...s.kinds];
  return (
    <div>
      <h1>{t(c, 'botnets.title')}</h1>
      <form method="get" action="/console/stats/botnets" class="grid filters panel">
        <PeriodFields c={c} from={s.period.from} to={s.period.to} />
        <label>
          {t(c, 'botnets.kind')}{' '}
          <select name="kind">
            <option value="">{t(c, 'botnets.kind.all')}</option>
            {MALWARE_KINDS.map((k) => (
              <option value={k} selected={props.kind === k}>
                {t(c, `botnets.kind.${k}`)}
              </option>
            ))}
          </select>
        </label>
        <div>
          <button type="submit">{t(c, 'stats.show')}</button>
        </div>
      </form>
      <p class="muted">
        {t(c, 'stats.period')}: {s.period.from} – {s.period.to} ({s.period.timeZone}).{' '}
        {t(c, 'botnets.figures_by_kind')} <a href="/console/pipeline/malware">{t(c, 'malware.title')}</a>
      </p>
      <Comparison c={c} s={s} kinds={kinds} />
      {kinds.map((k) => {
        const f = headline(s, k);
        return f ? <Figures c={c} f={f} kind={k} branchNames={props.branchNames} /> : null;
      })}
      <section class="stat">
        <h2>{t(c, 'botnets.definitions')}</h2>
        <dl>
          {[
            'trojan_controller_ips',
            'trojan_controlled_ips',
            'trojan_controlled_ips_mainland',
            'trojan_controlled_mainland_by_province',
            'trojan_controllers_outside_mainland_by_region',
            'cc_server_ports',
            'botnet_sizes',
          ].map((id) => (
            <>
              <dt>{t(c, `stats.${id}.label`)}</dt>
              <dd>{t(c, `stats.${id}.definition`)}</dd>
            </>
          ))}
        </dl>
      </section>
    </div>
  );
}

/** The half year containing today (UTC date): the report's natural period. */
function currentHalfYear(now: Date): { from: string; to: string } {
  const y = now.getUTCFullYear();
  return now.getUTCMonth() < 6
    ? { from: `${y}-01-01`, to: `${y}-06-30` }
    : { from: `${y}-07-01`, to: `${y}-12-31` };
}

export function registerBotnetStatsPages(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  app.get('/console/stats/botnets', async (c) => {
    const actor = requireActor(c);
    if (!can(actor.role, 'stats.read')) throw notFound('page');
    const fallback = currentHalfYear(new Date());
    const from = c.req.query('from') || fallback.from;
    const to = c.req.query('to') || fallback.to;
    const kind = c.req.query('kind') || '';
    try {
      const s = await deps.services.botnetStats.botnetStats(actor, { from, to, ...(kind ? { kind } : {}) });
      const branchNames = new Map<string, string>();
      if (can(actor.role, 'directory.read'))
        for (const b of await deps.services.directory.listBranches(actor))
          branchNames.set(b.code, c.get('lang') === 'en' ? b.nameEn : b.shortZh || b.nameZh);
      return renderPage(c, {
        title: t(c, 'botnets.title'),
        body: <BotnetsBody c={c} s={s} kind={kind} branchNames={branchNames} />,
      });
    } catch (e) {
      if (!(e instanceof DomainError) || e.id !== 'invalid_input') throw e;
      return renderPage(c, {
        title: t(c, 'botnets.title'),
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
