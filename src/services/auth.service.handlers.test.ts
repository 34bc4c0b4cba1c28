import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../core/auth/actor.ts';
import { DIALECTS } from '../../test/support/db.ts';
import { createTestApp, type TestApp } from '../../test/support/app.ts';
import { actorOf, createTestUser } from '../../test/support/factories.ts';

/** AuthService.listHandlers: who may be assigned incidents, as the incident console lists them. */
describe.each(DIALECTS)('auth service handler list on %s', (dialect) => {
  let h: TestApp;

  beforeAll(async () => {
    h = await createTestApp(dialect);
  });
  afterAll(async () => {
    await h.destroy();
  });

  it('lists enabled admins, national handlers and the branch’s handlers, within the caller’s reach', async () => {
    const national = await createTestUser(h.services, 'national_handler');
    const bj = await createTestUser(h.services, 'branch_handler', { branchCode: 'CN-BJ' });
    const xj = await createTestUser(h.services, 'branch_handler', { branchCode: 'CN-XJ' });
    const analyst = await createTestUser(h.services, 'analyst');
    const gone = await createTestUser(h.services, 'branch_handler', { branchCode: 'CN-BJ' });
    await h.services.auth.setUserDisabled(systemActor('test'), gone.id, true);

    const names = async (actor = actorOf(national), branch?: string) =>
      (await h.services.auth.listHandlers(actor, branch)).map((u) => u.username);

    const forBjIncident = await names(actorOf(national), 'CN-BJ');
    expect(forBjIncident).toEqual(expect.arrayContaining(['admin', national.username, bj.username]));
    expect(forBjIncident).not.toContain(xj.username);
    expect(forBjIncident).not.toContain(analyst.username);
    expect(forBjIncident).not.toContain(gone.username);
    expect(await names(actorOf(national))).toEqual(expect.arrayContaining([bj.username, xj.username]));
    // A branch handler only ever learns about their own branch.
    const fromBj = await names(actorOf(bj), 'CN-XJ');
    expect(fromBj).toContain(bj.username);
    expect(fromBj).not.toContain(xj.username);
    // Analysts may read names (for the queue), publishers may not.
    expect(await names(actorOf(analyst))).toContain(xj.username);
    const publisher = await createTestUser(h.services, 'publisher');
    await expect(h.services.auth.listHandlers(actorOf(publisher))).rejects.toMatchObject({ id: 'forbidden' });
    const first = (await h.services.auth.listHandlers(actorOf(national)))[0]!;
    expect(Object.keys(first).sort()).toEqual(['branchCode', 'displayName', 'id', 'role', 'username']);
  });
});
