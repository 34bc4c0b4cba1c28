import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, TEST_ADMIN_PASSWORD, type TestApp } from '../../../../test/support/app.ts';
import { DIALECTS } from '../../../../test/support/db.ts';
import { createTestUser, TEST_PASSWORD } from '../../../../test/support/factories.ts';

const JSON_HEADERS = { 'content-type': 'application/json' };

describe.each(DIALECTS)('auth API on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => {
    await t.destroy();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    t.app.request(path, {
      method: 'POST',
      headers: { ...JSON_HEADERS, ...headers },
      body: JSON.stringify(body),
    });

  it('signs in with JSON, sets a HttpOnly SameSite=Lax session cookie, and /me answers', async () => {
    const r = await post('/api/v1/session', { username: 'admin', password: TEST_ADMIN_PASSWORD });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { user: { username: string; role: string }; csrfToken: string };
    expect(body.user).toMatchObject({ username: 'admin', role: 'admin' });
    expect(body).not.toHaveProperty('user.passwordHash');
    const setCookie = r.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^certops_session=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).not.toMatch(/Secure/);
    const cookie = setCookie.split(';')[0]!;

    const me = await t.app.request('/api/v1/me', { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({
      kind: 'user',
      label: 'admin',
      role: 'admin',
      branchCode: null,
      user: { username: 'admin' },
      csrfToken: body.csrfToken,
    });

    // a cookie-authenticated write without the CSRF header is refused, with it accepted
    const noCsrf = await t.app.request('/api/v1/session', { method: 'DELETE', headers: { cookie } });
    expect(noCsrf.status).toBe(403);
    const out = await t.app.request('/api/v1/session', {
      method: 'DELETE',
      headers: { cookie, 'x-csrf-token': body.csrfToken },
    });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/certops_session=;.*Max-Age=0/);
    expect((await t.app.request('/api/v1/me', { headers: { cookie } })).status).toBe(401);
  });

  it('answers a wrong password with 401, bad input with 400 and field names, too many attempts with 429', async () => {
    const user = await createTestUser(t.services, 'analyst');
    const wrong = await post('/api/v1/session', { username: user.username, password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({
      error: { id: 'unauthorized', message: 'wrong username or password', fields: [] },
    });
    const bad = await post('/api/v1/session', { username: '' });
    expect(bad.status).toBe(400);
    const badBody = (await bad.json()) as { error: { id: string; fields: { field: string }[] } };
    expect(badBody.error.id).toBe('invalid_input');
    expect(badBody.error.fields.map((f) => f.field).sort()).toEqual(['password', 'username']);
    for (let i = 0; i < 9; i++)
      await post('/api/v1/session', { username: user.username, password: 'still wrong!!' });
    const limited = await post('/api/v1/session', { username: user.username, password: TEST_PASSWORD });
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as { error: { id: string } }).error.id).toBe('rate_limited');
  });

  it('authenticates API tokens; unknown, revoked and disabled-owner tokens get 401', async () => {
    const { user, token, headers } = await t.createTokenActor('branch_handler', 'CN-XJ');
    const me = await t.app.request('/api/v1/me', { headers });
    expect(await me.json()).toMatchObject({
      kind: 'token',
      label: `token:test-${user.username}`,
      role: 'branch_handler',
      branchCode: 'CN-XJ',
      csrfToken: null,
    });
    expect((await t.app.request('/api/v1/me')).status).toBe(401);
    const forged = await t.app.request('/api/v1/me', {
      headers: { authorization: `Bearer cto_${'A'.repeat(43)}` },
    });
    expect(forged.status).toBe(401);
    expect(forged.headers.get('www-authenticate')).toBe('Bearer');
    const malformed = await t.app.request('/api/v1/me', { headers: { authorization: 'Bearer nonsense' } });
    expect(malformed.status).toBe(401);

    // a token needs no CSRF header: it is not an ambient credential
    const created = await post('/api/v1/tokens', { name: 'second' }, headers);
    expect(created.status).toBe(403); // …but a token may not mint tokens
    const list = await t.app.request('/api/v1/tokens', { headers });
    const items = ((await list.json()) as { items: { id: number; prefix: string }[] }).items;
    expect(items).toHaveLength(1);
    expect(items[0]!.prefix).toBe(token.slice(0, 8));
    expect(JSON.stringify(items)).not.toContain(token);

    const del = await t.app.request(`/api/v1/tokens/${items[0]!.id}`, { method: 'DELETE', headers });
    expect(del.status).toBe(200);
    expect(((await del.json()) as { revokedAt: string | null }).revokedAt).not.toBeNull();
    expect((await t.app.request('/api/v1/me', { headers })).status).toBe(401);

    const other = await t.createTokenActor('analyst');
    const admin = await t.createTokenActor('admin');
    const disable = await t.app.request(`/api/v1/users/${other.user.id}`, {
      method: 'PATCH',
      headers: { ...admin.headers, ...JSON_HEADERS },
      body: JSON.stringify({ disabled: true }),
    });
    expect(disable.status).toBe(200);
    expect(await disable.json()).toMatchObject({ id: other.user.id, disabled: true });
    expect((await t.app.request('/api/v1/me', { headers: other.headers })).status).toBe(401);
  });

  it('keeps users to admins: 403 on the collection, 404 by id for everyone else', async () => {
    const bh = await t.actorHeaders('branch_handler', 'CN-GD');
    const admin = await t.actorHeaders('admin');
    expect((await t.app.request('/api/v1/users', { headers: bh })).status).toBe(403);
    expect((await post('/api/v1/users', { username: 'zed-user', role: 'analyst' }, bh)).status).toBe(403);
    expect((await t.app.request('/api/v1/users/1', { headers: bh })).status).toBe(404);
    const patch = await t.app.request('/api/v1/users/1', {
      method: 'PATCH',
      headers: { ...bh, ...JSON_HEADERS },
      body: JSON.stringify({ role: 'analyst' }),
    });
    expect(patch.status).toBe(404);

    const created = await post(
      '/api/v1/users',
      {
        username: 'wang.wei',
        displayName: '王伟',
        role: 'branch_handler',
        branchCode: 'CN-SC',
        language: 'zh-CN',
      },
      admin,
    );
    expect(created.status).toBe(201);
    const c = (await created.json()) as {
      user: { id: number; displayName: string };
      oneTimePassword: string;
    };
    expect(c.user.displayName).toBe('王伟');
    expect(c.oneTimePassword).toMatch(/^[A-Za-z0-9]{20}$/);
    const one = await t.app.request(`/api/v1/users/${c.user.id}`, { headers: admin });
    expect(await one.json()).toMatchObject({
      username: 'wang.wei',
      branchCode: 'CN-SC',
      mustChangePassword: true,
    });
    const list = (await (
      await t.app.request('/api/v1/users?role=branch_handler&branchCode=CN-SC', { headers: admin })
    ).json()) as {
      items: { username: string }[];
    };
    expect(list.items.map((u) => u.username)).toEqual(['wang.wei']);

    const dup = await post('/api/v1/users', { username: 'wang.wei', role: 'analyst' }, admin);
    expect(dup.status).toBe(409);
    const noBranch = await post('/api/v1/users', { username: 'li.na', role: 'branch_handler' }, admin);
    expect(noBranch.status).toBe(400);
    expect(await noBranch.json()).toMatchObject({
      error: {
        id: 'invalid_input',
        fields: [{ field: 'branchCode', message: 'required for role branch_handler' }],
      },
    });
    const unknownField = await post(
      '/api/v1/users',
      { username: 'li.na', role: 'analyst', isAdmin: true },
      admin,
    );
    expect(unknownField.status).toBe(400);
    const badId = await t.app.request('/api/v1/users/abc', { headers: admin });
    expect(badId.status).toBe(400);
    expect(((await badId.json()) as { error: { fields: { field: string }[] } }).error.fields[0]!.field).toBe(
      'id',
    );
    expect((await t.app.request('/api/v1/users/999999', { headers: admin })).status).toBe(404);
  });

  it('refuses tokens wider than the caller and lets admins mint for others', async () => {
    const bh = await t.createTokenActor('branch_handler', 'CN-XJ');
    const session = await t.consoleSession('branch_handler', 'CN-XJ');
    const asSession = { ...session.headers };
    const adminToken = await post('/api/v1/tokens', { name: 'escalate', role: 'admin' }, asSession);
    expect(adminToken.status).toBe(403);
    const otherBranch = await post('/api/v1/tokens', { name: 'bj', branchCode: 'CN-BJ' }, asSession);
    expect(otherBranch.status).toBe(403);
    const ok = await post('/api/v1/tokens', { name: 'xj import', expiresInDays: 7 }, asSession);
    expect(ok.status).toBe(201);
    const created = (await ok.json()) as {
      token: string;
      record: { role: string; branchCode: string; expiresAt: string };
    };
    expect(created.token).toMatch(/^cto_/);
    expect(created.record).toMatchObject({ role: 'branch_handler', branchCode: 'CN-XJ' });
    const viaToken = await t.app.request('/api/v1/me', {
      headers: { authorization: `Bearer ${created.token}` },
    });
    expect(viaToken.status).toBe(200);

    const admin = await t.consoleSession('admin');
    const forOther = await post('/api/v1/tokens', { name: 'for bh', userId: bh.user.id }, admin.headers);
    expect(forOther.status).toBe(201);
    const bad = await post('/api/v1/tokens', { name: 'x', expiresInDays: 0 }, admin.headers);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { fields: { field: string }[] } }).error.fields[0]!.field).toBe(
      'expiresInDays',
    );
    // another user's token: 404 to a branch handler
    const foreign = ((await forOther.json()) as { record: { id: number } }).record.id;
    const sessionOther = await t.consoleSession('analyst');
    const del = await t.app.request(`/api/v1/tokens/${foreign}`, {
      method: 'DELETE',
      headers: sessionOther.headers,
    });
    expect(del.status).toBe(404);
  });

  it('lets a user change their own password', async () => {
    const s = await t.consoleSession('analyst');
    const r = await post(
      '/api/v1/me/password',
      { currentPassword: TEST_PASSWORD, newPassword: 'another long password' },
      s.headers,
    );
    expect(r.status).toBe(204);
    const wrong = await post(
      '/api/v1/me/password',
      { currentPassword: TEST_PASSWORD, newPassword: 'yet another password' },
      s.headers,
    );
    expect(wrong.status).toBe(400);
  });

  it('describes the routes in OpenAPI', async () => {
    const doc = (await (await t.app.request('/api/openapi.json')).json()) as {
      paths: Record<string, Record<string, unknown>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/session',
        '/api/v1/me',
        '/api/v1/me/password',
        '/api/v1/users',
        '/api/v1/users/{id}',
        '/api/v1/tokens',
        '/api/v1/tokens/{id}',
      ]),
    );
    expect(Object.keys(doc.paths['/api/v1/users/{id}']!).sort()).toEqual(['get', 'patch']);
    expect(doc.components.securitySchemes).toHaveProperty('session');
  });
});
