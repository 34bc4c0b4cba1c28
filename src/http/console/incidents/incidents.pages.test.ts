import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../../core/auth/actor.ts';
import { DIALECTS } from '../../../../test/support/db.ts';
import { createTestApp, type TestApp, type TestSession } from '../../../../test/support/app.ts';
import { actorOf } from '../../../../test/support/factories.ts';

const system = systemActor('test');

describe.each(DIALECTS)('incident console on %s', (dialect) => {
  let h: TestApp;
  let national: TestSession;
  let bj: TestSession;
  let bj2: TestSession;
  let xj: TestSession;
  let analyst: TestSession;
  /** Incidents by name: bjPhish (overdue), bjSpam, xjDeface, evil (CN-BJ, script title). */
  const id = { bjPhish: 0, bjSpam: 0, xjDeface: 0, evil: 0 };

  beforeAll(async () => {
    h = await createTestApp(dialect); // now: 2007-06-30T08:00Z
    national = await h.consoleSession('national_handler');
    bj = await h.consoleSession('branch_handler', 'CN-BJ');
    bj2 = await h.consoleSession('branch_handler', 'CN-BJ');
    xj = await h.consoleSession('branch_handler', 'CN-XJ');
    analyst = await h.consoleSession('analyst');
    const svc = h.services.incidents;
    const phish = await svc.createReport(system, {
      channel: 'email',
      reporter: { type: 'organisation', name: '某银行', email: 'soc@bank.example.cn' },
      receivedAt: '2007-06-01T02:00:00Z',
      subject: '北京某银行仿冒网站',
      description: '仿冒网站托管在 203.0.113.45，域名 fake-bank.example.com',
      category: 'phishing',
      branchCode: 'CN-BJ',
    });
    id.bjPhish = phish.incident!.id;
    id.bjSpam = (
      await svc.createIncident(system, {
        title: '垃圾邮件投诉',
        category: 'spam',
        branchCode: 'CN-BJ',
        openedAt: '2007-06-30T07:00:00Z',
      })
    ).id;
    const deface = await svc.createReport(system, {
      channel: 'phone',
      subject: '新疆某政府网站被篡改',
      description: '首页被替换，服务器 203.0.113.99',
      category: 'defacement',
      branchCode: 'CN-XJ',
      receivedAt: '2007-06-29T02:00:00Z',
    });
    id.xjDeface = deface.incident!.id;
    id.evil = (
      await svc.createIncident(system, {
        title: '<script>alert(1)</script>',
        description: '<img src=x onerror=alert(2)>',
        category: 'other',
        branchCode: 'CN-BJ',
        openedAt: '2007-06-30T06:00:00Z',
      })
    ).id;
  });
  afterAll(async () => {
    await h.destroy();
  });

  const get = async (path: string, s: TestSession, headers: Record<string, string> = {}) => {
    const r = await h.app.request(path, { headers: { cookie: s.cookie, ...headers } });
    return { status: r.status, html: await r.text(), location: r.headers.get('location') };
  };
  const post = async (path: string, s: TestSession, fields: Record<string, string>, csrf = true) => {
    const r = await h.app.request(path, {
      method: 'POST',
      headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, ...(csrf ? { _csrf: s.csrfToken } : {}) }).toString(),
    });
    return { status: r.status, html: await r.text(), location: r.headers.get('location') };
  };
  /** The queue rows' incident ids, in order. */
  const rowIds = (html: string) => [...html.matchAll(/data-incident-id="(\d+)"/g)].map((m) => Number(m[1]));
  const row = (html: string, incidentId: number) =>
    new RegExp(`<tr[^>]*data-incident-id="${incidentId}"[^>]*>([\\s\\S]*?)</tr>`).exec(html)?.[1] ?? '';
  const current = (incidentId: number) => h.services.incidents.getIncident(system, incidentId);

  describe('queue', () => {
    it('lists the actor’s incidents and never another branch’s', async () => {
      const forBj = await get('/console/incidents', bj);
      expect(forBj.status).toBe(200);
      expect(rowIds(forBj.html).sort()).toEqual([id.bjPhish, id.bjSpam, id.evil].sort());
      expect(forBj.html).not.toContain('新疆某政府网站被篡改');
      expect(forBj.html).not.toContain(`/console/incidents/${id.xjDeface}"`);
      const forNational = await get('/console/incidents', national);
      expect(rowIds(forNational.html)).toEqual(expect.arrayContaining([id.bjPhish, id.xjDeface]));
      // Branch handlers are fixed to their branch: no branch selector, and a branch filter of
      // another branch shows nothing of it.
      expect(forBj.html).not.toContain('name="branch"');
      expect(forNational.html).toContain('name="branch"');
      const sneaky = await get('/console/incidents?branch=CN-XJ', bj);
      expect(sneaky.html).not.toContain('新疆某政府网站被篡改');
      const nationalXj = await get('/console/incidents?branch=CN-XJ', national);
      expect(rowIds(nationalXj.html)).toEqual([id.xjDeface]);
    });

    it('filters by category, state, CIDR observable and Chinese text', async () => {
      const phishing = await get('/console/incidents?category=phishing', national);
      expect(rowIds(phishing.html)).toEqual([id.bjPhish]);
      expect(phishing.html).toContain('网络仿冒');

      const byCidr = await get(
        `/console/incidents?observable=${encodeURIComponent('203.0.113.0/24')}`,
        national,
      );
      expect(rowIds(byCidr.html).sort()).toEqual([id.bjPhish, id.xjDeface].sort());
      const byCidrBj = await get(`/console/incidents?observable=${encodeURIComponent('203.0.113.0/24')}`, bj);
      expect(rowIds(byCidrBj.html)).toEqual([id.bjPhish]);

      const text = await get(`/console/incidents?q=${encodeURIComponent('篡改')}`, national);
      expect(rowIds(text.html)).toEqual([id.xjDeface]);
      const reportText = await get(`/console/incidents?q=${encodeURIComponent('仿冒网站托管')}`, national);
      expect(rowIds(reportText.html)).toEqual([id.bjPhish]);

      await h.services.incidents.changeState(system, id.bjSpam, { state: 'triaged' });
      const triaged = await get('/console/incidents?state=triaged', bj);
      expect(rowIds(triaged.html)).toEqual([id.bjSpam]);
      const newOrTriaged = await get('/console/incidents?state=new&state=triaged&category=spam', bj);
      expect(rowIds(newOrTriaged.html)).toEqual([id.bjSpam]);
      // The form keeps what was asked.
      expect(newOrTriaged.html).toMatch(/<input type="checkbox" name="state" value="triaged" checked/);

      const mine = await get('/console/incidents?assignee=mine', bj);
      expect(rowIds(mine.html)).toEqual([]);
      const overdue = await get('/console/incidents?overdue=1', national);
      expect(rowIds(overdue.html)).toEqual([id.bjPhish]);
      // Opened on a local day (Asia/Shanghai): the spam complaint opened 15:00 local on 06-30.
      const day = await get('/console/incidents?from=2007-06-30&to=2007-06-30', bj);
      expect(rowIds(day.html).sort()).toEqual([id.bjSpam, id.evil].sort());
    });

    it('says clearly what is wrong with a filter', async () => {
      const bad = await get('/console/incidents?observable=not-an-observable%20at%20all&lang=en', national);
      expect(bad.status).toBe(400);
      expect(bad.html).toContain(
        'Observable: expected an IP, CIDR block, domain, URL, e-mail address or hash',
      );
      const badDay = await get('/console/incidents?from=2007-13-01', national);
      expect(badDay.status).toBe(400);
      expect(badDay.html).toContain('建立日期起: expected a day YYYY-MM-DD');
      const badState = await get('/console/incidents?state=bogus', national);
      expect(badState.status).toBe(400);
      expect(badState.html).toContain('unknown value &quot;bogus&quot;');
    });

    it('flags overdue incidents', async () => {
      const page = await get('/console/incidents', bj);
      expect(row(page.html, id.bjPhish)).toContain('class="badge off overdue"');
      expect(row(page.html, id.bjPhish)).toContain('超期');
      expect(row(page.html, id.bjSpam)).not.toContain('overdue');
      const en = await get('/console/incidents?lang=en', bj);
      expect(row(en.html, id.bjPhish)).toContain('OVERDUE');
    });

    it('answers htmx with the results only, and the full page without it', async () => {
      const partial = await get('/console/incidents?category=spam', bj, { 'hx-request': 'true' });
      expect(partial.status).toBe(200);
      expect(partial.html.startsWith('<div id="incident-results">')).toBe(true);
      expect(partial.html).not.toContain('<html');
      expect(rowIds(partial.html)).toEqual([id.bjSpam]);
      const full = await get('/console/incidents?category=spam', bj);
      expect(full.html).toContain('<!DOCTYPE html>');
      expect(full.html).toContain('hx-get="/console/incidents"');
      expect(full.html).toContain('hx-target="#incident-results"');
    });

    it('escapes what people wrote', async () => {
      const page = await get('/console/incidents', bj);
      expect(page.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(page.html).not.toContain('<script>alert(1)</script>');
      const detail = await get(`/console/incidents/${id.evil}`, bj);
      expect(detail.status).toBe(200);
      expect(detail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(detail.html).not.toContain('<script>alert(1)</script>');
      expect(detail.html).not.toContain('<img src=x');
    });

    it('renders in English with ?lang=en', async () => {
      const page = await get('/console/incidents?lang=en', national);
      expect(page.html).toContain('<html lang="en"');
      expect(page.html).toContain('Incident queue');
      expect(page.html).toContain('Saved views');
      expect(page.html).not.toContain('事件队列');
      const detail = await get(`/console/incidents/${id.bjPhish}?lang=en`, national);
      expect(detail.html).toContain('Timeline');
      expect(detail.html).toContain('Phishing');
    });

    it('sends /console to the queue', async () => {
      const r = await get('/console', bj);
      expect(r.status).toBe(303);
      expect(r.location).toBe('/console/incidents');
    });
  });

  describe('saved views', () => {
    it('saves filters for me or my branch, lists them as links, deletes my own', async () => {
      const personal = await post('/console/incidents/views', bj, {
        name: '我的垃圾邮件',
        visibility: 'personal',
        filters: 'category=spam&assignee=mine',
      });
      expect(personal.status).toBe(303);
      expect(personal.location).toContain('category=spam');
      const shared = await post('/console/incidents/views', bj, {
        name: '北京仿冒',
        visibility: 'branch',
        filters: 'category=phishing',
      });
      expect(shared.status).toBe(303);
      await post('/console/incidents/views', xj, {
        name: '新疆篡改',
        visibility: 'branch',
        filters: 'category=defacement',
      });

      const forBj = await get('/console/incidents', bj);
      expect(forBj.html).toContain('我的垃圾邮件');
      expect(forBj.html).toContain('href="/console/incidents?category=phishing"');
      const forBj2 = await get('/console/incidents', bj2);
      expect(forBj2.html).toContain('北京仿冒');
      expect(forBj2.html).not.toContain('我的垃圾邮件');
      expect(forBj2.html).not.toContain('新疆篡改');
      const forNational = await get('/console/incidents', national);
      expect(forNational.html).toContain('北京仿冒');
      expect(forNational.html).toContain('新疆篡改');

      // A national handler saves a CN-BJ view that filters on CN-XJ: opened by a CN-BJ handler,
      // it still shows nothing of CN-XJ.
      await post('/console/incidents/views', national, {
        name: '看看新疆',
        visibility: 'branch',
        branchCode: 'CN-BJ',
        filters: 'branch=CN-XJ',
      });
      const listed = await get('/console/incidents', bj);
      const link = /<a href="([^"]+)">看看新疆<\/a>/.exec(listed.html)?.[1];
      expect(link).toBe('/console/incidents?branch=CN-XJ');
      const opened = await get(link!.replace(/&amp;/g, '&'), bj);
      expect(opened.html).not.toContain('新疆某政府网站被篡改');

      const views = await h.services.savedViews.listViews(actorOf(bj.user));
      const mine = views.find((v) => v.name === '我的垃圾邮件')!;
      const theirs = views.find((v) => v.name === '看看新疆')!;
      expect(mine.query).toEqual({ categories: ['spam'], assignee: 'mine' });
      const refused = await post(`/console/incidents/views/${theirs.id}/delete`, bj, {});
      expect(refused.status).toBe(403);
      const xjView = (await h.services.savedViews.listViews(actorOf(xj.user))).find(
        (v) => v.name === '新疆篡改',
      )!;
      expect((await post(`/console/incidents/views/${xjView.id}/delete`, bj, {})).status).toBe(404);
      const deleted = await post(`/console/incidents/views/${mine.id}/delete`, bj, {});
      expect(deleted.status).toBe(303);
      expect((await h.services.savedViews.listViews(actorOf(bj.user))).map((v) => v.name)).not.toContain(
        '我的垃圾邮件',
      );
    });

    it('refuses a view without a name, showing why', async () => {
      const r = await post('/console/incidents/views', bj, {
        name: ' ',
        visibility: 'personal',
        filters: 'category=spam',
      });
      expect(r.status).toBe(400);
      expect(r.html).toContain('视图名称: a name is required');
    });
  });

  describe('incident page', () => {
    it('shows the header, reports, observables, timeline and audit', async () => {
      const page = await get(`/console/incidents/${id.bjPhish}`, bj);
      expect(page.status).toBe(200);
      expect(page.html).toContain('北京某银行仿冒网站');
      expect(page.html).toContain('fraud/phishing');
      expect(page.html).toContain('TLP:AMBER');
      expect(page.html).toContain('soc@bank.example.cn');
      expect(page.html).toContain('203.0.113.45');
      expect(page.html).toContain('fake-bank.example.com');
      expect(page.html).toContain('class="badge off overdue"');
      expect(page.html).toMatch(/<tr data-audit-action="create">/);
      // Only the states one may move to from new are offered (never merged).
      const states = /<form method="post" action="[^"]+\/state"[\s\S]*?<\/form>/.exec(page.html)![0];
      expect([...states.matchAll(/<option value="(\w+)"/g)].map((m) => m[1])).toEqual([
        'triaged',
        'assigned',
        'in_progress',
        'resolved',
        'rejected',
      ]);
      // The assignee list holds the branch's handlers and national staff, never another branch's.
      expect(page.html).toContain(bj2.user.username);
      expect(page.html).toContain(national.user.username);
      expect(page.html).not.toContain(xj.user.username);
      // A branch handler is not offered reassignment or merging.
      expect(page.html).not.toContain('/reassign"');
      expect(page.html).not.toContain('/merge"');
    });

    it('is the same 404 for another branch’s incident as for none, for the page and every form', async () => {
      const missing = await get('/console/incidents/999999', bj);
      const hidden = await get(`/console/incidents/${id.xjDeface}`, bj);
      expect(missing.status).toBe(404);
      expect(hidden.status).toBe(404);
      expect(hidden.html).not.toContain('新疆某政府网站被篡改');
      expect(hidden.html.replace(/\d{6}|\d+/g, '')).toBe(missing.html.replace(/\d{6}|\d+/g, ''));
      const before = await current(id.xjDeface);
      const forms: [string, Record<string, string>][] = [
        ['state', { state: 'triaged' }],
        ['classification', { title: 'x', category: 'spam', severity: 'low', tlp: 'green' }],
        ['assign', { assigneeId: String(bj.user.id) }],
        ['reassign', { branchCode: 'CN-BJ' }],
        ['actions', { kind: 'note', note: 'x' }],
        ['merge', { ids: String(id.bjSpam) }],
      ];
      for (const [path, fields] of forms) {
        const r = await post(`/console/incidents/${id.xjDeface}/${path}`, bj, fields);
        expect(r.status, path).toBe(404);
        expect(r.html).not.toContain('新疆某政府网站被篡改');
      }
      const after = await current(id.xjDeface);
      expect(after.version).toBe(before.version);
      expect(after.actions).toHaveLength(0);
      const denials = await h.services.incidents.listAudit(system, id.xjDeface, { limit: 50 });
      expect(denials.filter((a) => a.action === 'denied').length).toBeGreaterThanOrEqual(7);
    });

    it('refuses a state change without the CSRF token and records one with it', async () => {
      const before = await current(id.evil);
      const refused = await post(`/console/incidents/${id.evil}/state`, bj, { state: 'triaged' }, false);
      expect(refused.status).toBe(403);
      expect((await current(id.evil)).state).toBe(before.state);
      const wrong = await post(
        `/console/incidents/${id.evil}/state`,
        bj,
        { state: 'triaged', _csrf: 'forged' },
        false,
      );
      expect(wrong.status).toBe(403);
      expect((await current(id.evil)).state).toBe('new');

      const done = await post(`/console/incidents/${id.evil}/state`, bj, {
        state: 'triaged',
        note: '已核实',
        version: String(before.version),
      });
      expect(done.status).toBe(303);
      expect(done.location).toBe(`/console/incidents/${id.evil}?done=state`);
      const after = await current(id.evil);
      expect(after.state).toBe('triaged');
      const audit = await h.services.incidents.listAudit(system, id.evil, { limit: 10 });
      const row0 = audit.find((a) => a.action === 'state')!;
      expect(row0).toMatchObject({
        actorId: bj.user.id,
        before: { state: 'new' },
        after: { state: 'triaged' },
      });
      const page = await get(done.location!, bj);
      expect(page.html).toContain('状态已变更');
      expect(page.html).toMatch(/<tr data-audit-action="state">/);
    });

    it('shows an illegal transition as an error and changes nothing', async () => {
      await h.services.incidents.changeState(system, id.bjSpam, { state: 'resolved' });
      const before = await current(id.bjSpam);
      const r = await post(`/console/incidents/${id.bjSpam}/state`, bj, { state: 'assigned' });
      expect(r.status).toBe(409);
      expect(r.html).toContain('无法将事件从“已解决”变更为“已分派”');
      const en = await post(`/console/incidents/${id.bjSpam}/state?lang=en`, bj, { state: 'assigned' });
      expect(en.status).toBe(409);
      expect(en.html).toContain('Cannot move an incident from Resolved to Assigned');
      const after = await current(id.bjSpam);
      expect(after.state).toBe('resolved');
      expect(after.version).toBe(before.version);
      // A stale version is a conflict too.
      const stale = await post(`/console/incidents/${id.bjSpam}/state`, bj, {
        state: 'in_progress',
        version: '1',
      });
      expect(stale.status).toBe(409);
      expect(stale.html).toContain('事件已被他人修改');
    });

    it('edits the classification, assigns and reassigns', async () => {
      const inc = await h.services.incidents.createIncident(system, {
        title: '待分类',
        category: 'other',
        branchCode: 'CN-BJ',
      });
      const edit = await post(`/console/incidents/${inc.id}/classification`, bj, {
        title: '某网站挂马',
        category: 'web-malicious-code',
        severity: 'high',
        tlp: 'green',
        version: String(inc.version),
      });
      expect(edit.status).toBe(303);
      let now = await current(inc.id);
      expect(now).toMatchObject({
        title: '某网站挂马',
        category: 'web-malicious-code',
        rsit: 'malicious-code/malware-distribution',
        severity: 'high',
        tlp: 'green',
      });
      const assign = await post(`/console/incidents/${inc.id}/assign`, bj, {
        assigneeId: String(bj2.user.id),
        version: String(now.version),
      });
      expect(assign.status).toBe(303);
      now = await current(inc.id);
      expect(now).toMatchObject({ assigneeId: bj2.user.id, state: 'assigned' });
      const mine = await get('/console/incidents?assignee=mine', bj2);
      expect(rowIds(mine.html)).toEqual([inc.id]);

      const wrongUser = await post(`/console/incidents/${inc.id}/assign`, bj, {
        assigneeId: String(xj.user.id),
      });
      expect(wrongUser.status).toBe(400);
      expect(wrongUser.html).toContain(`处理人: user ${xj.user.username} works for CN-XJ, not CN-BJ`);

      const notAllowed = await post(`/console/incidents/${inc.id}/reassign`, bj, { branchCode: 'CN-TJ' });
      expect(notAllowed.status).toBe(403);
      expect((await current(inc.id)).branchCode).toBe('CN-BJ');
      const moved = await post(`/console/incidents/${inc.id}/reassign`, national, {
        branchCode: 'CN-TJ',
        note: '属天津',
      });
      expect(moved.status).toBe(303);
      now = await current(inc.id);
      expect(now.branchCode).toBe('CN-TJ');
      // Gone from CN-BJ's reach.
      expect((await get(`/console/incidents/${inc.id}`, bj)).status).toBe(404);
      const page = await get(`/console/incidents/${inc.id}`, national);
      expect(page.html).toContain('转交分中心');
      expect(page.html).toContain('属天津');
    });

    it('adds an action that shows on the timeline, with a counterpart from the directory', async () => {
      const org = await h.services.directory.createOrganisation(system, {
        kind: 'registrar',
        nameZh: '某域名注册服务机构',
        abbreviation: 'REG-TEST',
      });
      const search = await get(`/console/incidents/counterparts?orgq=${encodeURIComponent('REG-TEST')}`, bj, {
        'hx-request': 'true',
      });
      expect(search.status).toBe(200);
      expect(search.html).toContain(`<option value="${org.id}">某域名注册服务机构 (REG-TEST)</option>`);
      const withoutJs = await get(`/console/incidents/${id.bjPhish}?orgq=REG-TEST`, bj);
      expect(withoutJs.html).toContain(`<option value="${org.id}">`);

      const r = await post(`/console/incidents/${id.bjPhish}/actions`, bj, {
        kind: 'request_domain_suspension',
        counterpartOrgId: String(org.id),
        counterpart: '注册商滥用投诉组',
        outcome: 'success',
        occurredAt: '2007-06-30T15:30',
        note: '已要求暂停 fake-bank.example.com',
      });
      expect(r.status).toBe(303);
      const inc = await current(id.bjPhish);
      const action = inc.actions.find((a) => a.kind === 'request_domain_suspension')!;
      expect(action).toMatchObject({
        counterpartOrgId: org.id,
        counterpart: '注册商滥用投诉组',
        outcome: 'success',
        branchCode: 'CN-BJ',
        occurredAt: '2007-06-30T07:30:00.000Z', // 15:30 in Asia/Shanghai
      });
      const page = await get(`/console/incidents/${id.bjPhish}`, bj);
      const timeline = /<ol class="timeline">([\s\S]*?)<\/ol>/.exec(page.html)![1]!;
      expect(timeline).toContain('请求域名注册商暂停解析');
      expect(timeline).toContain('已要求暂停 fake-bank.example.com');
      expect(timeline).toContain('2007-06-30 15:30');
      expect(timeline).toContain('class="timeline-report"');

      const bad = await post(`/console/incidents/${id.bjPhish}/actions`, bj, {
        kind: 'note',
        occurredAt: 'yesterday',
      });
      expect(bad.status).toBe(400);
      expect(bad.html).toContain('发生时间: expected a date and time');
    });

    it('merges incidents from the merge form (national roles only)', async () => {
      const a = await h.services.incidents.createIncident(system, {
        title: '重复报告甲',
        category: 'spam',
        branchCode: 'CN-BJ',
      });
      const b = await h.services.incidents.createIncident(system, {
        title: '重复报告乙',
        category: 'spam',
        branchCode: 'CN-BJ',
      });
      const c = await h.services.incidents.createIncident(system, {
        title: '重复报告丙',
        category: 'spam',
        branchCode: 'CN-BJ',
      });
      const refused = await post(`/console/incidents/${a.id}/merge`, bj, { ids: String(b.id) });
      expect(refused.status).toBe(403);
      expect(refused.html).toContain('只有国家中心人员可以合并事件');
      expect((await current(b.id)).state).toBe('new');

      const badIds = await post(`/console/incidents/${a.id}/merge`, national, { ids: 'abc' });
      expect(badIds.status).toBe(400);
      expect(badIds.html).toContain('并入本事件的事件编号: &quot;abc&quot; is not an incident id');
      const missing = await post(`/console/incidents/${a.id}/merge`, national, { ids: '999999' });
      expect(missing.status).toBe(400);
      expect(missing.html).toContain('找不到事件 #999999');

      const merged = await post(`/console/incidents/${a.id}/merge`, national, { ids: `${b.id}, #${c.id}` });
      expect(merged.status).toBe(303);
      expect(await current(b.id)).toMatchObject({ state: 'merged', mergedIntoId: a.id });
      expect(await current(c.id)).toMatchObject({ state: 'merged', mergedIntoId: a.id });
      const page = await get(`/console/incidents/${b.id}`, national);
      expect(page.html).toContain(`href="/console/incidents/${a.id}"`);
      expect(page.html).not.toContain('/state"'); // a merged incident has no forms
    });

    it('is read-only for analysts', async () => {
      const page = await get(`/console/incidents/${id.bjPhish}`, analyst);
      expect(page.status).toBe(200);
      expect(page.html).not.toContain('method="post" action="/console/incidents/');
      const r = await post(`/console/incidents/${id.bjPhish}/state`, analyst, { state: 'triaged' });
      expect(r.status).toBe(403);
      expect(page.html).not.toContain('/console/incidents/new');
    });
  });

  describe('staff entry', () => {
    it('records a phone report with an attachment and opens an incident', async () => {
      const form = new FormData();
      form.set('_csrf', bj.csrfToken);
      form.set('channel', 'phone');
      form.set('reporterType', 'individual');
      form.set('reporterName', '张先生');
      form.set('reporterPhone', '010-8888-0000');
      form.set('reporterEmail', '');
      form.set('receivedAt', '2007-06-30T09:15');
      form.set('category', 'phishing');
      form.set('severity', 'high');
      form.set('tlp', 'green');
      form.set('subject', '来电：仿冒网上银行');
      form.set('description', '来电称收到短信，链接为 hxxp://bank-login[.]example[.]com');
      form.set(
        'attachment',
        new File(['note from the call: 198.51.100.23\n'], 'call-notes.txt', { type: 'text/plain' }),
      );
      const r = await h.app.request('/console/incidents/new', {
        method: 'POST',
        headers: { cookie: bj.cookie },
        body: form,
      });
      expect(r.status).toBe(201);
      const recorded = await r.text();
      const location = (
        /href="(\/console\/incidents\/\d+\?done=created&amp;tracking=[0-9A-Z-]+)"/.exec(recorded)?.[1] ?? ''
      ).replaceAll('&amp;', '&');
      const m = /^\/console\/incidents\/(\d+)\?done=created&tracking=([0-9A-Z-]+)$/.exec(location);
      expect(m).not.toBeNull();
      // the status link to read out to the caller works on the public site, once
      const statusLink = /<code data-status-link[^>]*>([^<]+)<\/code>/
        .exec(recorded)![1]!
        .replaceAll('&amp;', '&');
      expect(statusLink).toMatch(
        new RegExp(`^http://localhost:8080/status/${m![2]}\\?s=[A-Za-z0-9_-]{20,}$`),
      );
      const status = await h.app.request(new URL(statusLink).pathname + new URL(statusLink).search);
      expect(status.status).toBe(200);
      expect(await status.text()).toContain(m![2]!);
      const inc = await current(Number(m![1]));
      expect(inc).toMatchObject({
        branchCode: 'CN-BJ',
        category: 'phishing',
        severity: 'high',
        tlp: 'green',
        state: 'new',
        openedAt: '2007-06-30T01:15:00.000Z',
      });
      expect(inc.reports).toHaveLength(1);
      expect(inc.reports[0]).toMatchObject({
        channel: 'phone',
        trackingNumber: m![2],
        reporter: { type: 'individual', name: '张先生', phone: '010-8888-0000' },
        receivedAt: '2007-06-30T01:15:00.000Z',
      });
      expect(inc.reports[0]!.attachments.map((a) => a.filename)).toEqual(['call-notes.txt']);
      expect(inc.observables.map((o) => o.value)).toEqual(expect.arrayContaining(['198.51.100.23']));
      const page = await get(location, bj);
      expect(page.html).toContain(m![2]!);
      expect(page.html).toContain('来电：仿冒网上银行');
      expect(page.html).toContain('call-notes.txt');
    });

    it('shows what is missing and keeps what was typed', async () => {
      const form = new FormData();
      form.set('_csrf', national.csrfToken);
      form.set('channel', 'fax');
      form.set('reporterName', '李女士');
      form.set('reporterEmail', 'not-an-email');
      form.set('subject', '');
      form.set('description', '');
      form.set('branchCode', 'CN-XJ');
      const r = await h.app.request('/console/incidents/new', {
        method: 'POST',
        headers: { cookie: national.cookie },
        body: form,
      });
      expect(r.status).toBe(400);
      const html = await r.text();
      expect(html).toContain('报告人邮箱');
      expect(html).toContain('主题: 请填写主题或描述');
      expect(html).toContain('value="李女士"');
      expect(html).toMatch(/<option value="fax" selected/);
    });

    it('files a national user’s report in the branch they choose', async () => {
      const form = new FormData();
      form.set('_csrf', national.csrfToken);
      form.set('channel', 'partner');
      form.set('subject', '合作组织通报');
      form.set('branchCode', 'CN-XJ');
      const r = await h.app.request('/console/incidents/new', {
        method: 'POST',
        headers: { cookie: national.cookie },
        body: form,
      });
      expect(r.status).toBe(201);
      const incidentId = Number(/\/console\/incidents\/(\d+)\?done=created/.exec(await r.text())![1]);
      expect((await current(incidentId)).branchCode).toBe('CN-XJ');
      expect((await get(`/console/incidents/${incidentId}`, bj)).status).toBe(404);
    });
  });

  describe('paging', () => {
    it('walks the queue a page at a time with the keyset cursor', async () => {
      for (let i = 0; i < 55; i += 1) {
        await h.services.incidents.createIncident(system, {
          title: `批量 ${i}`,
          category: 'scanning',
          branchCode: 'CN-SH',
        });
      }
      const first = await get('/console/incidents?category=scanning', national);
      expect(rowIds(first.html)).toHaveLength(50);
      const next = /<a rel="next" href="([^"]+)"/.exec(first.html)![1]!.replace(/&amp;/g, '&');
      expect(next).toMatch(/^\/console\/incidents\?category=scanning&cursor=/);
      const second = await get(next, national);
      expect(rowIds(second.html)).toHaveLength(5);
      expect(second.html).not.toContain('rel="next"');
      const all = [...rowIds(first.html), ...rowIds(second.html)];
      expect(new Set(all).size).toBe(55);
      expect(all).toEqual([...all].sort((x, y) => y - x));
      const bad = await get('/console/incidents?cursor=garbage', national);
      expect(bad.status).toBe(400);
    });
  });
});
