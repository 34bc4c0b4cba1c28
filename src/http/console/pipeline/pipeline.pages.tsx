import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Actor } from '../../../core/auth/actor.ts';
import { can, seesAllBranches } from '../../../core/auth/roles.ts';
import { DomainError, notFound } from '../../../core/shared/errors.ts';
import type { StoredEvent } from '../../../services/ports.ts';
import { requireActor } from '../../auth/auth.middleware.ts';
import type { AppDeps, AppEnv } from '../../context.ts';
import { renderPage, t } from '../layout.tsx';

type Ctx = Context<AppEnv>;
export const PIPELINE_BASE = '/console/pipeline';

function requireEventReader(c: Ctx): Actor {
  const actor = requireActor(c);
  if (!can(actor.role, 'incident.read')) throw notFound('page');
  return actor;
}

function requireNational(c: Ctx): Actor {
  const actor = requireEventReader(c);
  if (!seesAllBranches(actor.role)) throw notFound('page');
  return actor;
}

/** The pipeline area's own navigation (feeds, events, dead letters, catalogue, statistics). */
export function PipelineNav(props: { c: Ctx; current: string }) {
  const { c } = props;
  const actor = c.get('actor');
  const national = actor !== null && seesAllBranches(actor.role);
  const links: [string, string, boolean][] = [
    [PIPELINE_BASE, 'events.nav.feeds', national],
    [`${PIPELINE_BASE}/events`, 'events.nav.events', true],
    [`${PIPELINE_BASE}/dead-letters`, 'events.nav.dead_letters', national],
    [`${PIPELINE_BASE}/malware`, 'events.nav.malware', actor !== null && can(actor.role, 'directory.read')],
    ['/console/stats/botnets', 'events.nav.botnets', actor !== null && can(actor.role, 'stats.read')],
  ];
  return (
    <>
      <nav class="subnav" aria-label={t(c, 'events.nav.feeds')}>
        {links
          .filter(([, , show]) => show)
          .map(([href, key]) => (
            <>
              <a href={href} aria-current={href === props.current ? 'page' : undefined}>
                {t(c, key)}
              </a>{' '}
            </>
          ))}
      </nav>
      {/* The AS data (DB-IP, CC BY 4.0) asks for this link wherever its answers are shown (NOTICE). */}
      <p class="muted attribution">
        {t(c, 'events.attribution')} <a href="https://db-ip.com">IP Geolocation by DB-IP</a>
      </p>
    </>
  );
}

function errorPage(c: Ctx, title: string, e: DomainError) {
  return renderPage(c, {
    title,
    status: 400,
    body: (
      <div>
        <h1>{title}</h1>
        <div class="notice error" role="alert">
          <p>{e.message}</p>
          {e.fields.length > 0 ? (
            <ul>
              {e.fields.map((f) => (
                <li>
                  {f.field}: {f.message}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      </div>
    ),
  });
}

function side(s: StoredEvent['source']): string {
  const parts = [s.ip ?? s.fqdn ?? s.url ?? '', s.port !== null ? `:${s.port}` : ''].join('');
  const where = [s.asn !== null ? `AS${s.asn}` : '', s.cc ?? '', s.branch ?? '']
    .filter((x) => x !== '')
    .join(' ');
  return where ? `${parts} (${where})` : parts;
}

const SEARCH_FIELDS = [
  'ip',
  'cidr',
  'asn',
  'branch',
  'classification',
  'malware',
  'feed',
  'from',
  'to',
] as const;

function SearchForm(props: { c: Ctx; values: Record<string, string> }) {
  const { c, values } = props;
  return (
    <form method="get" action={`${PIPELINE_BASE}/events`} class="grid filters panel">
      {SEARCH_FIELDS.map((f) => (
        <label>
          {t(c, `events.search.${f}`)}{' '}
          <input
            type={f === 'from' || f === 'to' ? 'date' : 'text'}
            name={f}
            value={values[f] ?? ''}
            {...(f === 'classification' ? { list: 'event-classifications' } : {})}
          />
        </label>
      ))}
      <datalist id="event-classifications">
        {[
          'infected-system',
          'c2-server',
          'phishing',
          'malware-distribution',
          'scanner',
          'defacement',
          'spam',
        ].map((v) => (
          <option value={v} />
        ))}
      </datalist>
      <div>
        <button type="submit">{t(c, 'events.search.submit')}</button>
      </div>
    </form>
  );
}

function EventTable(props: { c: Ctx; items: StoredEvent[] }) {
  const { c } = props;
  return (
    <table class="data">
      <thead>
        <tr>
          {['id', 'time', 'classification', 'source', 'destination', 'malware', 'feed', 'count'].map((k) => (
            <th scope="col">{t(c, `events.col.${k}`)}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.items.map((e) => (
          <tr data-event={e.id}>
            <td>
              <a href={`${PIPELINE_BASE}/events/${e.id}`}>{e.id}</a>
            </td>
            <td class="mono">{e.timeSource}</td>
            <td>{[e.classificationTaxonomy, e.classificationType].filter(Boolean).join('/')}</td>
            <td class="mono">{side(e.source)}</td>
            <td class="mono">{side(e.destination)}</td>
            <td>{e.malwareName ?? ''}</td>
            <td>{e.feed}</td>
            <td class="num">{e.count}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function flatten(e: StoredEvent): [string, string][] {
  const rows: [string, string][] = [];
  const put = (k: string, v: unknown) => {
    if (v === null || v === undefined || v === '') return;
    rows.push([k, typeof v === 'object' ? JSON.stringify(v) : String(v)]);
  };
  put('feed.name', e.feed);
  put('raw_report', `${e.rawReportId} / line ${e.line}`);
  put('classification.taxonomy', e.classificationTaxonomy);
  put('classification.type', e.classificationType);
  put('classification.identifier', e.classificationIdentifier);
  put('time.source', e.timeSource);
  put('first_seen', e.firstSeen);
  put('last_seen', e.lastSeen);
  put('count', e.count);
  for (const [prefix, s] of [
    ['source', e.source],
    ['destination', e.destination],
  ] as const) {
    put(`${prefix}.ip`, s.ip);
    put(`${prefix}.port`, s.port);
    put(`${prefix}.asn`, s.asn);
    put(`${prefix}.as_name`, s.asName);
    put(`${prefix}.geolocation.cc`, s.cc);
    put(`${prefix}.geolocation.province`, s.province);
    put(`${prefix}.geolocation.city`, s.city);
    put(`${prefix}.branch`, s.branch);
    put(`${prefix}.fqdn`, s.fqdn);
    put(`${prefix}.url`, s.url);
    put(`${prefix}.org_id`, s.orgId);
  }
  put('malware.name', e.malwareName);
  put('malware.family', e.malwareFamily);
  put('protocol.transport', e.protocolTransport);
  put('protocol.application', e.protocolApplication);
  for (const [k, v] of Object.entries(e.fields)) put(k, v);
  for (const [k, v] of Object.entries(e.extra)) put(`extra.${k}`, v);
  return rows;
}

export function registerPipelinePages(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const svc = () => deps.services.events;

  app.get(PIPELINE_BASE, async (c) => {
    const actor = requireNational(c);
    const feeds = await svc().listFeeds(actor);
    return renderPage(c, {
      title: t(c, 'events.feeds.title'),
      body: (
        <div>
          <PipelineNav c={c} current={PIPELINE_BASE} />
          <h1>{t(c, 'events.feeds.title')}</h1>
          {feeds.length === 0 ? (
            <p class="muted">{t(c, 'events.feeds.empty')}</p>
          ) : (
            <table class="data">
              <thead>
                <tr>
                  {[
                    'feed',
                    'last_run',
                    'status',
                    'reports',
                    'events',
                    'errors',
                    'open_errors',
                    'last_report',
                  ].map((k) => (
                    <th scope="col">{t(c, `events.feeds.${k}`)}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {feeds.map((f) => (
                  <tr data-feed={f.feed}>
                    <th scope="row">
                      <a href={`${PIPELINE_BASE}/events?feed=${encodeURIComponent(f.feed)}`}>{f.feed}</a>
                    </th>
                    <td class="mono">{f.lastRunAt ?? '—'}</td>
                    <td title={f.lastError ?? ''}>{f.lastStatus || '—'}</td>
                    <td class="num">{f.reportsTotal}</td>
                    <td class="num">{f.eventsTotal}</td>
                    <td class="num">{f.errorsTotal}</td>
                    <td class="num">
                      {f.openDeadLetters > 0 ? (
                        <a href={`${PIPELINE_BASE}/dead-letters?feed=${encodeURIComponent(f.feed)}`}>
                          {f.openDeadLetters}
                        </a>
                      ) : (
                        0
                      )}
                    </td>
                    <td class="mono">
                      {f.lastReport
                        ? `#${f.lastReport.id} ${f.lastReport.receivedAt} ${f.lastReport.state}`
                        : '—'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      ),
    });
  });

  app.get(`${PIPELINE_BASE}/events`, async (c) => {
    const actor = requireEventReader(c);
    const input = Object.fromEntries(
      Object.entries(c.req.query()).filter(([k]) =>
        [...SEARCH_FIELDS, 'cursor', 'limit'].includes(k as never),
      ),
    );
    const title = t(c, 'events.search.title');
    try {
      const page = await svc().searchEvents(actor, input);
      const next = page.nextCursor
        ? `${PIPELINE_BASE}/events?${new URLSearchParams({ ...page.query, cursor: page.nextCursor }).toString()}`
        : null;
      return renderPage(c, {
        title,
        body: (
          <div>
            <PipelineNav c={c} current={`${PIPELINE_BASE}/events`} />
            <h1>{title}</h1>
            <SearchForm c={c} values={input as Record<string, string>} />
            {page.items.length === 0 ? (
              <p class="muted">{t(c, 'events.search.none')}</p>
            ) : (
              <EventTable c={c} items={page.items} />
            )}
            {next ? (
              <p>
                <a href={next} rel="next">
                  {t(c, 'events.search.next')}
                </a>
              </p>
            ) : null}
          </div>
        ),
      });
    } catch (e) {
      if (e instanceof DomainError && e.id === 'invalid_input') return errorPage(c, title, e);
      throw e;
    }
  });

  app.get(`${PIPELINE_BASE}/events/:id{[0-9]+}`, async (c) => {
    const actor = requireEventReader(c);
    const id = Number(c.req.param('id'));
    if (!Number.isSafeInteger(id)) throw notFound('event');
    const e = await svc().getEvent(actor, id);
    const title = t(c, 'events.detail.title', { id });
    return renderPage(c, {
      title,
      body: (
        <div>
          <PipelineNav c={c} current="" />
          <h1>{title}</h1>
          <table class="data">
            <thead>
              <tr>
                <th scope="col">{t(c, 'events.detail.field')}</th>
                <th scope="col">{t(c, 'events.detail.value')}</th>
              </tr>
            </thead>
            <tbody>
              {flatten(e).map(([k, v]) => (
                <tr>
                  <th scope="row" class="mono">
                    {k}
                  </th>
                  <td class="mono">{v}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ),
    });
  });

  app.get(`${PIPELINE_BASE}/dead-letters`, async (c) => {
    const actor = requireNational(c);
    const title = t(c, 'events.dead.title');
    const feed = c.req.query('feed') || undefined;
    try {
      const page = await svc().listDeadLetters(actor, {
        ...(feed ? { feed } : {}),
        ...(c.req.query('cursor') ? { cursor: c.req.query('cursor')! } : {}),
      });
      const next = page.nextCursor
        ? `${PIPELINE_BASE}/dead-letters?${new URLSearchParams({ ...(feed ? { feed } : {}), cursor: page.nextCursor }).toString()}`
        : null;
      return renderPage(c, {
        title,
        body: (
          <div>
            <PipelineNav c={c} current={`${PIPELINE_BASE}/dead-letters`} />
            <h1>{title}</h1>
            <p class="muted">{t(c, 'events.dead.retry_hint')}</p>
            {page.items.length === 0 ? (
              <p class="muted">{t(c, 'events.dead.none')}</p>
            ) : (
              <table class="data">
                <thead>
                  <tr>
                    {['feed', 'report', 'line', 'error', 'raw', 'attempts'].map((k) => (
                      <th scope="col">{t(c, k === 'feed' ? 'events.feeds.feed' : `events.dead.${k}`)}</th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((d) => (
                    <tr data-dead-letter={d.id}>
                      <td>{d.feed}</td>
                      <td class="num">{d.rawReportId}</td>
                      <td class="num">{d.line}</td>
                      <td>{d.error}</td>
                      <td class="mono">{d.raw.length > 300 ? `${d.raw.slice(0, 300)}…` : d.raw}</td>
                      <td class="num">{d.attempts}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {next ? (
              <p>
                <a href={next} rel="next">
                  {t(c, 'events.search.next')}
                </a>
              </p>
            ) : null}
          </div>
        ),
      });
    } catch (e) {
      if (e instanceof DomainError && e.id === 'invalid_input') return errorPage(c, title, e);
      throw e;
    }
  });
}
