import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../core/auth/actor.ts';
import { fixedClock } from '../core/shared/clock.ts';
import { createAuditRepository } from '../db/repositories/audit.repository.ts';
import { createAuthRepository } from '../db/repositories/auth.repository.ts';
import { seedTestBranches } from '../../test/support/seed.ts';
import { DIALECTS, createTestDatabase, type TestDatabase } from '../../test/support/db.ts';
import { actorOf, TEST_PASSWORD } from '../../test/support/factories.ts';
import { createAuthService, hashPassword, verifyPassword, type AuthService } from './auth.service.ts';

const SYSTEM = systemActor('test');

describe.each(DIALECTS)('auth service on %s', (dialect) => {
  let t: TestDatabase;
  let clock: ReturnType<typeof fixedClock>;
  let auth: AuthService;
  let n = 0;
  const audit = () => createAuditRepository(t.db);
  const uniq = (p: string) => `${p}${++n}`;

  beforeAll(async () => {
    t = await createTestDatabase(dialect);
    await seedTestBranches(t.db);
    clock = fixedClock('2007-06-30T08:00:00.000Z');
    auth = createAuthService({
      repo: createAuthRepository(t.db),
      audit: audit(),
      clock,
      options: { sessionTtlHours: 12, loginPerWindow: 3, windowSeconds: 900 },
    });
  });
  afterAll(async () => {
    await t.destroy();
  });

  it('hashes passwords with argon2id and verifies them', async () => {
    const h = await hashPassword(TEST_PASSWORD);
    expect(h).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(h, TEST_PASSWORD)).toBe(true);
    expect(await verifyPassword(h, `${TEST_PASSWORD}!`)).toBe(false);
    expect(await verifyPassword('', TEST_PASSWORD)).toBe(false);
    expect(await verifyPassword('not-a-hash', TEST_PASSWORD)).toBe(false);
  });

  it('creates users, never storing the password, and audits it', async () => {
    const username = uniq('alice');
    const { user, oneTimePassword } = await auth.createUser(SYSTEM, {
      username: username.toUpperCase(),
      role: 'branch_handler',
      branchCode: 'CN-XJ',
      email: 'alice@example.cn',
      password: TEST_PASSWORD,
    });
    expect(oneTimePassword).toBeNull();
    expect(user).toMatchObject({ username, role: 'branch_handler', branchCode: 'CN-XJ', disabled: false });
    expect(user).not.toHaveProperty('passwordHash');
    const row = await t.db
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(row.password_hash).not.toContain(TEST_PASSWORD);
    const entries = await audit().list({ entity: 'user', entityId: String(user.id), limit: 5 });
    expect(entries.map((e) => e.action)).toEqual(['create']);
    expect(JSON.stringify(entries[0]!.after)).not.toContain('argon2');
  });

  it('generates a one-time password that must be changed when none is given', async () => {
    const { user, oneTimePassword } = await auth.createUser(SYSTEM, {
      username: uniq('otp'),
      role: 'analyst',
    });
    expect(oneTimePassword).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(user.mustChangePassword).toBe(true);
    const s = await auth.login(user.username, oneTimePassword!, '198.51.100.1');
    expect(s.user.mustChangePassword).toBe(true);
  });

  it('refuses bad user input with the fields named', async () => {
    await expect(
      auth.createUser(SYSTEM, { username: 'x', role: 'branch_handler', password: 'short' }),
    ).rejects.toMatchObject({
      id: 'invalid_input',
      fields: expect.arrayContaining([
        expect.objectContaining({ field: 'username' }),
        expect.objectContaining({ field: 'branchCode', message: 'required for role branch_handler' }),
        expect.objectContaining({ field: 'password' }),
      ]),
    });
    await expect(
      auth.createUser(SYSTEM, { username: uniq('bob'), role: 'branch_handler', branchCode: 'CN-ZZ' }),
    ).rejects.toMatchObject({ fields: [{ field: 'branchCode', message: 'unknown branch "CN-ZZ"' }] });
    await expect(
      auth.createUser(SYSTEM, { username: uniq('carol'), role: 'analyst', branchCode: 'CN-XJ' }),
    ).rejects.toMatchObject({ id: 'invalid_input', fields: [{ field: 'branchCode' }] });
    const name = uniq('dave');
    await expect(
      auth.createUser(SYSTEM, {
        username: `${name}-long-enough`,
        role: 'analyst',
        password: `${name}-LONG-ENOUGH`,
      }),
    ).rejects.toMatchObject({
      id: 'invalid_input',
      fields: [{ field: 'password', message: 'must not be the username' }],
    });
    await expect(
      auth.createUser(SYSTEM, { username: uniq('erin'), role: 'nobody' as never }),
    ).rejects.toMatchObject({ fields: [{ field: 'role' }] });
    await auth.createUser(SYSTEM, { username: 'frank', role: 'analyst', password: TEST_PASSWORD });
    await expect(auth.createUser(SYSTEM, { username: 'Frank', role: 'analyst' })).rejects.toMatchObject({
      id: 'conflict',
    });
  });

  it('lets only user managers list, read and change users (403 on the collection, 404 by id)', async () => {
    const { user: bh } = await auth.createUser(SYSTEM, {
      username: uniq('bh'),
      role: 'branch_handler',
      branchCode: 'CN-BJ',
      password: TEST_PASSWORD,
    });
    const { user: admin } = await auth.createUser(SYSTEM, {
      username: uniq('adm'),
      role: 'admin',
      password: TEST_PASSWORD,
    });
    await expect(auth.listUsers(actorOf(bh))).rejects.toMatchObject({ id: 'forbidden' });
    await expect(auth.getUser(actorOf(bh), admin.id)).rejects.toMatchObject({ id: 'not_found' });
    await expect(auth.updateUser(actorOf(bh), bh.id, { role: 'admin' })).rejects.toMatchObject({
      id: 'not_found',
    });
    const denied = await audit().list({ entity: 'user', actorId: bh.id, limit: 10 });
    expect(denied.map((e) => e.action)).toEqual(['denied', 'denied', 'denied']);

    const list = await auth.listUsers(actorOf(admin));
    expect(list.map((u) => u.username)).toContain(bh.username);
    const moved = await auth.updateUser(actorOf(admin), bh.id, { branchCode: 'CN-GD', language: 'en' });
    expect(moved).toMatchObject({ branchCode: 'CN-GD', language: 'en', role: 'branch_handler' });
    // Leaving branch_handler drops the branch; becoming one needs a branch.
    const analyst = await auth.updateUser(actorOf(admin), bh.id, { role: 'analyst' });
    expect(analyst.branchCode).toBeNull();
    await expect(auth.updateUser(actorOf(admin), bh.id, { role: 'branch_handler' })).rejects.toMatchObject({
      fields: [{ field: 'branchCode' }],
    });
    const last = await audit().list({ entity: 'user', entityId: String(bh.id), limit: 1 });
    expect(last[0]).toMatchObject({
      action: 'update',
      actor: admin.username,
      before: expect.objectContaining({ role: 'branch_handler', branchCode: 'CN-GD' }),
      after: expect.objectContaining({ role: 'analyst', branchCode: null }),
    });
  });

  it('signs in, resolves the session to an actor, and audits success and failure', async () => {
    const { user } = await auth.createUser(SYSTEM, {
      username: uniq('gina'),
      role: 'branch_handler',
      branchCode: 'CN-XJ',
      password: TEST_PASSWORD,
    });
    await expect(auth.login(user.username, 'wrong password!!', '198.51.100.2')).rejects.toMatchObject({
      id: 'unauthorized',
      message: 'wrong username or password',
    });
    await expect(auth.login('nobody-here', TEST_PASSWORD, '198.51.100.2')).rejects.toMatchObject({
      id: 'unauthorized',
      message: 'wrong username or password',
    });
    const s = await auth.login(user.username, TEST_PASSWORD, '198.51.100.2');
    expect(s.cookieValue).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(s.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(s.expiresAt).toBe('2007-06-30T20:00:00.000Z');
    // Only the SHA-256 of the cookie value is stored.
    const stored = await t.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.id).toMatch(/^[0-9a-f]{64}$/);
    expect(stored[0]!.id).not.toBe(s.cookieValue);

    const r = await auth.resolveSession(s.cookieValue, '198.51.100.9');
    expect(r?.actor).toEqual({
      kind: 'user',
      userId: user.id,
      label: user.username,
      role: 'branch_handler',
      branchCode: 'CN-XJ',
      ip: '198.51.100.9',
    });
    expect(r?.csrfToken).toBe(s.csrfToken);
    expect(await auth.resolveSession('x'.repeat(43), '')).toBeNull();
    expect(await auth.resolveSession('garbage', '')).toBeNull();

    const entries = await audit().list({ entity: 'user', entityId: String(user.id), limit: 10 });
    expect(entries.map((e) => e.action)).toEqual(['login', 'login_failed', 'create']);
    expect(entries[1]).toMatchObject({ ip: '198.51.100.2', after: { reason: 'wrong_password' } });
    const unknown = await audit().list({ entity: 'user', entityId: 'nobody-here', limit: 1 });
    expect(unknown[0]).toMatchObject({ action: 'login_failed', after: { reason: 'unknown_user' } });

    await auth.logout(s.cookieValue, '198.51.100.2');
    expect(await auth.resolveSession(s.cookieValue, '')).toBeNull();
  });

  it('rate-limits sign-in attempts per address and per username', async () => {
    const { user } = await auth.createUser(SYSTEM, {
      username: uniq('hank'),
      role: 'analyst',
      password: TEST_PASSWORD,
    });
    // per username: 3 attempts from different addresses, the 4th is refused even with the right password
    for (const ip of ['203.0.113.1', '203.0.113.2', '203.0.113.3'])
      await expect(auth.login(user.username, 'wrong password!!', ip)).rejects.toMatchObject({
        id: 'unauthorized',
      });
    await expect(auth.login(user.username, TEST_PASSWORD, '203.0.113.4')).rejects.toMatchObject({
      id: 'rate_limited',
    });
    // per address: 3 attempts for different usernames, the 4th is refused
    for (const name of ['u-a', 'u-b', 'u-c'])
      await expect(auth.login(name, 'whatever-password', '203.0.113.50')).rejects.toMatchObject({
        id: 'unauthorized',
      });
    await expect(auth.login('u-d', 'whatever-password', '203.0.113.50')).rejects.toMatchObject({
      id: 'rate_limited',
    });
    // the next window lets them in again
    clock.advance(900_000);
    const s = await auth.login(user.username, TEST_PASSWORD, '203.0.113.4');
    expect(s.user.id).toBe(user.id);
  });

  it('ends sessions at their expiry and purges them', async () => {
    const { user } = await auth.createUser(SYSTEM, {
      username: uniq('ivy'),
      role: 'analyst',
      password: TEST_PASSWORD,
    });
    const s = await auth.login(user.username, TEST_PASSWORD, '198.51.100.3');
    clock.advance(11 * 3_600_000);
    expect(await auth.resolveSession(s.cookieValue, '')).not.toBeNull();
    const other = await auth.login(user.username, TEST_PASSWORD, '198.51.100.3');
    clock.advance(3_600_000); // exactly 12 h after the first sign-in
    expect(await auth.resolveSession(s.cookieValue, '')).toBeNull();
    expect(await auth.resolveSession(other.cookieValue, '')).not.toBeNull();
    clock.advance(11 * 3_600_000);
    expect(await auth.purgeExpiredSessions()).toBeGreaterThanOrEqual(1);
    const left = await t.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute();
    expect(left).toHaveLength(0);
  });

  it('refuses disabled users: no sign-in, sessions and tokens stop working', async () => {
    const { user: admin } = await auth.createUser(SYSTEM, {
      username: uniq('root'),
      role: 'admin',
      password: TEST_PASSWORD,
    });
    const { user } = await auth.createUser(SYSTEM, {
      username: uniq('jack'),
      role: 'analyst',
      password: TEST_PASSWORD,
    });
    const s = await auth.login(user.username, TEST_PASSWORD, '198.51.100.4');
    const { token } = await auth.createToken(actorOf(user), { name: 'feed' });
    expect(await auth.resolveToken(token, '')).not.toBeNull();
    await auth.setUserDisabled(actorOf(admin), user.id, true);
    expect(await auth.resolveSession(s.cookieValue, '')).toBeNull();
    expect(await auth.resolveToken(token, '')).toBeNull();
    await expect(auth.login(user.username, TEST_PASSWORD, '198.51.100.4')).rejects.toMatchObject({
      id: 'unauthorized',
    });
    await auth.setUserDisabled(actorOf(admin), user.id, false);
    expect(await auth.resolveToken(token, '')).not.toBeNull();
    const entries = await audit().list({ entity: 'user', entityId: String(user.id), limit: 10 });
    expect(entries.map((e) => e.action).slice(0, 3)).toEqual(['enable', 'login_failed', 'disable']);
  });

  it('mints tokens no wider than the owner, shows them once and stores only the hash', async () => {
    const { user: bh } = await auth.createUser(SYSTEM, {
      username: uniq('kim'),
      role: 'branch_handler',
      branchCode: 'CN-XJ',
      password: TEST_PASSWORD,
    });
    await expect(auth.createToken(actorOf(bh), { name: 'x', role: 'admin' })).rejects.toMatchObject({
      id: 'forbidden',
    });
    await expect(
      auth.createToken(actorOf(bh), { name: 'x', role: 'branch_handler', branchCode: 'CN-BJ' }),
    ).rejects.toMatchObject({ id: 'forbidden' });
    await expect(auth.createToken(actorOf(bh), { name: '' })).rejects.toMatchObject({
      id: 'invalid_input',
      fields: [{ field: 'name' }],
    });
    const thirtyDaysOn = new Date(clock.now().getTime() + 30 * 86_400_000).toISOString();
    const { token, record } = await auth.createToken(actorOf(bh), { name: 'xj feed', expiresInDays: 30 });
    expect(token).toMatch(/^cto_[A-Za-z0-9_-]{43}$/);
    expect(record).toMatchObject({
      name: 'xj feed',
      prefix: token.slice(0, 8),
      role: 'branch_handler',
      branchCode: 'CN-XJ',
      expiresAt: thirtyDaysOn,
    });
    expect(record).not.toHaveProperty('tokenHash');
    const row = await t.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('id', '=', record.id)
      .executeTakeFirstOrThrow();
    expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(token);

    const actor = await auth.resolveToken(token, '10.1.1.1');
    expect(actor).toEqual({
      kind: 'token',
      userId: bh.id,
      label: 'token:xj feed',
      role: 'branch_handler',
      branchCode: 'CN-XJ',
      ip: '10.1.1.1',
    });
    const used = await t.db
      .selectFrom('api_tokens')
      .select('last_used_at')
      .where('id', '=', record.id)
      .executeTakeFirstOrThrow();
    expect(used.last_used_at).toBe(clock.now().toISOString());
    // a token cannot mint tokens
    await expect(auth.createToken(actor!, { name: 'child' })).rejects.toMatchObject({ id: 'forbidden' });
    // the list never includes the token or its hash
    const listed = await auth.listTokens(actorOf(bh));
    expect(listed.map((x) => x.id)).toEqual([record.id]);
    expect(JSON.stringify(listed)).not.toMatch(/token_hash|tokenHash/);
    // someone else's list needs token.manage
    await expect(auth.listTokens(actorOf(bh), { all: true })).rejects.toMatchObject({ id: 'forbidden' });
  });

  it('stops revoked and expired tokens, and tokens whose owner lost the rights', async () => {
    const { user: admin } = await auth.createUser(SYSTEM, {
      username: uniq('lee'),
      role: 'admin',
      password: TEST_PASSWORD,
    });
    const { user: other } = await auth.createUser(SYSTEM, {
      username: uniq('mo'),
      role: 'analyst',
      password: TEST_PASSWORD,
    });
    const a = await auth.createToken(actorOf(admin), { name: 'full' });
    const b = await auth.createToken(actorOf(admin), { name: 'short', expiresInDays: 1 });
    // someone else's token: 404 to them, and audited
    await expect(auth.revokeToken(actorOf(other), a.record.id)).rejects.toMatchObject({ id: 'not_found' });
    const revoked = await auth.revokeToken(actorOf(admin), a.record.id);
    expect(revoked.revokedAt).toBe(clock.now().toISOString());
    expect(await auth.resolveToken(a.token, '')).toBeNull();
    expect((await auth.listTokens(actorOf(admin))).map((x) => x.name)).toEqual(['short']);
    expect((await auth.listTokens(actorOf(admin), { includeRevoked: true })).map((x) => x.name)).toEqual([
      'full',
      'short',
    ]);
    clock.advance(86_400_000);
    expect(await auth.resolveToken(b.token, '')).toBeNull();

    const c = await auth.createToken(actorOf(admin), { name: 'admin-token' });
    expect((await auth.resolveToken(c.token, ''))?.role).toBe('admin');
    await auth.updateUser(SYSTEM, admin.id, { role: 'analyst' });
    expect(await auth.resolveToken(c.token, '')).toBeNull();
    const tokenAudit = await audit().list({ entity: 'token', entityId: String(a.record.id), limit: 5 });
    expect(tokenAudit.map((e) => e.action)).toEqual(['revoke', 'denied', 'create']);
  });

  it('lets an administrator mint a token for another user, within that user’s rights', async () => {
    const { user: bh } = await auth.createUser(SYSTEM, {
      username: uniq('ning'),
      role: 'branch_handler',
      branchCode: 'CN-SC',
      password: TEST_PASSWORD,
    });
    const cli = await auth.createToken(SYSTEM, { userId: bh.id, name: 'import' });
    expect(cli.record).toMatchObject({ userId: bh.id, role: 'branch_handler', branchCode: 'CN-SC' });
    await expect(auth.createToken(SYSTEM, { userId: bh.id, name: 'x', role: 'admin' })).rejects.toMatchObject(
      {
        id: 'forbidden',
      },
    );
    await expect(auth.createToken(actorOf(bh), { userId: 1, name: 'x' })).rejects.toMatchObject({
      id: 'forbidden',
    });
  });

  it('changes one’s own password, keeping the current session only', async () => {
    const { user } = await auth.createUser(SYSTEM, { username: uniq('olga'), role: 'analyst' });
    const otp = 'temporary-password-1';
    await auth.setPassword(SYSTEM, user.id, otp, { mustChange: true });
    const s1 = await auth.login(user.username, otp, '198.51.100.5');
    const s2 = await auth.login(user.username, otp, '198.51.100.6');
    expect(s1.user.mustChangePassword).toBe(true);
    const me = (await auth.resolveSession(s1.cookieValue, ''))!.actor;
    await expect(
      auth.changeOwnPassword(me, 'wrong-current-password', 'new-password-123'),
    ).rejects.toMatchObject({
      fields: [{ field: 'currentPassword' }],
    });
    await expect(auth.changeOwnPassword(me, otp, user.username)).rejects.toMatchObject({
      id: 'invalid_input',
    });
    await auth.changeOwnPassword(me, otp, 'new-password-123', s1.cookieValue);
    expect(await auth.resolveSession(s1.cookieValue, '')).not.toBeNull();
    expect(await auth.resolveSession(s2.cookieValue, '')).toBeNull();
    const s3 = await auth.login(user.username, 'new-password-123', '198.51.100.7');
    expect(s3.user.mustChangePassword).toBe(false);
  });

  it('creates the first admin once, and never leaves the system without an enabled admin', async () => {
    const fresh = await createTestDatabase(dialect);
    try {
      const svc = createAuthService({
        repo: createAuthRepository(fresh.db),
        audit: createAuditRepository(fresh.db),
        clock,
        options: { sessionTtlHours: 1, loginPerWindow: 10, windowSeconds: 60 },
      });
      const first = await svc.ensureAdmin();
      expect(first).toMatchObject({ created: true, username: 'admin' });
      expect(first.oneTimePassword).toMatch(/^[A-Za-z0-9]{20}$/);
      expect(await svc.ensureAdmin()).toEqual({ created: false, username: 'admin', oneTimePassword: null });
      const s = await svc.login('admin', first.oneTimePassword!, '127.0.0.1');
      expect(s.user).toMatchObject({ role: 'admin', mustChangePassword: true, branchCode: null });
      await expect(svc.setUserDisabled(SYSTEM, s.user.id, true)).rejects.toMatchObject({ id: 'conflict' });
      await expect(svc.updateUser(SYSTEM, s.user.id, { role: 'analyst' })).rejects.toMatchObject({
        id: 'conflict',
      });
    } finally {
      await fresh.destroy();
    }
    const configured = await createTestDatabase(dialect);
    try {
      const svc = createAuthService({
        repo: createAuthRepository(configured.db),
        audit: createAuditRepository(configured.db),
        clock,
        options: { sessionTtlHours: 1, loginPerWindow: 10, windowSeconds: 60 },
      });
      expect(await svc.ensureAdmin('configured-admin-password')).toEqual({
        created: true,
        username: 'admin',
        oneTimePassword: null,
      });
      const s = await svc.login('admin', 'configured-admin-password', '127.0.0.1');
      expect(s.user.mustChangePassword).toBe(false);
    } finally {
      await configured.destroy();
    }
  });
});
