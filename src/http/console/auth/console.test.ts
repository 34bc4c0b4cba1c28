import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../../core/auth/actor.ts';
import { createTestApp, TEST_ADMIN_PASSWORD, type TestApp } from '../../../../test/support/app.ts';
import { DIALECTS } from '../../../../test/support/db.ts';
import { createTestUser, TEST_PASSWORD } from '../../../../test/support/factories.ts';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
/** What @hono/node-server passes as c.env: the client's address. */
const from = (ip: string) => ({ incoming: { socket: { remoteAddress: ip } } });

describe.each(DIALECTS)('console shell on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => {
    await t.destroy();
  });

  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const postForm = (
    path: string,
    fields: Record<string, string>,
    headers: Record<string, string> = {},
    ip = '192.0.2.200',
  ) =>
    t.app.request(path, { method: 'POST', headers: { ...FORM, ...headers }, body: form(fields) }, from(ip));

  it('serves the login page in the configured language, switching with ?lang= (remembered in a cookie)', async () => {
    const zh = await t.app.request('/console/login');
    expect(zh.status).toBe(200);
    const zhHtml = await zh.text();
    expect(zhHtml.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(zhHtml).toContain('<html lang="zh-CN">');
    expect(zhHtml).toContain('登录');
    expect(zhHtml).toContain('href="/console/login?lang=en"');
    expect(zhHtml).not.toMatch(/<script>(?!<\/script>)|<script [^>]*>[^<]+<\/script>/); // no inline scripts
    expect(zh.headers.get('content-security-policy')).toContain("script-src 'self'");

    const en = await t.app.request('/console/login?lang=en');
    expect(await en.text()).toContain('<html lang="en">');
    expect(en.headers.get('set-cookie')).toMatch(/^lang=en;/);
    const remembered = await t.app.request('/console/login', { headers: { cookie: 'lang=en' } });
    expect(await remembered.text()).toContain('Sign in');
  });

  it('signs in through the form and sends the user on (never off-site)', async () => {
    const ok = await postForm('/console/login', {
      username: 'admin',
      password: TEST_ADMIN_PASSWORD,
      next: '/console/users',
    });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/console/users');
    const cookie = ok.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^certops_session=[A-Za-z0-9_-]{43};.*HttpOnly/);
    const session = cookie.split(';')[0]!;
    const users = await t.app.request('/console/users', { headers: { cookie: session } });
    expect(users.status).toBe(200);
    expect(await users.text()).toContain('用户管理');

    const offsite = await postForm('/console/login', {
      username: 'admin',
      password: TEST_ADMIN_PASSWORD,
      next: '//evil.example/console',
    });
    expect(offsite.headers.get('location')).toBe('/console/incidents');
    const signedIn = await t.app.request('/console/login?next=/console/me/tokens', {
      headers: { cookie: session },
    });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe('/console/me/tokens');
  });

  it('answers a wrong password with the form again (401) and too many attempts with 429', async () => {
    const user = await createTestUser(t.services, 'analyst');
    const wrong = await postForm(
      '/console/login',
      { username: user.username, password: 'wrong password!' },
      {},
      '192.0.2.201',
    );
    expect(wrong.status).toBe(401);
    const html = await wrong.text();
    expect(html).toContain('用户名或密码错误');
    expect(html).toContain(`value="${user.username}"`);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    for (let i = 0; i < 10; i++)
      await postForm(
        '/console/login',
        { username: `nobody${i}`, password: 'wrong password!' },
        {},
        '192.0.2.202',
      );
    const limited = await postForm(
      '/console/login',
      { username: user.username, password: TEST_PASSWORD },
      {},
      '192.0.2.202',
    );
    expect(limited.status).toBe(429);
    expect(await limited.text()).toContain('登录尝试过于频繁');
    // the same user from another address is still welcome
    const elsewhere = await postForm(
      '/console/login',
      { username: user.username, password: TEST_PASSWORD },
      {},
      '192.0.2.203',
    );
    expect(elsewhere.status).toBe(303);
  });

  it('sends anonymous visitors to the login page, coming back afterwards', async () => {
    const r = await t.app.request('/console/users?x=1');
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('/console/login?next=%2Fconsole%2Fusers%3Fx%3D1');
    const hx = await t.app.request('/console/me/tokens', { headers: { 'hx-request': 'true' } });
    expect(hx.status).toBe(401);
    expect(hx.headers.get('hx-redirect')).toBe('/console/login?next=%2Fconsole%2Fme%2Ftokens');
  });

  it('refuses a console POST without the CSRF token (403 page) and accepts it with the token', async () => {
    const admin = await t.consoleSession('admin');
    const fields = { username: 'csrf.victim', role: 'analyst', password: TEST_PASSWORD };
    const refused = await postForm('/console/users', fields, { cookie: admin.cookie });
    expect(refused.status).toBe(403);
    const page = await refused.text();
    expect(page).toContain('表单已过期');
    expect(refused.headers.get('content-type')).toMatch(/text\/html/);
    const wrongToken = await postForm(
      '/console/users',
      { ...fields, _csrf: 'x'.repeat(43) },
      { cookie: admin.cookie },
    );
    expect(wrongToken.status).toBe(403);
    expect(await t.services.auth.listUsers(systemActor('test'))).not.toContainEqual(
      expect.objectContaining({ username: 'csrf.victim' }),
    );

    const accepted = await postForm(
      '/console/users',
      { ...fields, _csrf: admin.csrfToken },
      { cookie: admin.cookie },
    );
    expect(accepted.status).toBe(200);
    expect(await accepted.text()).toContain('已创建用户 csrf.victim');
  });

  it('hides the users page from non-admins (404) and escapes what users wrote', async () => {
    const bh = await t.consoleSession('branch_handler', 'CN-XJ');
    const r = await t.app.request('/console/users', { headers: { cookie: bh.cookie } });
    expect(r.status).toBe(404);
    expect(await r.text()).toContain('未找到');
    const post = await postForm(
      '/console/users',
      { username: 'sneaky', role: 'admin', _csrf: bh.csrfToken },
      { cookie: bh.cookie },
    );
    expect(post.status).toBe(404);
    // the nav offers no users link to a branch handler
    const tokens = await t.app.request('/console/me/tokens', { headers: { cookie: bh.cookie } });
    expect(await tokens.text()).not.toContain('href="/console/users"');

    const admin = await t.consoleSession('admin');
    const created = await postForm(
      '/console/users',
      {
        username: 'xss.test',
        displayName: '<script>alert("x")</script>',
        role: 'branch_handler',
        branchCode: 'CN-SC',
        _csrf: admin.csrfToken,
      },
      { cookie: admin.cookie },
    );
    expect(created.status).toBe(200);
    const html = await created.text();
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).not.toContain('<script>alert');
    // a generated one-time password is shown once
    expect(html).toMatch(/<p class="secret-value">[A-Za-z0-9]{20}<\/p>/);
    const again = await (await t.app.request('/console/users', { headers: { cookie: admin.cookie } })).text();
    expect(again).not.toContain('secret-value');
    expect(again).toContain('四川省 (CN-SC)');

    const invalid = await postForm(
      '/console/users',
      { username: 'no.branch', role: 'branch_handler', _csrf: admin.csrfToken },
      { cookie: admin.cookie },
    );
    expect(invalid.status).toBe(400);
    expect(await invalid.text()).toContain('分中心处置人员必须指定分中心');
  });

  it('disables and enables users from the list; a disabled user is signed out', async () => {
    const admin = await t.consoleSession('admin');
    const victim = await t.consoleSession('analyst');
    const off = await postForm(
      `/console/users/${victim.user.id}/disable`,
      { _csrf: admin.csrfToken },
      { cookie: admin.cookie },
    );
    expect(off.status).toBe(303);
    const after = await t.app.request('/console/me/tokens', { headers: { cookie: victim.cookie } });
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toMatch(/^\/console\/login/);
    const on = await postForm(
      `/console/users/${victim.user.id}/enable`,
      { _csrf: admin.csrfToken },
      { cookie: admin.cookie },
    );
    expect(on.status).toBe(303);
    expect((await t.services.auth.getUser(systemActor('test'), victim.user.id)).disabled).toBe(false);
  });

  it('creates an API token, shows it once, and revokes it', async () => {
    const s = await t.consoleSession('branch_handler', 'CN-XJ');
    const made = await postForm(
      '/console/me/tokens',
      { name: 'xj feed', expiresInDays: '30', _csrf: s.csrfToken },
      { cookie: s.cookie },
    );
    expect(made.status).toBe(200);
    const html = await made.text();
    const token = /<p class="secret-value">(cto_[A-Za-z0-9_-]{43})<\/p>/.exec(html)?.[1];
    expect(token).toBeDefined();
    const me = await t.app.request('/api/v1/me', { headers: { authorization: `Bearer ${token}` } });
    expect(await me.json()).toMatchObject({ kind: 'token', branchCode: 'CN-XJ', label: 'token:xj feed' });

    const list = await (await t.app.request('/console/me/tokens', { headers: { cookie: s.cookie } })).text();
    expect(list).toContain('xj feed');
    expect(list).toContain(`${token!.slice(0, 8)}…`);
    expect(list).not.toContain(token!);
    // only branch_handler is offered to a branch handler
    expect(list).toMatch(
      /<select name="role"><option value="branch_handler" selected="">[^<]+<\/option><\/select>/,
    );

    const wider = await postForm(
      '/console/me/tokens',
      { name: 'x', role: 'admin', _csrf: s.csrfToken },
      { cookie: s.cookie },
    );
    expect(wider.status).toBe(403);

    const [record] = await t.services.auth.listTokens(systemActor('test'), { userId: s.user.id });
    const revoked = await postForm(
      `/console/me/tokens/${record!.id}/revoke`,
      { _csrf: s.csrfToken },
      { cookie: s.cookie },
    );
    expect(revoked.status).toBe(303);
    expect(
      (await t.app.request('/api/v1/me', { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(401);
  });

  it('signs out with the form and shows pages in the user’s language unless ?lang= says otherwise', async () => {
    const user = await createTestUser(t.services, 'analyst', { language: 'en' });
    const login = await postForm(
      '/console/login',
      { username: user.username, password: TEST_PASSWORD },
      {},
      '192.0.2.210',
    );
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const page = await (await t.app.request('/console/me/tokens', { headers: { cookie } })).text();
    expect(page).toContain('<html lang="en">');
    expect(page).toContain('API tokens');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    expect(page).toContain(`hx-headers="{&quot;X-CSRF-Token&quot;:&quot;${csrf}&quot;}"`);
    const zh = await t.app.request('/console/me/tokens?lang=zh-CN', { headers: { cookie } });
    expect(await zh.text()).toContain('<html lang="zh-CN">');

    const out = await postForm('/console/logout', { _csrf: csrf }, { cookie });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/console/login');
    expect(out.headers.get('set-cookie')).toMatch(/certops_session=;/);
    expect((await t.app.request('/console/me/tokens', { headers: { cookie } })).status).toBe(303);
  });

  it('makes a user with a one-time password choose a new one first', async () => {
    const admin = await t.consoleSession('admin');
    const { oneTimePassword, user } = await t.services.auth.createUser(systemActor('test'), {
      username: 'first.timer',
      role: 'analyst',
    });
    void admin;
    const login = await postForm(
      '/console/login',
      { username: user.username, password: oneTimePassword! },
      {},
      '192.0.2.211',
    );
    expect(login.headers.get('location')).toBe('/console/me/password');
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const elsewhere = await t.app.request('/console/me/tokens', { headers: { cookie } });
    expect(elsewhere.status).toBe(303);
    expect(elsewhere.headers.get('location')).toBe('/console/me/password');
    const form = await (await t.app.request('/console/me/password', { headers: { cookie } })).text();
    expect(form).toContain('一次性密码');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form)![1]!;
    const mismatch = await postForm(
      '/console/me/password',
      {
        currentPassword: oneTimePassword!,
        newPassword: 'brand new password',
        confirmPassword: 'other',
        _csrf: csrf,
      },
      { cookie },
    );
    expect(mismatch.status).toBe(400);
    const short = await postForm(
      '/console/me/password',
      { currentPassword: oneTimePassword!, newPassword: 'short', confirmPassword: 'short', _csrf: csrf },
      { cookie },
    );
    expect(short.status).toBe(400);
    expect(await short.text()).toContain('新密码: 至少 12 个字符');
    const done = await postForm(
      '/console/me/password',
      {
        currentPassword: oneTimePassword!,
        newPassword: 'brand new password',
        confirmPassword: 'brand new password',
        _csrf: csrf,
      },
      { cookie },
    );
    expect(done.status).toBe(200);
    expect((await t.app.request('/console/me/tokens', { headers: { cookie } })).status).toBe(200);
  });

  it('serves its stylesheet and htmx, and answers unknown console pages with an HTML 404', async () => {
    const css = await t.app.request('/console/static/console.css');
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect(await css.text()).toContain('Noto Sans CJK SC');
    const js = await t.app.request('/console/static/htmx.min.js');
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await js.text()).length).toBeGreaterThan(10_000);
    expect((await t.app.request('/console/static/nope.js')).status).toBe(404);
    const s = await t.consoleSession('analyst');
    const missing = await t.app.request('/console/no-such-page', { headers: { cookie: s.cookie } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/text\/html/);
  });
});

describe('console shell behind TLS', () => {
  it('marks cookies Secure when http.secureCookies is set', async () => {
    const t = await createTestApp('sqlite', { config: { http: { secureCookies: true } } });
    try {
      const r = await t.app.request(
        '/console/login',
        {
          method: 'POST',
          headers: FORM,
          body: new URLSearchParams({ username: 'admin', password: TEST_ADMIN_PASSWORD }).toString(),
        },
        from('192.0.2.99'),
      );
      expect(r.status).toBe(303);
      expect(r.headers.get('set-cookie')).toMatch(/; Secure/);
    } finally {
      await t.destroy();
    }
  });
});
