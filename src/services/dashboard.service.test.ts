import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../core/auth/actor.ts';
import { DomainError } from '../core/shared/errors.ts';
import { createStatsRepository } from '../db/repositories/stats.repository.ts';
import { DIALECTS } from '../../test/support/db.ts';
import { createIncidentsHarness, type IncidentsHarness } from '../../test/support/incidents.ts';
import { createDashboardService, type DashboardService } from './dashboard.service.ts';
import { createStatsService } from './stats.service.ts';

const NOW = '2007-06-30T08:00:00.000Z'; // 16:00 in Asia/Shanghai

describe.each(DIALECTS)('dashboard service on %s', (dialect) => {
  let h: IncidentsHarness;
  let svc: DashboardService;
  let national: Actor;
  let bj: Actor;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    h = await createIncidentsHarness(dialect, NOW);
    const timeZone = 'Asia/Shanghai';
    svc = createDashboardService({
      incidents: h.repo,
      stats: createStatsService({ stats: createStatsRepository(h.t.db), timeZone }),
      clock: h.clock,
      timeZone,
    });
    national = await h.user('national_handler');
    bj = await h.user('branch_handler', 'CN-BJ');
    const open = async (key: string, branchCode: string, openedAt: string) => {
      const inc = await h.service.createIncident(national, {
        title: `事件 ${key}`,
        category: 'phishing',
        severity: 'medium', // due 72 hours after opening
        branchCode,
        openedAt,
      });
      ids[key] = inc.id;
    };
    await open('A', 'CN-BJ', '2007-06-01T02:00:00Z'); // overdue since 06-04
    await open('B', 'CN-BJ', '2007-06-30T02:00:00Z'); // today, 10:00 local
    await open('G', 'CN-BJ', '2007-06-29T17:00:00Z'); // today, 01:00 local
    await open('H', 'CN-BJ', '2007-06-29T15:00:00Z'); // yesterday, 23:00 local
    await open('C', 'CN-BJ', '2007-06-10T02:00:00Z');
    await open('D', 'CN-BJ', '2007-05-02T02:00:00Z');
    await open('E', 'CN-XJ', '2007-06-02T02:00:00Z'); // overdue since 06-05
    await open('F', 'CN-XJ', '2007-06-03T02:00:00Z');
    h.clock.set('2007-05-20T02:00:00Z');
    await h.service.changeState(national, ids.D!, { state: 'resolved' }); // handled in May
    h.clock.set('2007-06-20T02:00:00Z');
    await h.service.changeState(national, ids.F!, { state: 'resolved' });
    h.clock.set(NOW);
    await h.service.changeState(national, ids.C!, { state: 'resolved' });
  });
  afterAll(async () => {
    await h.destroy();
  });

  it('shows a branch handler the figures of their branch only', async () => {
    const d = await svc.branchDashboard(bj);
    expect(d).toMatchObject({
      branchCode: 'CN-BJ',
      today: '2007-06-30',
      monthStart: '2007-06-01',
      open: { count: 4, atLeast: false },
      overdue: { count: 1, atLeast: false },
      newToday: { count: 2, atLeast: false },
      handledThisMonth: 1,
    });
    expect(d.oldestOverdue.map((i) => i.id)).toEqual([ids.A]);
    expect(d.oldestOverdue[0]!.overdue).toBe(true);
    await expect(svc.branchDashboard(bj, { branchCode: 'CN-XJ' })).rejects.toMatchObject({ id: 'forbidden' });
  });

  it('shows national roles every branch, or the one they pick', async () => {
    const all = await svc.branchDashboard(national);
    expect(all).toMatchObject({
      branchCode: null,
      open: { count: 5 },
      overdue: { count: 2 },
      newToday: { count: 2 },
      handledThisMonth: 2,
    });
    expect(all.oldestOverdue.map((i) => i.id)).toEqual([ids.A, ids.E]);
    const xj = await svc.branchDashboard(national, { branchCode: 'CN-XJ' });
    expect(xj).toMatchObject({
      branchCode: 'CN-XJ',
      open: { count: 1 },
      overdue: { count: 1 },
      newToday: { count: 0 },
      handledThisMonth: 1,
    });
    expect(xj.oldestOverdue.map((i) => i.id)).toEqual([ids.E]);
    const bad = await svc.branchDashboard(national, { branchCode: 'CN-ZZ' }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(DomainError);
    expect((bad as DomainError).fields[0]!.field).toBe('branchCode');
  });
});
