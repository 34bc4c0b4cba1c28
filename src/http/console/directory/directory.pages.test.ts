import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../../core/auth/actor.ts';
import { DIALECTS } from '../../../../test/support/db.ts';
import { createTestApp, type TestApp, type TestSession } from '../../../../test/support/app.ts';

describe.each(DIALECTS)('directory console on %s', (dialect) => {
  let h: TestApp;
  let analyst: TestSession;
  let writer: TestSession;
  let evilId: number;

  beforeAll(async () => {
    h = await createTestApp(dialect);
    analyst = await h.consoleSession('analyst');
    writer = await h.consoleSession('national_handler');
    const evil = await h.services.directory.createOrganisation(systemActor('test'), {
      kind: 'hosting',
      nameZh: '<script>alert(1)</script>',
      abbreviation: '"><img src=x onerror=alert(2)>',
      notes: '<b>bold</b>',
    });
    evilId = evil.id;
    await h.services.directory.addContact(systemActor('test'), evilId, {
      role: 'abuse',
      email: 'abuse@evil.example',
      name: '<i>x</i>',
    });
    await h.services.directory.addResource(systemActor('test'), evilId, { cidr: '203.0.113.0/24' });
  });
  afterAll(async () => {
    await h.destroy();
  });

  const get = async (path: string, s: TestSession) => {
    const r = await h.app.request(path, { headers: { cookie: s.cookie } });
    return { status: r.status, html: await r.text(), location: r.headers.get('location') };
  };
  // As a browser submits the forms: the token in the `_csrf` field, no header.
  const post = async (path: string, s: TestSession, fields: Record<string, string>, csrf = true) => {
    const r = await h.app.request(path, {
      method: 'POST',
      headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, ...(csrf ? { _csrf: s.csrfToken } : {}) }).toString(),
    });
    return { status: r.status, html: await r.text(), location: r.headers.get('location') };
  };

  it('lists organisations and branches with search, kind filter and paging', async () => {
    const page = await get('/console/directory', analyst);
    expect(page.status).toBe(200);
    expect(page.html).toContain('国家计算机网络应急技术处理协调中心');
    expect(page.html).toContain('新疆维吾尔自治区');
    expect(page.html).toContain('第 1 / 2 页'); // 86 organisations, 50 a page
    expect(page.html).toContain('href="/console/directory?page=2"');
    const certs = await get('/console/directory?kind=cert&q=CERT&lang=en', analyst);
    expect(certs.html).toContain('<html lang="en"');
    expect(certs.html).toContain('CCERT');
    expect(certs.html).not.toContain('四川电信有限公司');
    const page2 = await get('/console/directory?page=2', analyst);
    expect(page2.html).toContain('第 2 / 2 页');
    // A reader sees no way to change anything.
    expect(page.html).not.toContain('/console/directory/organisations/new');
  });

  it('escapes what organisations are called', async () => {
    const list = await get(`/console/directory?q=${encodeURIComponent('<script>')}`, analyst);
    expect(list.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(list.html).not.toContain('<script>alert(1)</script>');
    const details = await get(`/console/directory/organisations/${evilId}`, writer);
    expect(details.status).toBe(200);
    expect(details.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(details.html).not.toContain('<script>alert(1)</script>');
    expect(details.html).not.toContain('<img src=x');
    expect(details.html).not.toContain('<b>bold</b>');
    expect(details.html).not.toContain('<i>x</i>');
  });

  it('puts the session CSRF token on every form a writer sees', async () => {
    const details = await get(`/console/directory/organisations/${evilId}`, writer);
    const forms = details.html.match(/<form method="post"[\s\S]*?<\/form>/g) ?? [];
    expect(forms.length).toBeGreaterThanOrEqual(6); // edit, delete, add contact, remove contact, add network, remove network (+ sign-out)
    for (const f of forms) expect(f).toContain(`name="_csrf" value="${writer.csrfToken}"`);
    const reader = await get(`/console/directory/organisations/${evilId}`, analyst);
    expect(reader.html).toContain('203.0.113.0/24');
    expect(reader.html).not.toContain(`/console/directory/organisations/${evilId}/contacts`);
  });

  it('creates, edits and extends an organisation through the forms', async () => {
    const noCsrf = await post(
      '/console/directory/organisations',
      writer,
      { kind: 'isp', nameZh: '表单运营商' },
      false,
    );
    expect(noCsrf.status).toBe(403);

    const bad = await post('/console/directory/organisations', writer, { kind: 'isp', website: 'ftp://x' });
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('中文名称');
    expect(bad.html).toContain('网站');

    const created = await post('/console/directory/organisations', writer, {
      kind: 'isp',
      nameZh: '表单运营商',
      branchCode: 'CN-XJ',
    });
    expect(created.status).toBe(303);
    const path = created.location!.replace(/\?.*$/, '');
    expect(path).toMatch(/^\/console\/directory\/organisations\/\d+$/);
    expect((await get(created.location!, writer)).html).toContain('组织已创建');

    expect(
      (await post(`${path}/contacts`, writer, { role: 'abuse', email: 'abuse@form.example' })).status,
    ).toBe(303);
    expect((await post(`${path}/networks`, writer, { value: '100.64.0.0/10' })).status).toBe(303);
    expect((await post(`${path}/networks`, writer, { value: 'AS64496' })).status).toBe(303);
    expect((await post(`${path}/networks`, writer, { value: 'form.example' })).status).toBe(303);
    const dup = await post(`${path}/networks`, writer, { value: '100.64.0.0/10' });
    expect(dup.status).toBe(409);
    const badNet = await post(`${path}/networks`, writer, { value: '100.64.0.0/99' });
    expect(badNet.status).toBe(400);
    expect(badNet.html).toContain('网段（CIDR）');

    const edited = await post(path, writer, {
      kind: 'isp',
      nameZh: '表单运营商',
      nameEn: 'Form ISP',
      notifyInterval: 'weekly',
      registeredInCommunity: '1',
    });
    expect(edited.status).toBe(303);
    const page = await get(`${path}?lang=en`, writer);
    expect(page.html).toContain('Form ISP');
    expect(page.html).toContain('Weekly');
    expect(page.html).toContain('abuse@form.example');
    expect(page.html).toContain('AS64496');

    const lookup = await get('/console/directory?lookup=100.100.1.1', analyst);
    expect(lookup.html).toContain('100.64.0.0/10');
    expect(lookup.html).toContain('abuse@form.example');

    const netId = /\/networks\/(\d+)\/delete/.exec(page.html)![1];
    expect((await post(`${path}/networks/${netId}/delete`, writer, {})).status).toBe(303);
    expect((await get(path, writer)).html).not.toContain('100.64.0.0/10');
    expect((await post(`${path}/delete`, writer, {})).status).toBe(303);
    expect((await get(path, writer)).status).toBe(404);
  });

  it('refuses writes to readers and hides the pages from roles without directory.read', async () => {
    expect((await get('/console/directory/organisations/new', analyst)).status).toBe(403);
    const r = await post('/console/directory/organisations', analyst, { kind: 'isp', nameZh: '读者不能建' });
    expect(r.status).toBe(403);
    expect((await post(`/console/directory/organisations/${evilId}/delete`, analyst, {})).status).toBe(403);
    const reporter = await h.consoleSession('reporter');
    expect((await get('/console/directory', reporter)).status).toBe(404);
    const anonymous = await h.app.request('/console/directory');
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toMatch(/^\/console\/login/);
  });
});
