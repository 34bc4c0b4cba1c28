import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Actor } from '../../../core/auth/actor.ts';
import { ROLES, type Role } from '../../../core/auth/roles.ts';
import { mayGrant } from '../../../core/auth/token.ts';
import { DomainError, notFound } from '../../../core/shared/errors.ts';
import type { AppDeps } from '../../context.ts';
import { requireActor } from '../../auth/auth.middleware.ts';
import type { AppEnv } from '../../context.ts';
import { csrfField, renderPage, t } from '../layout.tsx';
import { readForm } from './forms.ts';
import { translateIssue } from './issues.ts';

interface TokensPageState {
  created?: { name: string; token: string };
  errors?: string[];
  form?: Record<string, string>;
  status?: ContentfulStatusCode;
}

/** Roles this actor may put on a token of their own (a branch-scoped role keeps its branch). */
function grantableRoles(actor: Actor): Role[] {
  return ROLES.filter((role) =>
    mayGrant(actor, {
      role,
      branchCode: role === 'branch_handler' ? (actor.branchCode ?? 'CN-NATIONAL') : null,
    }),
  );
}

async function renderTokens(c: Context<AppEnv>, deps: AppDeps, actor: Actor, state: TokensPageState = {}) {
  const tokens = await deps.services.auth.listTokens(actor, { includeRevoked: true });
  const form = state.form ?? {};
  const roles = grantableRoles(actor);
  return renderPage(c, {
    title: t(c, 'auth.tokens.title'),
    status: state.status ?? 200,
    body: (
      <>
        <h1>{t(c, 'auth.tokens.title')}</h1>
        <p>
          <a href="/console/me/password">{t(c, 'auth.password.title')}</a>
        </p>
        {state.created ? (
          <div class="notice secret" role="status">
            <p>{t(c, 'auth.tokens.created', { name: state.created.name })}</p>
            <p class="secret-value">{state.created.token}</p>
          </div>
        ) : null}
        {state.errors?.length ? (
          <div class="notice error" role="alert">
            {state.errors.map((e) => (
              <div>{e}</div>
            ))}
          </div>
        ) : null}
        {tokens.length === 0 ? (
          <p class="muted">{t(c, 'auth.tokens.none')}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>{t(c, 'auth.field.name')}</th>
                <th>{t(c, 'auth.tokens.prefix')}</th>
                <th>{t(c, 'auth.field.role')}</th>
                <th>{t(c, 'auth.field.branchCode')}</th>
                <th>{t(c, 'auth.tokens.created_at')}</th>
                <th>{t(c, 'auth.tokens.expires_at')}</th>
                <th>{t(c, 'auth.tokens.last_used')}</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((tk) => (
                <tr class={tk.revokedAt ? 'disabled' : undefined}>
                  <td>{tk.name}</td>
                  <td class="mono">{`${tk.prefix}…`}</td>
                  <td>{t(c, `auth.role.${tk.role}`)}</td>
                  <td>{tk.branchCode ?? ''}</td>
                  <td>{tk.createdAt}</td>
                  <td>{tk.expiresAt ?? t(c, 'auth.tokens.never')}</td>
                  <td>{tk.lastUsedAt ?? '—'}</td>
                  <td>
                    {tk.revokedAt ? (
                      <span class="badge off">{t(c, 'auth.tokens.revoked')}</span>
                    ) : (
                      <form method="post" action={`/console/me/tokens/${tk.id}/revoke`} class="inline">
                        {csrfField(c)}
                        <button type="submit" class="danger">
                          {t(c, 'auth.tokens.revoke')}
                        </button>
                      </form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {actor.kind === 'user' ? (
          <section class="panel">
            <h2>{t(c, 'auth.tokens.new')}</h2>
            <form method="post" action="/console/me/tokens" class="grid">
              {csrfField(c)}
              <label>
                {t(c, 'auth.field.name')}
                <input name="name" value={form.name ?? ''} required maxlength={100} />
              </label>
              <label>
                {t(c, 'auth.field.role')}
                <select name="role">
                  {roles.map((r) => (
                    <option value={r} selected={(form.role ?? actor.role) === r}>
                      {t(c, `auth.role.${r}`)}
                    </option>
                  ))}
                </select>
              </label>
              {actor.role === 'branch_handler' ? null : (
                <label>
                  {t(c, 'auth.field.branchCode')}
                  <input name="branchCode" value={form.branchCode ?? ''} placeholder="CN-XJ" maxlength={16} />
                </label>
              )}
              <label>
                {t(c, 'auth.field.expiresInDays')}
                <input
                  type="number"
                  name="expiresInDays"
                  value={form.expiresInDays ?? '90'}
                  min={1}
                  max={3650}
                />
              </label>
              <div>
                <button type="submit">{t(c, 'auth.tokens.create')}</button>
              </div>
            </form>
          </section>
        ) : null}
      </>
    ),
  });
}

/** /console/me/tokens: the signed-in user's API tokens. */
export function registerTokenPages(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const { services } = deps;

  app.get('/console/me/tokens', async (c) => renderTokens(c, deps, requireActor(c)));

  app.post('/console/me/tokens', async (c) => {
    const actor = requireActor(c);
    const form = await readForm(c);
    const days = (form.expiresInDays ?? '').trim();
    try {
      const { token, record } = await services.auth.createToken(actor, {
        name: form.name ?? '',
        ...(form.role ? { role: form.role as Role } : {}),
        ...(form.branchCode ? { branchCode: form.branchCode.trim().toUpperCase() } : {}),
        ...(days ? { expiresInDays: Number(days) } : {}),
      });
      return renderTokens(c, deps, actor, { created: { name: record.name, token } });
    } catch (e) {
      if (e instanceof DomainError && (e.id === 'invalid_input' || e.id === 'forbidden')) {
        const { _csrf: _c, ...keep } = form;
        return renderTokens(c, deps, actor, {
          errors: e.fields.length ? e.fields.map((f) => translateIssue(c, f)) : [e.message],
          form: keep,
          status: e.id === 'forbidden' ? 403 : 400,
        });
      }
      throw e;
    }
  });

  app.post('/console/me/tokens/:id/revoke', async (c) => {
    const actor = requireActor(c);
    const raw = c.req.param('id');
    if (!/^\d{1,15}$/.test(raw)) throw notFound('token');
    await services.auth.revokeToken(actor, Number(raw));
    return c.redirect('/console/me/tokens', 303);
  });
}
