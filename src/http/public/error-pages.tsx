import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Config } from '../../config/config.ts';
import type { AppEnv } from '../context.ts';
import { formatBytes, renderPublicPage, t } from './layout.tsx';

type Site = Config['site'];

function errorBody(c: Context<AppEnv>, title: string, text: string) {
  return (
    <section class="panel error-page">
      <h1>{title}</h1>
      <p>{text}</p>
      <p>
        <a href="/">{t(c, 'public.error.back')}</a>
      </p>
    </section>
  );
}

/**
 * The one 404 page of the public site: an unknown page, an unknown tracking number and a wrong
 * status secret all look exactly alike (same status, same body), so nothing can be learned from it.
 */
export function renderPublicNotFound(c: Context<AppEnv>, site: Site): Promise<Response> {
  return renderPublicPage(c, site, {
    title: t(c, 'public.error.not_found_title'),
    status: 404,
    noStore: true,
    // The same page whatever was asked: nothing of the URL (a tracking number, a secret) is echoed.
    langSwitchPath: '/',
    body: errorBody(c, t(c, 'public.error.not_found_title'), t(c, 'public.error.not_found')),
  });
}

/** 413: the attachment (or the whole submission) is over config.http.uploadLimit. */
export function renderPublicTooLarge(c: Context<AppEnv>, site: Site, limitBytes: number): Promise<Response> {
  return renderPublicPage(c, site, {
    title: t(c, 'public.error.too_large_title'),
    status: 413,
    body: errorBody(
      c,
      t(c, 'public.error.too_large_title'),
      t(c, 'public.error.too_large', { size: formatBytes(limitBytes) }),
    ),
  });
}

/** 429 with Retry-After: too many reports from one address in the window. */
export function renderPublicRateLimited(
  c: Context<AppEnv>,
  site: Site,
  retryAfterSeconds: number,
): Promise<Response> {
  return renderPublicPage(c, site, {
    title: t(c, 'public.error.rate_limited_title'),
    status: 429,
    headers: { 'retry-after': String(retryAfterSeconds) },
    body: errorBody(
      c,
      t(c, 'public.error.rate_limited_title'),
      t(c, 'public.error.rate_limited', { minutes: Math.max(1, Math.ceil(retryAfterSeconds / 60)) }),
    ),
  });
}

/**
 * For the app-wide body limit (src/http/app.ts), which refuses an over-size body before any route
 * runs: the public 413 page for public paths, null for the API and the console (their JSON stays).
 */
export function renderPublicBodyTooLarge(
  c: Context<AppEnv>,
  config: Pick<Config, 'site' | 'http'>,
): Promise<Response> | null {
  if (NOT_PUBLIC.test(c.req.path)) return null;
  return renderPublicTooLarge(c, config.site, config.http.uploadLimit);
}

/** Paths that belong to other parts of the app, whose 404s stay as they are (JSON for the API). */
const NOT_PUBLIC = /^\/(api|console)(\/|$)|^\/(healthz|readyz)$/;

/**
 * Unknown pages of the public site get the public 404 page (the app's default answer is the
 * API's JSON). Only GET/HEAD requests for paths outside /api and /console.
 */
export function registerPublicNotFound(app: OpenAPIHono<AppEnv>, site: Site): void {
  app.use('*', async (c, next) => {
    await next();
    if (
      c.res.status === 404 &&
      (c.req.method === 'GET' || c.req.method === 'HEAD') &&
      !NOT_PUBLIC.test(c.req.path) &&
      (c.res.headers.get('content-type') ?? '').startsWith('application/json')
    ) {
      c.res = await renderPublicNotFound(c, site);
    }
  });
}
