import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../core/auth/actor.ts';
import { DomainError } from '../core/shared/errors.ts';
import { createSavedViewsRepository } from '../db/repositories/saved-views.repository.ts';
import { DIALECTS } from '../../test/support/db.ts';
import { createIncidentsHarness, type IncidentsHarness } from '../../test/support/incidents.ts';
import { createSavedViewService, type SavedViewService } from './saved-view.service.ts';

async function rejects(p: Promise<unknown>, id: DomainError['id']): Promise<DomainError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    expect((e as DomainError).id).toBe(id);
    return e as DomainError;
  }
  throw new Error(`expected a ${id} error`);
}

describe.each(DIALECTS)('saved view service on %s', (dialect) => {
  let h: IncidentsHarness;
  let svc: SavedViewService;
  let national: Actor;
  let bj: Actor;
  let bj2: Actor;
  let xj: Actor;
  let analyst: Actor;

  beforeAll(async () => {
    h = await createIncidentsHarness(dialect);
    svc = createSavedViewService({
      views: createSavedViewsRepository(h.t.db),
      audit: h.audit,
      clock: h.clock,
    });
    national = await h.user('national_handler');
    bj = await h.user('branch_handler', 'CN-BJ');
    bj2 = await h.user('branch_handler', 'CN-BJ');
    xj = await h.user('branch_handler', 'CN-XJ');
    analyst = await h.user('analyst');
  });
  afterAll(async () => {
    await h.destroy();
  });

  it('keeps personal views to their owner and branch views to the branch and national roles', async () => {
    const mine = await svc.createView(bj, {
      name: '我的待办',
      visibility: 'personal',
      query: { states: ['new', 'triaged'], assignee: 'mine' },
    });
    expect(mine).toMatchObject({ visibility: 'personal', branchCode: null, own: true });
    expect(mine.query).toEqual({ states: ['new', 'triaged'], assignee: 'mine' });
    const bjShared = await svc.createView(bj, {
      name: '北京超期',
      visibility: 'branch',
      query: { overdue: true, sort: 'due_at', order: 'asc' },
    });
    expect(bjShared).toMatchObject({ visibility: 'branch', branchCode: 'CN-BJ' });
    const xjShared = await svc.createView(xj, {
      name: '新疆钓鱼',
      visibility: 'branch',
      query: { categories: ['phishing'] },
    });

    const names = async (a: Actor) => (await svc.listViews(a)).map((v) => v.name).sort();
    expect(await names(bj)).toEqual(['北京超期', '我的待办'].sort());
    // Another CN-BJ handler sees the branch view, not the personal one, and cannot delete it.
    const forBj2 = await svc.listViews(bj2);
    expect(forBj2.map((v) => v.name)).toEqual(['北京超期']);
    expect(forBj2[0]!.own).toBe(false);
    await rejects(svc.deleteView(bj2, bjShared.id), 'forbidden');
    // CN-XJ never sees CN-BJ's views, and deleting one is a 404.
    expect(await names(xj)).toEqual(['新疆钓鱼']);
    await rejects(svc.deleteView(xj, bjShared.id), 'not_found');
    await rejects(svc.deleteView(xj, mine.id), 'not_found');
    // National roles see every branch's views, never someone's personal ones.
    expect(await names(national)).toEqual(['北京超期', '新疆钓鱼'].sort());
    expect(await names(analyst)).toEqual(['北京超期', '新疆钓鱼'].sort());

    await svc.deleteView(xj, xjShared.id);
    expect(await names(national)).toEqual(['北京超期']);
    const rows = await h.audit.list({ entity: 'saved_view', entityId: String(xjShared.id), limit: 10 });
    expect(rows.map((r) => r.action)).toEqual(['delete', 'create']);
    expect(rows[1]!.actorId).toBe(xj.userId);
  });

  it('files branch views by the rules of each role', async () => {
    // A branch handler's branch view is always their own branch.
    await rejects(
      svc.createView(bj, { name: 'x', visibility: 'branch', branchCode: 'CN-XJ', query: {} }),
      'forbidden',
    );
    // A national handler chooses the branch; an unknown one is invalid.
    const v = await svc.createView(national, {
      name: '新疆队列',
      visibility: 'branch',
      branchCode: 'CN-XJ',
      query: {},
    });
    expect(v.branchCode).toBe('CN-XJ');
    expect((await svc.listViews(xj)).map((x) => x.name)).toContain('新疆队列');
    const bad = await rejects(
      svc.createView(national, { name: 'y', visibility: 'branch', branchCode: 'CN-ZZ', query: {} }),
      'invalid_input',
    );
    expect(bad.fields[0]!.field).toBe('branchCode');
    // Read-only roles keep personal views only.
    await rejects(svc.createView(analyst, { name: 'z', visibility: 'branch', query: {} }), 'forbidden');
    const own = await svc.createView(analyst, { name: 'z', visibility: 'personal', query: {} });
    expect(own.own).toBe(true);
    // The same name twice in one place is a conflict; elsewhere it is fine.
    await rejects(svc.createView(analyst, { name: 'z', visibility: 'personal', query: {} }), 'conflict');
    await svc.createView(national, { name: 'z', visibility: 'personal', query: {} });
  });

  it('refuses filters a search would refuse, naming the field', async () => {
    const obs = await rejects(
      svc.createView(bj, { name: 'bad', query: { observable: 'not an observable at all' } }),
      'invalid_input',
    );
    expect(obs.fields.map((f) => f.field)).toEqual(['query.observable']);
    const day = await rejects(
      svc.createView(bj, { name: 'bad', query: { openedFrom: '2007/03/01' } }),
      'invalid_input',
    );
    expect(day.fields.map((f) => f.field)).toEqual(['query.openedFrom']);
    const extra = await rejects(
      svc.createView(bj, { name: 'bad', query: { cursor: 'abc' } as Record<string, unknown> }),
      'invalid_input',
    );
    expect(extra.fields[0]!.field).toBe('query');
    await rejects(svc.createView(bj, { name: '  ', query: {} }), 'invalid_input');
    const cidr = await svc.createView(bj, { name: '网段', query: { observable: '10.0.0.0/8' } });
    expect(cidr.query.observable).toBe('10.0.0.0/8');
  });
});
