import type { Context, MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { DomainError } from '../../core/shared/errors.ts';
import type { AppEnv } from '../context.ts';
import { statusOf } from '../errors.ts';
import { renderPage, t } from './layout.tsx';

/** Where an unauthenticated console request is sent: the login page, back here afterwards (GET only). */
export function buildLoginRedirect(c: Context<AppEnv>): string {
  if (c.req.method !== 'GET') return '/console/login';
  const url = new URL(c.req.url);
  return `/console/login?next=${encodeURIComponent(url.pathname + url.search)}`;
}

async function renderErrorPage(
  c: Context<AppEnv>,
  status: ContentfulStatusCode,
  messageKey: string,
  detail?: string,
): Promise<Response> {
  return renderPage(c, {
    title: t(c, messageKey),
    status,
    body: (
      <section class="error-page">
        <h1>
          {status} · {t(c, messageKey)}
        </h1>
        {detail ? <p>{detail}</p> : null}
        <p>
          <a href="/console/incidents">{t(c, 'auth.error.home')}</a>
        </p>
      </section>
    ),
  });
}

/**
 * Turns errors thrown by console handlers into pages: `unauthorized` → redirect to the login
 * page (htmx: HX-Redirect), CSRF failures and `forbidden` → 403 page, `not_found` → 404 page,
 * other DomainErrors → their status with the message, anything else → 500 page; unmatched
 * /console paths → 404 page instead of the API's JSON.
 */
export function consoleErrorPages(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const err = c.error;
    if (err instanceof DomainError) {
      if (err.id === 'unauthorized') {
        const to = buildLoginRedirect(c);
        if (c.req.header('hx-request')) {
          c.res = new Response(null, { status: 401, headers: { 'HX-Redirect': to } });
        } else {
          c.res = c.redirect(to, 303);
        }
        return;
      }
      const key = err.id === 'forbidden' && /csrf/i.test(err.message) ? 'error.csrf' : `error.${err.id}`;
      const detail = err.id === 'not_found' || err.id === 'forbidden' ? undefined : err.message;
      c.res = await renderErrorPage(c, statusOf(err.id), key, detail);
      return;
    }
    if (err) {
      c.res = await renderErrorPage(c, 500, 'error.internal');
      return;
    }
    if (
      c.res.status === 404 &&
      (c.res.headers.get('content-type') ?? '').startsWith('application/json') &&
      c.req.method === 'GET'
    ) {
      c.res = await renderErrorPage(c, 404, 'error.not_found');
    }
  };
}
