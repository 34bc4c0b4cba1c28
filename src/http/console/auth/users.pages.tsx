import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Actor } from '../../../core/auth/actor.ts';
import { ROLES, type Role } from '../../../core/auth/roles.ts';
import { DomainError, notFound } from '../../../core/shared/errors.ts';
import type { UserRecord } from '../../../services/ports.ts';
import type { AppDeps } from '../../context.ts';
import { requireActor } from '../../auth/auth.middleware.ts';
import type { AppEnv } from '../../context.ts';
import { csrfField, renderPage, t } from '../layout.tsx';
import { readForm } from './forms.ts';
import { translateIssue } from './issues.ts';

/**
 * Only user managers see these pages; everyone else gets the 404 page (the page does not exist
 * for them). The service refuses and audits the denial; here it becomes a 404.
 */
async function hideForbidden(work: () => Promise<Response>): Promise<Response> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof DomainError && e.id === 'forbidden') throw notFound('page');
    throw e;
  }
}

interface UsersPageState {
  errors?: string[];
  created?: { username: string; oneTimePassword: string | null };
  form?: Record<string, string>;
  status?: ContentfulStatusCode;
}

async function renderUsers(c: Context<AppEnv>, deps: AppDeps, actor: Actor, state: UsersPageState = {}) {
  const [users, branches] = await Promise.all([
    deps.services.auth.listUsers(actor, { includeDisabled: true }),
    deps.services.auth.listBranchOptions(actor),
  ]);
  const lang = c.get('lang');
  const form = state.form ?? {};
  const branchName = (code: string | null) => {
    if (!code) return '';
    const b = branches.find((x) => x.code === code);
    return b ? `${lang === 'en' ? b.nameEn : b.nameZh} (${code})` : code;
  };
  return renderPage(c, {
    title: t(c, 'auth.users.title'),
    status: state.status ?? 200,
    body: (
      <>
        <h1>{t(c, 'auth.users.title')}</h1>
        {state.created ? (
          <div class="notice secret" role="status">
            <p>{t(c, 'auth.users.created', { username: state.created.username })}</p>
            {state.created.oneTimePassword ? (
              <>
                <p>{t(c, 'auth.users.one_time_password')}</p>
                <p class="secret-value">{state.created.oneTimePassword}</p>
              </>
            ) : null}
          </div>
        ) : null}
        {state.errors?.length ? (
          <div class="notice error" role="alert">
            {state.errors.map((e) => (
              <div>{e}</div>
            ))}
          </div>
        ) : null}
        <table>
          <thead>
            <tr>
              <th>{t(c, 'auth.field.username')}</th>
              <th>{t(c, 'auth.field.displayName')}</th>
              <th>{t(c, 'auth.field.role')}</th>
              <th>{t(c, 'auth.field.branchCode')}</th>
              <th>{t(c, 'auth.field.language')}</th>
              <th>{t(c, 'auth.users.last_login')}</th>
              <th>{t(c, 'auth.users.status')}</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {users.map((u: UserRecord) => (
              <tr class={u.disabled ? 'disabled' : undefined}>
                <td class="mono">{u.username}</td>
                <td>{u.displayName}</td>
                <td>{t(c, `auth.role.${u.role}`)}</td>
                <td>{branchName(u.branchCode)}</td>
                <td>{u.language}</td>
                <td>{u.lastLoginAt ?? '—'}</td>
                <td>
                  {u.disabled ? (
                    <span class="badge off">{t(c, 'auth.users.disabled')}</span>
                  ) : (
                    <span class="badge">{t(c, 'auth.users.enabled')}</span>
                  )}
                </td>
                <td>
                  {u.id === actor.userId ? null : (
                    <form
                      method="post"
                      action={`/console/users/${u.id}/${u.disabled ? 'enable' : 'disable'}`}
                      class="inline"
                    >
                      {csrfField(c)}
                      <button type="submit" class={u.disabled ? 'secondary' : 'danger'}>
                        {t(c, u.disabled ? 'auth.users.enable' : 'auth.users.disable')}
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>

        <section class="panel">
          <h2>{t(c, 'auth.users.new')}</h2>
          <form method="post" action="/console/users" class="grid">
            {csrfField(c)}
            <label>
              {t(c, 'auth.field.username')}
              <input name="username" value={form.username ?? ''} required maxlength={64} />
            </label>
            <label>
              {t(c, 'auth.field.displayName')}
              <input name="displayName" value={form.displayName ?? ''} maxlength={200} />
            </label>
            <label>
              {t(c, 'auth.field.email')}
              <input type="email" name="email" value={form.email ?? ''} maxlength={254} />
            </label>
            <label>
              {t(c, 'auth.field.role')}
              <select name="role" required>
                {ROLES.map((r) => (
                  <option value={r} selected={form.role === r}>
                    {t(c, `auth.role.${r}`)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t(c, 'auth.field.branchCode')}
              <select name="branchCode">
                <option value="">{t(c, 'auth.users.no_branch')}</option>
                {branches.map((b) => (
                  <option value={b.code} selected={form.branchCode === b.code}>
                    {`${lang === 'en' ? b.nameEn : b.nameZh} (${b.code})`}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t(c, 'auth.field.language')}
              <select name="language">
                <option value="zh-CN" selected={form.language !== 'en'}>
                  中文
                </option>
                <option value="en" selected={form.language === 'en'}>
                  English
                </option>
              </select>
            </label>
            <label>
              {t(c, 'auth.field.password')}
              <input type="password" name="password" autocomplete="new-password" minlength={12} />
              <span class="muted">{t(c, 'auth.users.password_hint')}</span>
            </label>
            <div>
              <button type="submit">{t(c, 'auth.users.create')}</button>
            </div>
          </form>
        </section>
      </>
    ),
  });
}

function parseId(raw: string): number {
  if (!/^\d{1,15}$/.test(raw)) throw notFound('user');
  return Number(raw);
}

/** /console/users: list, create, disable, enable (admins). */
export function registerUserPages(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const { services } = deps;

  app.get('/console/users', (c) => hideForbidden(() => renderUsers(c, deps, requireActor(c))));

  app.post('/console/users', (c) =>
    hideForbidden(async () => {
      const actor = requireActor(c);
      const form = await readForm(c);
      try {
        const { user, oneTimePassword } = await services.auth.createUser(actor, {
          username: form.username ?? '',
          displayName: form.displayName ?? '',
          email: form.email ?? '',
          role: (form.role ?? '') as Role,
          branchCode: form.branchCode || null,
          language: form.language === 'en' ? 'en' : 'zh-CN',
          ...(form.password ? { password: form.password } : {}),
        });
        return renderUsers(c, deps, actor, { created: { username: user.username, oneTimePassword } });
      } catch (e) {
        if (e instanceof DomainError && (e.id === 'invalid_input' || e.id === 'conflict')) {
          const { password: _omit, _csrf: _c, ...keep } = form;
          return renderUsers(c, deps, actor, {
            errors: e.fields.length ? e.fields.map((f) => translateIssue(c, f)) : [e.message],
            form: keep,
            status: e.id === 'conflict' ? 409 : 400,
          });
        }
        throw e;
      }
    }),
  );

  for (const action of ['disable', 'enable'] as const) {
    app.post(`/console/users/:id/${action}`, async (c) => {
      const actor = requireActor(c);
      const id = parseId(c.req.param('id'));
      try {
        await services.auth.setUserDisabled(actor, id, action === 'disable');
      } catch (e) {
        if (e instanceof DomainError && e.id === 'conflict')
          return renderUsers(c, deps, actor, { errors: [t(c, 'auth.users.last_admin')], status: 409 });
        throw e;
      }
      return c.redirect('/console/users', 303);
    });
  }
}
