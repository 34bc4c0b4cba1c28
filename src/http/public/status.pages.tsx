import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Config } from '../../config/config.ts';
import type { ReportStatus } from '../../core/incidents/incident.ts';
import { DomainError } from '../../core/shared/errors.ts';
import type { AppServices } from '../../services/index.ts';
import type { AppEnv } from '../context.ts';
import { renderPublicNotFound } from './error-pages.tsx';
import { formatInstant, renderPublicPage, t } from './layout.tsx';

/** What the public is told about a report, in plain words. */
export type PublicState = 'received' | 'handling' | 'resolved' | 'rejected';

/** Incident states → the four words the public sees (triage, assignment and work are all "being handled"). */
export function describeReportState(state: ReportStatus['state']): PublicState {
  switch (state) {
    case 'received':
    case 'new':
      return 'received';
    case 'resolved':
      return 'resolved';
    case 'rejected':
      return 'rejected';
    default:
      return 'handling';
  }
}

/** `/status` (type a tracking number and key) and `/status/{tracking}?s={secret}`. */
export function registerStatusPages(
  app: OpenAPIHono<AppEnv>,
  deps: { config: Config; services: AppServices },
): void {
  const { config, services } = deps;
  const { site } = config;

  function renderLookup(
    c: Context<AppEnv>,
    opts: {
      tracking?: string;
      errors?: { tracking?: string; secret?: string };
      status?: ContentfulStatusCode;
    } = {},
  ) {
    const errors = opts.errors ?? {};
    return renderPublicPage(c, site, {
      title: t(c, 'public.status.form_title'),
      status: opts.status ?? 200,
      noStore: true,
      body: (
        <section class="panel">
          <h1>{t(c, 'public.status.form_title')}</h1>
          <p class="muted">{t(c, 'public.status.form_intro')}</p>
          {errors.tracking || errors.secret ? (
            <div class="notice error" role="alert">
              <ul>
                {errors.tracking ? <li>{errors.tracking}</li> : null}
                {errors.secret ? <li>{errors.secret}</li> : null}
              </ul>
            </div>
          ) : null}
          <form method="get" action="/status" class="stack">
            <div class={errors.tracking ? 'field invalid' : 'field'}>
              <label for="f-n">{t(c, 'public.status.field.tracking')}</label>
              <input
                id="f-n"
                type="text"
                name="n"
                value={opts.tracking ?? ''}
                required
                maxlength={40}
                autocomplete="off"
                spellcheck={false}
                placeholder="2007-XXXXX-XXXXX"
              />
            </div>
            <div class={errors.secret ? 'field invalid' : 'field'}>
              <label for="f-s">{t(c, 'public.status.field.secret')}</label>
              <input
                id="f-s"
                type="text"
                name="s"
                value=""
                required
                maxlength={200}
                autocomplete="off"
                spellcheck={false}
              />
            </div>
            <button type="submit">{t(c, 'public.status.submit')}</button>
          </form>
        </section>
      ),
    });
  }

  app.get('/status', (c) => {
    const n = c.req.query('n');
    const s = c.req.query('s');
    if (n === undefined && s === undefined) return renderLookup(c);
    const tracking = (n ?? '').trim();
    const secret = (s ?? '').trim();
    if (tracking === '' || secret === '') {
      return renderLookup(c, {
        tracking,
        status: 400,
        errors: {
          ...(tracking === '' ? { tracking: t(c, 'public.status.error.tracking') } : {}),
          ...(secret === '' ? { secret: t(c, 'public.status.error.secret') } : {}),
        },
      });
    }
    return c.redirect(`/status/${encodeURIComponent(tracking)}?s=${encodeURIComponent(secret)}`, 303);
  });

  app.get('/status/:tracking', async (c) => {
    let status: ReportStatus;
    try {
      status = await services.incidents.getReportStatus(c.req.param('tracking'), c.req.query('s') ?? '');
    } catch (e) {
      if (e instanceof DomainError && e.id === 'not_found') return renderPublicNotFound(c, site);
      throw e;
    }
    const word = describeReportState(status.state);
    return renderPublicPage(c, site, {
      title: t(c, 'public.status.title'),
      noStore: true,
      body: (
        <section class="panel">
          <h1>{t(c, 'public.status.title')}</h1>
          <p>
            {t(c, 'public.ack.tracking')}: <span class="tracking-number">{status.trackingNumber}</span>
          </p>
          <dl class="contacts">
            <dt>{t(c, 'public.status.state')}</dt>
            <dd>
              <span class="state" id="report-state" data-state={word}>
                {t(c, `public.status.state.${word}`)}
              </span>
            </dd>
            <dt>{t(c, 'public.status.category')}</dt>
            <dd id="report-category">{t(c, `category.${status.category}`)}</dd>
            <dt>{t(c, 'public.status.updated')}</dt>
            <dd>
              <time datetime={status.updatedAt}>{formatInstant(status.updatedAt, config.timeZone)}</time>{' '}
              <span class="muted">({config.timeZone})</span>
            </dd>
          </dl>
          <p>{t(c, `public.status.explain.${word}`)}</p>
        </section>
      ),
    });
  });
}
