import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { DomainError } from '../../../core/shared/errors.ts';
import type { AppDeps } from '../../context.ts';
import {
  clearSessionCookie,
  clientIp,
  requireActor,
  sessionCookieOf,
  setSessionCookie,
} from '../../auth/auth.middleware.ts';
import type { AppEnv } from '../../context.ts';
import { csrfField, renderPage, t } from '../layout.tsx';
import { pickSafeNext, readForm } from './forms.ts';
import { translateIssue } from './issues.ts';

function renderLogin(
  c: Context<AppEnv>,
  opts: { username?: string; next?: string; errorKey?: string; status?: ContentfulStatusCode } = {},
) {
  return renderPage(c, {
    title: t(c, 'auth.login.title'),
    status: opts.status ?? 200,
    body: (
      <section class="panel narrow">
        <h1>{t(c, 'auth.login.title')}</h1>
        {opts.errorKey ? (
          <p class="notice error" role="alert">
            {t(c, opts.errorKey)}
          </p>
        ) : null}
        <form method="post" action="/console/login" class="stack">
          <input type="hidden" name="next" value={opts.next ?? ''} />
          <label>
            {t(c, 'auth.field.username')}
            <input
              name="username"
              value={opts.username ?? ''}
              autocomplete="username"
              required
              autofocus
              maxlength={64}
            />
          </label>
          <label>
            {t(c, 'auth.field.password')}
            <input type="password" name="password" autocomplete="current-password" required maxlength={256} />
          </label>
          <button type="submit">{t(c, 'nav.login')}</button>
        </form>
      </section>
    ),
  });
}

function renderPasswordForm(
  c: Context<AppEnv>,
  opts: { errors?: string[]; done?: boolean; forced?: boolean; status?: ContentfulStatusCode } = {},
) {
  return renderPage(c, {
    title: t(c, 'auth.password.title'),
    status: opts.status ?? 200,
    body: (
      <section class="panel narrow">
        <h1>{t(c, 'auth.password.title')}</h1>
        {opts.forced ? <p class="notice">{t(c, 'auth.password.must_change')}</p> : null}
        {opts.done ? <p class="notice ok">{t(c, 'auth.password.changed')}</p> : null}
        {opts.errors?.length ? (
          <div class="notice error" role="alert">
            {opts.errors.map((e) => (
              <div>{e}</div>
            ))}
          </div>
        ) : null}
        <form method="post" action="/console/me/password" class="stack">
          {csrfField(c)}
          <label>
            {t(c, 'auth.password.current')}
            <input type="password" name="currentPassword" autocomplete="current-password" required />
          </label>
          <label>
            {t(c, 'auth.password.new')}
            <input type="password" name="newPassword" autocomplete="new-password" required minlength={12} />
          </label>
          <label>
            {t(c, 'auth.password.confirm')}
            <input
              type="password"
              name="confirmPassword"
              autocomplete="new-password"
              required
              minlength={12}
            />
          </label>
          <p class="muted">{t(c, 'auth.password.policy')}</p>
          <button type="submit">{t(c, 'common.save')}</button>
        </form>
      </section>
    ),
  });
}

/** /console/login, /console/logout, /console/me/password. */
export function registerSessionPages(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const { services } = deps;

  app.get('/console', (c) => c.redirect(c.get('actor') ? '/console/incidents' : '/console/login', 303));

  app.get('/console/login', (c) => {
    const next = c.req.query('next');
    if (c.get('actor')) return c.redirect(pickSafeNext(next), 303);
    return renderLogin(c, { next: next ?? '' });
  });

  app.post('/console/login', async (c) => {
    const form = await readForm(c);
    const username = (form.username ?? '').trim();
    const next = form.next ?? '';
    if (!username || !form.password)
      return renderLogin(c, { username, next, errorKey: 'auth.login.missing', status: 400 });
    try {
      const s = await services.auth.login(username, form.password, clientIp(c));
      setSessionCookie(c, deps, s.cookieValue, s.expiresAt);
      return c.redirect(s.user.mustChangePassword ? '/console/me/password' : pickSafeNext(next), 303);
    } catch (e) {
      if (e instanceof DomainError && e.id === 'rate_limited')
        return renderLogin(c, { username, next, errorKey: 'auth.login.rate_limited', status: 429 });
      if (e instanceof DomainError && e.id === 'unauthorized')
        return renderLogin(c, { username, next, errorKey: 'auth.login.failed', status: 401 });
      throw e;
    }
  });

  app.post('/console/logout', async (c) => {
    const cookie = sessionCookieOf(c);
    if (cookie) await services.auth.logout(cookie, clientIp(c));
    clearSessionCookie(c, deps);
    return c.redirect('/console/login', 303);
  });

  app.get('/console/me/password', async (c) => {
    const actor = requireActor(c);
    if (actor.kind !== 'user') throw new DomainError('not_found', 'page not found');
    const cookie = sessionCookieOf(c);
    const session = cookie ? await services.auth.resolveSession(cookie, actor.ip) : null;
    return renderPasswordForm(c, { forced: session?.user.mustChangePassword === true });
  });

  app.post('/console/me/password', async (c) => {
    const actor = requireActor(c);
    if (actor.kind !== 'user') throw new DomainError('not_found', 'page not found');
    const form = await readForm(c);
    if ((form.newPassword ?? '') !== (form.confirmPassword ?? ''))
      return renderPasswordForm(c, { errors: [t(c, 'auth.password.mismatch')], status: 400 });
    try {
      await services.auth.changeOwnPassword(
        actor,
        form.currentPassword ?? '',
        form.newPassword ?? '',
        sessionCookieOf(c) ?? undefined,
      );
    } catch (e) {
      if (e instanceof DomainError && (e.id === 'invalid_input' || e.id === 'rate_limited'))
        return renderPasswordForm(c, {
          errors: e.fields.length ? e.fields.map((f) => translateIssue(c, f)) : [t(c, 'error.rate_limited')],
          status: e.id === 'rate_limited' ? 429 : 400,
        });
      throw e;
    }
    return renderPasswordForm(c, { done: true });
  });
}
