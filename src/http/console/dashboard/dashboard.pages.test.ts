import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../../core/auth/actor.ts';
import { DIALECTS } from '../../../../test/support/db.ts';
import { createTestApp, type TestApp, type TestSession } from '../../../../test/support/app.ts';

const system = systemActor('test');

describe.each(DIALECTS)('dashboard console on %s', (dialect) => {
  let h: TestApp;
  let national: TestSession;
  let bj: TestSession;
  let publisher: TestSession;
  const id = { bjOld: 0, bjToday: 0, bjDone: 0, xjOld: 0 };

  beforeAll(async () => {
    h = await createTestApp(dialect); // now: 2007-06-30T08:00Z, 16:00 in Asia/Shanghai
    national = await h.consoleSession('national_handler');
    bj = await h.consoleSession('branch_handler', 'CN-BJ');
    publisher = await h.consoleSession('publisher');
    const open = async (key: keyof typeof id, branchCode: string, title: string, openedAt: string) => {
      id[key] = (
        await h.services.incidents.createIncident(system, { title, category: 'spam', branchCode, openedAt })
      ).id;
    };
    await open('bjOld', 'CN-BJ', '北京超期事件', '2007-06-01T02:00:00Z');
    await open('bjToday', 'CN-BJ', '北京今日事件', '2007-06-30T01:00:00Z');
    await open('bjDone', 'CN-BJ', '北京已处理', '2007-06-10T02:00:00Z');
    await open('xjOld', 'CN-XJ', '新疆超期事件', '2007-05-25T02:00:00Z');
    await h.services.incidents.changeState(system, id.bjDone, { state: 'resolved' });
  });
  afterAll(async () => {
    await h.destroy();
  });

  const get = async (path: string, s: TestSession) => {
    const r = await h.app.request(path, { headers: { cookie: s.cookie } });
    return { status: r.status, html: await r.text() };
  };
  const figure = (html: string, name: string) =>
    new RegExp(`data-figure="${name}">(?:<a href="[^"]*">)?([^<]+)<`).exec(html)?.[1];

  it('shows a branch handler their branch, never another’s incidents', async () => {
    const page = await get('/console/dashboard?branch=CN-XJ', bj); // the parameter is ignored for them
    expect(page.status).toBe(200);
    expect(figure(page.html, 'open')).toBe('2');
    expect(figure(page.html, 'overdue')).toBe('1');
    expect(figure(page.html, 'handled')).toBe('1');
    expect(figure(page.html, 'new-today')).toBe('1');
    expect(page.html).toContain('北京超期事件');
    expect(page.html).not.toContain('新疆超期事件');
    expect(page.html).not.toContain(`/console/incidents/${id.xjOld}"`);
    expect(page.html).not.toContain('name="branch"');
    expect(page.html).toContain(`href="/console/incidents/${id.bjOld}"`);
    expect(page.html).toContain('class="badge off overdue"');
  });

  it('lets national roles pick a branch, all by default, oldest overdue first', async () => {
    const all = await get('/console/dashboard', national);
    expect(all.html).toContain('name="branch"');
    expect(figure(all.html, 'open')).toBe('3');
    expect(figure(all.html, 'overdue')).toBe('2');
    expect(figure(all.html, 'handled')).toBe('1');
    const list = /<table class="incidents">[\s\S]*?<\/table>/.exec(all.html)![0];
    expect(list.indexOf('新疆超期事件')).toBeLessThan(list.indexOf('北京超期事件'));
    expect(list).not.toContain('北京今日事件');
    const xj = await get('/console/dashboard?branch=CN-XJ', national);
    expect(figure(xj.html, 'open')).toBe('1');
    expect(figure(xj.html, 'handled')).toBe('0');
    expect(xj.html).not.toContain('北京超期事件');
    expect(xj.html).toMatch(/<option value="CN-XJ" selected/);
    // The figures link to the queue with the same filters.
    expect(xj.html).toContain(
      'href="/console/incidents?branch=CN-XJ&amp;overdue=1&amp;sort=due_at&amp;order=asc"',
    );
    const bad = await get('/console/dashboard?branch=CN-ZZ&lang=en', national);
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('Branch: no branch CN-ZZ');
    expect(bad.html).toContain('Dashboard');
  });

  it('is not there for roles without incidents', async () => {
    expect((await get('/console/dashboard', publisher)).status).toBe(404);
  });
});
