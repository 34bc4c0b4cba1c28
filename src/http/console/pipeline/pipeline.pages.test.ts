import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../../../test/support/db.ts';
import { createTestApp, type TestApp } from '../../../../test/support/app.ts';
import { insertEvents } from '../../../../test/support/event-fixtures.ts';

describe.each(DIALECTS)('pipeline console and events API on %s', (dialect) => {
  let h: TestApp;
  let ids: number[];

  beforeAll(async () => {
    h = await createTestApp(dialect);
    ids = await insertEvents(h.database.db, [
      {
        type: 'infected-system',
        time: '2007-01-10T00:00:00.000Z',
        src: '10.1.2.3',
        srcAsn: 4134,
        srcBranch: 'CN-BJ',
        srcCc: 'CN',
        dst: '198.51.100.7',
        dstPort: 6667,
        malware: 'huigezi',
        feed: 'sinkhole',
        fields: { 'source.abuse_contact': 'abuse@bj.example' },
      },
      {
        type: 'phishing',
        time: '2007-04-10T00:00:00.000Z',
        src: '10.200.0.1',
        srcBranch: 'CN-SH',
        srcCc: 'CN',
        url: 'http://bank.example.cn/login',
        feed: 'phish',
      },
    ]);
    await h.database.db
      .insertInto('feed_state')
      .values({
        feed: 'sinkhole',
        last_run_at: '2007-06-01T00:00:00.000Z',
        last_status: 'ok',
        last_error: null,
        last_fetch_at: null,
        etag: null,
        last_modified: null,
        reports_total: 4,
        events_total: 1234,
        errors_total: 2,
      })
      .execute();
    await h.database.db
      .insertInto('dead_letters')
      .values({
        raw_report_id: 1,
        feed: 'sinkhole',
        line: 17,
        raw: '"2007-01-01",not-an-ip',
        error: 'source.ip: not an address',
        attempts: 1,
        created_at: '2007-06-01T00:00:00.000Z',
        retried_at: null,
      })
      .execute();
  });
  afterAll(async () => {
    await h.destroy();
  });

  it('serves GET /api/v1/events with filters, scope and named errors', async () => {
    const national = await h.actorHeaders('national_handler');
    const res = await h.app.request('/api/v1/events?cidr=10.0.0.0/8&classification=infected-system', {
      headers: national,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      items: { id: number; source: { ip: string }; fields: Record<string, unknown> }[];
      nextCursor: string | null;
    };
    expect(body.items.map((e) => e.id)).toEqual([ids[0]]);
    expect(body.items[0]!.fields['source.abuse_contact']).toBe('abuse@bj.example');
    expect(body.nextCursor).toBeNull();

    const sh = await h.actorHeaders('branch_handler', 'CN-SH');
    const mine = (await (await h.app.request('/api/v1/events', { headers: sh })).json()) as {
      items: { id: number }[];
    };
    expect(mine.items.map((e) => e.id)).toEqual([ids[1]]);
    expect((await h.app.request(`/api/v1/events/${ids[0]}`, { headers: sh })).status).toBe(404);
    expect((await h.app.request(`/api/v1/events/${ids[1]}`, { headers: sh })).status).toBe(200);

    const bad = await h.app.request('/api/v1/events?ip=999.1.1.1&limit=9999', { headers: national });
    expect(bad.status).toBe(400);
    const err = (await bad.json()) as { error: { id: string; fields: { field: string }[] } };
    expect(err.error.id).toBe('invalid_input');
    expect(err.error.fields.map((f) => f.field)).toEqual(['ip', 'limit']);
    expect(
      (await h.app.request('/api/v1/events', { headers: await h.actorHeaders('publisher') })).status,
    ).toBe(403);
    const spec = (await (await h.app.request('/api/openapi.json')).json()) as {
      paths: Record<string, unknown>;
    };
    expect(spec.paths['/api/v1/events']).toBeDefined();
  });

  it('renders feeds, event search, event details and dead letters', async () => {
    const s = await h.consoleSession('national_handler');
    const feeds = await (await h.app.request('/console/pipeline', { headers: s.headers })).text();
    expect(feeds).toContain('data-feed="sinkhole"');
    expect(feeds).toContain('1234');
    expect(feeds).toContain('2007-06-01T00:00:00.000Z');
    expect(feeds).not.toContain('data-feed="phish"'); // feeds come from collector state and raw reports

    const search = await h.app.request('/console/pipeline/events?malware=%E7%81%B0%E9%B8%BD%E5%AD%90', {
      headers: s.headers,
    });
    expect(search.status).toBe(200);
    const html = await search.text();
    expect(html).toContain(`data-event="${ids[0]}"`);
    expect(html).not.toContain(`data-event="${ids[1]}"`);
    expect(html).toContain('事件检索');

    const detail = await (
      await h.app.request(`/console/pipeline/events/${ids[0]}?lang=en`, { headers: s.headers })
    ).text();
    expect(detail).toContain('source.abuse_contact');
    expect(detail).toContain('abuse@bj.example');
    expect(detail).toContain(`Event ${ids[0]}`);
    // The AS data's licence (DB-IP, CC BY 4.0) asks for this link where its answers are shown.
    expect(detail).toContain('href="https://db-ip.com"');

    const bad = await h.app.request('/console/pipeline/events?cidr=10.0.0.0/99', { headers: s.headers });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('cidr');

    const dead = await (await h.app.request('/console/pipeline/dead-letters', { headers: s.headers })).text();
    expect(dead).toContain('source.ip: not an address');
    expect(dead).toContain('&quot;2007-01-01&quot;,not-an-ip');

    const bj = await h.consoleSession('branch_handler', 'CN-BJ');
    expect((await h.app.request('/console/pipeline', { headers: bj.headers })).status).toBe(404);
    const bjSearch = await (await h.app.request('/console/pipeline/events', { headers: bj.headers })).text();
    expect(bjSearch).toContain(`data-event="${ids[0]}"`);
    expect(bjSearch).not.toContain(`data-event="${ids[1]}"`);
  });

  it('edits the malware catalogue in the console', async () => {
    const s = await h.consoleSession('national_handler');
    const list = await (
      await h.app.request('/console/pipeline/malware?kind=trojan', { headers: s.headers })
    ).text();
    expect(list).toContain('data-family="Huigezi"');
    expect(list).not.toContain('data-family="SdBot"');

    const form = (fields: Record<string, string>) =>
      new URLSearchParams({ _csrf: s.csrfToken, ...fields }).toString();
    const post = (path: string, fields: Record<string, string>) =>
      h.app.request(path, {
        method: 'POST',
        headers: { ...s.headers, 'content-type': 'application/x-www-form-urlencoded' },
        body: form(fields),
      });
    const created = await post('/console/pipeline/malware', {
      name: 'Storm',
      kind: 'bot',
      aliases: 'peacomm\nnuwar',
      description_zh: '',
      description_en: '',
    });
    expect(created.status).toBe(303);
    const editPath = created.headers.get('location')!.split('?')[0]!;
    const edit = await (await h.app.request(editPath, { headers: s.headers })).text();
    expect(edit).toContain('peacomm\nnuwar');

    const clash = await post('/console/pipeline/malware', { name: 'Again', kind: 'bot', aliases: 'NUWAR' });
    expect(clash.status).toBe(409);
    expect(await clash.text()).toContain('nuwar');
    const bad = await post('/console/pipeline/malware', { name: '', kind: 'rootkit' });
    expect(bad.status).toBe(400);

    expect((await post(editPath, { name: 'Storm', kind: 'worm', aliases: 'peacomm' })).status).toBe(303);
    const family = (await h.services.malwareFamilies.list(await asSystem())).find((f) => f.name === 'Storm')!;
    expect(family).toMatchObject({ kind: 'worm', aliases: ['peacomm'] });
    expect((await post(`${editPath}/delete`, {})).status).toBe(303);
    expect((await h.services.malwareFamilies.list(await asSystem())).some((f) => f.name === 'Storm')).toBe(
      false,
    );

    const analyst = await h.consoleSession('analyst');
    const ro = await (await h.app.request('/console/pipeline/malware', { headers: analyst.headers })).text();
    expect(ro).toContain('data-family="Huigezi"');
    expect(list).toContain('method="post" action="/console/pipeline/malware"'); // the writer's add form
    expect(ro).not.toContain('method="post" action="/console/pipeline/malware"');
    expect(ro).not.toContain('href="/console/pipeline/malware/');
    expect((await h.app.request('/console/pipeline/malware/1', { headers: analyst.headers })).status).toBe(
      404,
    );
  });
});

async function asSystem() {
  const { systemActor } = await import('../../../core/auth/actor.ts');
  return systemActor('test');
}
