import { timingSafeEqual } from 'node:crypto';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Actor } from '../../core/auth/actor.ts';
import { parseBearer } from '../../core/auth/token.ts';
import { DomainError } from '../../core/shared/errors.ts';
import { isLang } from '../../i18n/index.ts';
import type { AppDeps } from '../context.ts';
import type { AppEnv } from '../context.ts';
import { errorBody } from '../errors.ts';
import { consoleErrorPages } from '../console/error-pages.tsx';

export const SESSION_COOKIE = 'certops_session';
export const LANG_COOKIE = 'lang';
export const CSRF_HEADER = 'x-csrf-token';
export const CSRF_FIELD = '_csrf';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Signing in needs no CSRF token (there is no session yet, or it is being replaced). */
const CSRF_EXEMPT = new Set(['POST /api/v1/session', 'POST /console/login']);
/** Console paths a user holding a one-time password may reach. */
const MUST_CHANGE_ALLOWED = new Set(['/console/me/password', '/console/logout', '/console/login']);

/**
 * The client address: the socket's peer (@hono/node-server puts the Node request in c.env).
 * X-Forwarded-For is not trusted: behind a proxy, all clients share the proxy's address for
 * rate limiting, which errs on the safe side.
 */
export function clientIp(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? '';
}

/** The signed-in actor, or DomainError `unauthorized` (API: 401 JSON; console: redirect to the login page). */
export function requireActor(c: Context<AppEnv>): Actor {
  const actor = c.get('actor');
  if (!actor)
    throw new DomainError('unauthorized', 'sign in or send an API token (Authorization: Bearer cto_…)');
  return actor;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const FORM_TYPE = /^(application\/x-www-form-urlencoded|multipart\/form-data)/i;

/** Reads the CSRF token a request sent: the X-CSRF-Token header, or the `_csrf` field of a form. */
async function sentCsrfToken(c: Context<AppEnv>): Promise<string | null> {
  const header = c.req.header(CSRF_HEADER);
  if (header) return header;
  if (FORM_TYPE.test(c.req.header('content-type') ?? '')) {
    const body = await c.req.parseBody();
    const v = body[CSRF_FIELD];
    return typeof v === 'string' ? v : null;
  }
  return null;
}

/**
 * The `_csrf` field of a form, read from a copy of the body so that the body-limit middleware
 * and the handler still get the original stream. Reads at most `maxSize` bytes (a larger body is
 * refused later by the body limit; here it simply has no token).
 */
async function peekFormCsrfToken(c: Context<AppEnv>, maxSize: number): Promise<string | null> {
  const raw = c.req.raw;
  const type = raw.headers.get('content-type') ?? '';
  if (!raw.body || !FORM_TYPE.test(type)) return null;
  const declared = Number(raw.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxSize) return null;
  const reader = raw.clone().body!.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxSize) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  try {
    const form = await new Response(Buffer.concat(chunks), { headers: { 'content-type': type } }).formData();
    const v = form.get(CSRF_FIELD);
    return typeof v === 'string' ? v : null;
  } catch {
    return null;
  }
}

/**
 * For console form POSTs (and cookie-authenticated API writes): the `_csrf` field or the
 * X-CSRF-Token header must equal the session's token, else DomainError `forbidden` (a 403 page
 * in the console). Requests authenticated by an API token carry no ambient credential and pass.
 * The auth middleware already applies this to every unsafe request under /console and /api;
 * calling it again is harmless.
 */
export async function requireCsrf(c: Context<AppEnv>): Promise<void> {
  const expected = c.get('csrfToken');
  if (expected === null) {
    if (c.get('actor')?.kind === 'token') return;
    throw new DomainError('forbidden', 'CSRF token missing: reload the page and try again');
  }
  const sent = await sentCsrfToken(c);
  if (!sent || !sameSecret(sent, expected))
    throw new DomainError('forbidden', 'CSRF token missing or wrong: reload the page and try again');
}

export function setSessionCookie(c: Context<AppEnv>, deps: AppDeps, value: string, expiresAt: string): void {
  setCookie(c, SESSION_COOKIE, value, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: deps.config.http.secureCookies,
    path: '/',
    expires: new Date(expiresAt),
  });
}

export function clearSessionCookie(c: Context<AppEnv>, deps: AppDeps): void {
  deleteCookie(c, SESSION_COOKIE, {
    path: '/',
    httpOnly: true,
    sameSite: 'Lax',
    secure: deps.config.http.secureCookies,
  });
}

/** The session cookie's value as the browser sent it (null when absent). */
export function sessionCookieOf(c: Context<AppEnv>): string | null {
  return getCookie(c, SESSION_COOKIE) ?? null;
}

/**
 * Sets c.var.actor from `Authorization: Bearer cto_…` or the session cookie (and c.var.csrfToken
 * for sessions), the language from the user's setting unless `?lang=` or the `lang` cookie says
 * otherwise (`?lang=` is remembered in the cookie), and refuses unsafe cookie-authenticated
 * requests under /console and /api without the session's CSRF token.
 */
export function createAuthMiddleware(deps: AppDeps): MiddlewareHandler<AppEnv> {
  const { services, config } = deps;
  return async (c, next) => {
    const ip = clientIp(c);
    const path = c.req.path;
    const authorization = c.req.header('authorization');
    let fromSession = false;
    if (authorization !== undefined) {
      const token = parseBearer(authorization);
      const actor = token ? await services.auth.resolveToken(token, ip) : null;
      if (!actor && path.startsWith('/api/')) {
        return c.json(
          errorBody('unauthorized', 'the API token is malformed, unknown, expired or revoked'),
          401,
          { 'www-authenticate': 'Bearer' },
        );
      }
      c.set('actor', actor);
    } else if (!path.startsWith('/console/static/')) {
      const cookie = sessionCookieOf(c);
      if (cookie) {
        const session = await services.auth.resolveSession(cookie, ip);
        if (session) {
          fromSession = true;
          c.set('actor', session.actor);
          c.set('csrfToken', session.csrfToken);
          const q = c.req.query('lang');
          const cookieLang = getCookie(c, LANG_COOKIE);
          if (!isLang(q) && !isLang(cookieLang)) c.set('lang', session.user.language);
          // A one-time password must be replaced before the console can be used.
          if (
            session.user.mustChangePassword &&
            path.startsWith('/console') &&
            !MUST_CHANGE_ALLOWED.has(path)
          )
            return c.redirect('/console/me/password', 303);
        }
      }
    }

    const q = c.req.query('lang');
    if (isLang(q) && getCookie(c, LANG_COOKIE) !== q) {
      setCookie(c, LANG_COOKIE, q, {
        path: '/',
        sameSite: 'Lax',
        httpOnly: true,
        secure: config.http.secureCookies,
        maxAge: 365 * 86_400,
      });
    }

    if (
      fromSession &&
      UNSAFE.has(c.req.method) &&
      (path.startsWith('/api/') || path.startsWith('/console/')) &&
      !CSRF_EXEMPT.has(`${c.req.method} ${path}`)
    ) {
      const expected = c.get('csrfToken')!;
      const sent =
        c.req.header(CSRF_HEADER) ??
        (await peekFormCsrfToken(c, Math.max(config.http.bodyLimit, config.http.uploadLimit)));
      if (!sent || !sameSecret(sent, expected))
        throw new DomainError('forbidden', 'CSRF token missing or wrong: reload the page and try again');
    }
    await next();
  };
}

/** Registers the console error pages and the auth middleware (src/http/app.ts calls this once). */
export function registerAuthMiddleware(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  app.use('/console/*', consoleErrorPages());
  app.use('*', createAuthMiddleware(deps));
}
