import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/app.ts';
import { DIALECTS } from '../../../../test/support/db.ts';

interface ErrorJson {
  error: { id: string; message: string; fields: { field: string; message: string }[] };
}
interface IncidentJson {
  id: number;
  version: number;
  state: string;
  branchCode: string;
  tlp: string;
  overdue: boolean;
  title: string;
}
interface PageJson {
  items: IncidentJson[];
  total: number;
  totalIsLowerBound: boolean;
  nextCursor: string | null;
}

describe.each(DIALECTS)('incidents API on %s', (dialect) => {
  let h: TestApp;
  let national: Record<string, string>;
  let nationalId: number;
  let bj: Record<string, string>;
  let xj: Record<string, string>;
  let analyst: Record<string, string>;

  beforeAll(async () => {
    h = await createTestApp(dialect);
    const n = await h.createTokenActor('national_handler');
    national = n.headers;
    nationalId = n.user.id;
    bj = await h.actorHeaders('branch_handler', 'CN-BJ');
    xj = await h.actorHeaders('branch_handler', 'CN-XJ');
    analyst = await h.actorHeaders('analyst');
  });
  afterAll(async () => {
    await h.destroy();
  });

  const call = (method: string, path: string, headers: Record<string, string>, body?: unknown) =>
    h.app.request(path, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const json = async <T>(r: Response) => (await r.json()) as T;
  const fieldsOf = async (r: Response) => (await json<ErrorJson>(r)).error.fields.map((f) => f.field);

  it('answers 401 to anonymous callers before validating', async () => {
    for (const [method, path] of [
      ['POST', '/api/v1/reports'],
      ['GET', '/api/v1/reports/1'],
      ['GET', '/api/v1/incidents?limit=abc'],
      ['POST', '/api/v1/incidents'],
      ['GET', '/api/v1/incidents/1'],
      ['POST', '/api/v1/incidents/merge'],
      ['GET', '/api/v1/incidents/export'],
    ] as const) {
      const r = await call(method, path, {}, method === 'POST' ? {} : undefined);
      expect(r.status, `${method} ${path}`).toBe(401);
      expect((await json<ErrorJson>(r)).error.id).toBe('unauthorized');
    }
  });

  it('records a report with a base64 attachment, opens an incident and extracts observables', async () => {
    const r = await call('POST', '/api/v1/reports', national, {
      channel: 'email',
      reporter: { type: 'cert', name: 'JPCERT/CC', email: 'info@jpcert.example.jp' },
      subject: 'Phishing kit on 10.1.2.3',
      description: 'Kit at hxxp://bank-login[.]example[.]cn/kit',
      category: 'phishing',
      attachments: [
        {
          filename: 'list.txt',
          contentType: 'text/plain',
          contentBase64: Buffer.from('also 10.1.9.9').toString('base64'),
        },
      ],
    });
    expect(r.status).toBe(201);
    const created = await json<{
      report: { id: number; attachments: { size: number }[] };
      incident: IncidentJson;
      trackingNumber: string;
      statusSecret: string;
    }>(r);
    expect(r.headers.get('location')).toBe(`/api/v1/reports/${created.report.id}`);
    expect(created.report.attachments[0]!.size).toBe(13);
    expect(created.incident).toMatchObject({ state: 'new', branchCode: 'CN-NATIONAL', tlp: 'amber' });
    const detail = await json<{
      observables: { kind: string; value: string }[];
      timeline: { type: string }[];
    }>(await call('GET', `/api/v1/incidents/${created.incident.id}`, national));
    expect(detail.observables.map((o) => o.value)).toEqual(
      expect.arrayContaining([
        '10.1.2.3',
        '10.1.9.9',
        'http://bank-login.example.cn/kit',
        'bank-login.example.cn',
      ]),
    );
    expect(detail.timeline.map((e) => e.type)).toEqual(['report', 'state']);
    const report = await call('GET', `/api/v1/reports/${created.report.id}`, analyst);
    expect(report.status).toBe(200);
    // Status lookup works with the secret returned once.
    const status = await h.services.incidents.getReportStatus(created.trackingNumber, created.statusSecret);
    expect(status.state).toBe('new');
  });

  it('rejects bad input with 400 and the field names', async () => {
    const r1 = await call('POST', '/api/v1/reports', national, {
      channel: 'carrier-pigeon',
      reporter: { email: 'nope' },
      attachments: [{ filename: 'x', contentBase64: '***' }],
    });
    expect(r1.status).toBe(400);
    expect(await fieldsOf(r1)).toEqual(
      expect.arrayContaining(['channel', 'reporter.email', 'attachments.0.contentBase64']),
    );
    const r2 = await call('POST', '/api/v1/incidents', national, {
      title: '',
      severity: 'extreme',
      tlp: 'purple',
    });
    expect(r2.status).toBe(400);
    expect(await fieldsOf(r2)).toEqual(expect.arrayContaining(['title', 'severity', 'tlp']));
    const r3 = await call('GET', '/api/v1/incidents?limit=abc&states=open&openedFrom=yesterday', national);
    expect(r3.status).toBe(400);
    expect(await fieldsOf(r3)).toEqual(expect.arrayContaining(['limit', 'states.0', 'openedFrom']));
    const r4 = await call('GET', '/api/v1/incidents?observable=not-an-indicator', national);
    expect(r4.status).toBe(400);
    expect(await fieldsOf(r4)).toEqual(['observable']);
    const r5 = await call('GET', '/api/v1/incidents/abc', national);
    expect(r5.status).toBe(400);
    expect(await fieldsOf(r5)).toEqual(['id']);
    const r6 = await call('POST', '/api/v1/incidents/merge', national, { survivorId: 1, mergedIds: [] });
    expect(r6.status).toBe(400);
    expect(await fieldsOf(r6)).toEqual(['mergedIds']);
    const r7 = await call('GET', '/api/v1/incidents/export?format=xlsx', national);
    expect(r7.status).toBe(400);
    expect(await fieldsOf(r7)).toEqual(['format']);
    const r8 = await call('PATCH', '/api/v1/incidents/1', national, { title: 'no version' });
    expect(r8.status).toBe(400);
    expect(await fieldsOf(r8)).toEqual(['version']);
  });

  it('hides a CN-XJ incident from a CN-BJ branch handler everywhere (404, absent from search and export)', async () => {
    const created = await call('POST', '/api/v1/incidents', national, {
      title: '新疆 政府网站被篡改',
      category: 'defacement',
      branchCode: 'CN-XJ',
    });
    expect(created.status).toBe(201);
    const inc = await json<IncidentJson>(created);
    const id = inc.id;
    const attempts: [string, string, unknown?][] = [
      ['GET', `/api/v1/incidents/${id}`],
      ['PATCH', `/api/v1/incidents/${id}`, { version: 1, title: 'x' }],
      ['POST', `/api/v1/incidents/${id}/state`, { state: 'triaged' }],
      ['POST', `/api/v1/incidents/${id}/assign`, { assigneeId: null }],
      ['POST', `/api/v1/incidents/${id}/reassign`, { branchCode: 'CN-BJ' }],
      ['POST', `/api/v1/incidents/${id}/actions`, { kind: 'note', note: 'x' }],
      ['GET', `/api/v1/incidents/${id}/audit`],
      ['PUT', `/api/v1/incidents/${id}/red-users`, { userIds: [] }],
    ];
    for (const [method, path, b] of attempts) {
      const r = await call(method, path, bj, b);
      expect(r.status, `${method} ${path}`).toBe(404);
      expect((await json<ErrorJson>(r)).error.id).toBe('not_found');
    }
    const merge = await call('POST', '/api/v1/incidents/merge', bj, {
      survivorId: id,
      mergedIds: [id + 1000],
    });
    expect(merge.status).toBe(403); // branch handlers may not merge at all
    const list = await json<PageJson>(await call('GET', '/api/v1/incidents?text=新疆', bj));
    expect(list.items).toEqual([]);
    const byId = await json<PageJson>(await call('GET', `/api/v1/incidents?ids=${id}`, bj));
    expect(byId.items).toEqual([]);
    const csv = await (await call('GET', '/api/v1/incidents/export?format=csv', bj)).text();
    expect(csv.split('\r\n').filter((l) => l.startsWith(`${id},`))).toEqual([]);
    // The owner branch sees it, the export includes it, and nothing was changed.
    const seen = await json<IncidentJson>(await call('GET', `/api/v1/incidents/${id}`, xj));
    expect(seen).toMatchObject({ version: 1, title: '新疆 政府网站被篡改', state: 'new' });
    const xjCsv = await (await call('GET', '/api/v1/incidents/export?format=csv', xj)).text();
    expect(xjCsv.split('\r\n').some((l) => l.startsWith(`${id},`))).toBe(true);
    // Denials are in the audit log.
    const audit = await json<{ items: { action: string }[] }>(
      await call('GET', `/api/v1/incidents/${id}/audit`, national),
    );
    expect(audit.items.filter((a) => a.action === 'denied').length).toBe(attempts.length);
  });

  it('hides TLP:RED from a national handler who is not named on it', async () => {
    const r = await call('POST', '/api/v1/incidents', national, {
      title: 'red case',
      category: 'other',
      tlp: 'red',
    });
    const red = await json<IncidentJson>(r);
    const other = await h.actorHeaders('national_handler');
    expect((await call('GET', `/api/v1/incidents/${red.id}`, other)).status).toBe(404);
    expect((await call('GET', `/api/v1/incidents/${red.id}`, analyst)).status).toBe(404);
    expect((await json<PageJson>(await call('GET', `/api/v1/incidents?tlps=red`, other))).items).toEqual([]);
    const mine = await json<PageJson>(await call('GET', `/api/v1/incidents?tlps=red`, national));
    expect(mine.items.map((i) => i.id)).toEqual([red.id]);
    const set = await call('PUT', `/api/v1/incidents/${red.id}/red-users`, national, {
      userIds: [nationalId],
    });
    expect(await json(set)).toEqual({ userIds: [nationalId] });
  });

  it('changes state, rejects illegal transitions and stale versions with 409', async () => {
    const inc = await json<IncidentJson>(
      await call('POST', '/api/v1/incidents', national, { title: 'dos', category: 'dos' }),
    );
    const ok = await call('POST', `/api/v1/incidents/${inc.id}/state`, national, {
      state: 'triaged',
      version: 1,
    });
    expect(ok.status).toBe(200);
    expect(await json<IncidentJson>(ok)).toMatchObject({ state: 'triaged', version: 2 });
    const illegal = await call('POST', `/api/v1/incidents/${inc.id}/state`, national, { state: 'new' });
    expect(illegal.status).toBe(409);
    expect((await json<ErrorJson>(illegal)).error.id).toBe('conflict');
    const stale = await call('PATCH', `/api/v1/incidents/${inc.id}`, national, {
      version: 1,
      severity: 'high',
    });
    expect(stale.status).toBe(409);
    const fresh = await call('PATCH', `/api/v1/incidents/${inc.id}`, national, {
      version: 2,
      severity: 'high',
    });
    expect(fresh.status).toBe(200);
    expect(await json<IncidentJson>(fresh)).toMatchObject({ version: 3 });
    const action = await call('POST', `/api/v1/incidents/${inc.id}/actions`, national, {
      kind: 'contact_isp',
      counterpart: '某运营商',
    });
    expect(action.status).toBe(201);
    const a = await json<{ id: number; outcome: string; branchCode: string }>(action);
    expect(a).toMatchObject({ outcome: 'pending', branchCode: 'CN-NATIONAL' });
    const upd = await call('PATCH', `/api/v1/incidents/${inc.id}/actions/${a.id}`, national, {
      outcome: 'success',
    });
    expect(await json(upd)).toMatchObject({ outcome: 'success' });
    const analystWrite = await call('POST', `/api/v1/incidents/${inc.id}/state`, analyst, {
      state: 'resolved',
    });
    expect(analystWrite.status).toBe(403);
  });

  it('merges three incidents into one, moving reports and keeping history', async () => {
    const mk = async (ip: string) =>
      json<{ incident: IncidentJson; report: { id: number } }>(
        await call('POST', '/api/v1/reports', national, {
          channel: 'partner',
          subject: `bot ${ip}`,
          category: 'virus-worm-trojan',
        }),
      );
    const [s, a, b, c] = [
      await mk('172.20.0.1'),
      await mk('172.20.0.2'),
      await mk('172.20.0.3'),
      await mk('172.20.0.4'),
    ];
    const r = await call('POST', '/api/v1/incidents/merge', national, {
      survivorId: s.incident.id,
      mergedIds: [a.incident.id, b.incident.id, c.incident.id],
    });
    expect(r.status).toBe(200);
    const res = await json<{ survivor: IncidentJson; merged: IncidentJson[]; movedReportIds: number[] }>(r);
    expect(res.merged.map((m) => m.state)).toEqual(['merged', 'merged', 'merged']);
    const detail = await json<{ reports: { id: number }[] }>(
      await call('GET', `/api/v1/incidents/${s.incident.id}`, national),
    );
    expect(detail.reports.map((x) => x.id).sort((x, y) => x - y)).toEqual(
      [s, a, b, c].map((x) => x.report.id).sort((x, y) => x - y),
    );
    const old = await json<{ state: string; mergedIntoId: number }>(
      await call('GET', `/api/v1/incidents/${a.incident.id}`, national),
    );
    expect(old).toMatchObject({ state: 'merged', mergedIntoId: s.incident.id });
    const hist = await json<{ items: { action: string }[] }>(
      await call('GET', `/api/v1/incidents/${a.incident.id}/audit`, national),
    );
    expect(hist.items.map((x) => x.action)).toEqual(['merge', 'create', 'create']);
    const cidr = await json<PageJson>(
      await call('GET', '/api/v1/incidents?observable=172.20.0.0/24', national),
    );
    expect(cidr.items.map((i) => i.id)).toEqual([s.incident.id]);
    const again = await call('POST', '/api/v1/incidents/merge', national, {
      survivorId: s.incident.id,
      mergedIds: [a.incident.id],
    });
    expect(again.status).toBe(409);
  });

  it('searches with query filters (CIDR, Chinese and English text, states) and pages by cursor', async () => {
    await call('POST', '/api/v1/reports', national, {
      channel: 'api',
      subject: '熊猫烧香 变种',
      description: 'host 10.1.2.3',
      category: 'virus-worm-trojan',
    });
    await call('POST', '/api/v1/reports', national, {
      channel: 'api',
      subject: 'Nimaya worm',
      description: 'host 10.2.0.1',
      category: 'virus-worm-trojan',
    });
    const cidr = await json<PageJson>(
      await call('GET', '/api/v1/incidents?observable=10.1.0.0/16', national),
    );
    expect(cidr.items.map((i) => i.title).sort()).toEqual(['Phishing kit on 10.1.2.3', '熊猫烧香 变种']);
    expect(cidr.items.some((i) => i.title === 'Nimaya worm')).toBe(false);
    const zh = await json<PageJson>(
      await call('GET', `/api/v1/incidents?text=${encodeURIComponent('熊猫烧香')}`, national),
    );
    expect(zh.items.map((i) => i.title)).toEqual(['熊猫烧香 变种']);
    const en = await json<PageJson>(await call('GET', '/api/v1/incidents?text=nimaya', national));
    expect(en.items.map((i) => i.title)).toEqual(['Nimaya worm']);
    const open = await json<PageJson>(
      await call('GET', '/api/v1/incidents?states=new,triaged&limit=2', national),
    );
    expect(open.items).toHaveLength(2);
    expect(open.nextCursor).not.toBeNull();
    const next = await json<PageJson>(
      await call(
        'GET',
        `/api/v1/incidents?states=new,triaged&limit=2&cursor=${encodeURIComponent(open.nextCursor!)}`,
        national,
      ),
    );
    expect(next.items[0]!.id).toBeLessThan(open.items[1]!.id);
    expect(next.total).toBe(open.total);
  });

  it('flags overdue incidents in responses and filters', async () => {
    const inc = await json<IncidentJson>(
      await call('POST', '/api/v1/incidents', national, {
        title: 'critical outage',
        category: 'dos',
        severity: 'critical',
      }),
    );
    expect(inc.overdue).toBe(false);
    h.clock.advance(5 * 3_600_000);
    const later = await json<IncidentJson>(await call('GET', `/api/v1/incidents/${inc.id}`, national));
    expect(later.overdue).toBe(true);
    const over = await json<PageJson>(
      await call('GET', '/api/v1/incidents?overdue=true&severities=critical', national),
    );
    expect(over.items.map((i) => i.id)).toEqual([inc.id]);
  });

  it('exports CSV (UTF-8 BOM, formula-safe) and JSON with the same filters', async () => {
    await call('POST', '/api/v1/incidents', national, {
      title: '=HYPERLINK("x")',
      category: 'spam',
      branchCode: 'CN-SH',
    });
    const csv = await call('GET', '/api/v1/incidents/export?format=csv&branchCodes=CN-SH', national);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.headers.get('content-disposition')).toMatch(/attachment; filename="incidents-\d{8}\.csv"/);
    const bytes = Buffer.from(await csv.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // BOM: spreadsheets read UTF-8 Chinese right
    const text = bytes.subarray(3).toString('utf8');
    expect(text.startsWith('id,title,description,category')).toBe(true);
    const lines = text.trim().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`"'=HYPERLINK(""x"")"`);
    const js = await call('GET', '/api/v1/incidents/export?format=json&branchCodes=CN-SH', national);
    const arr = (await js.json()) as IncidentJson[];
    expect(arr.map((i) => i.title)).toEqual(['=HYPERLINK("x")']);
  });

  it('documents every route in the OpenAPI document', async () => {
    const doc = (await (await h.app.request('/api/openapi.json')).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    for (const [path, method] of [
      ['/api/v1/reports', 'post'],
      ['/api/v1/reports/{id}', 'get'],
      ['/api/v1/incidents', 'get'],
      ['/api/v1/incidents', 'post'],
      ['/api/v1/incidents/export', 'get'],
      ['/api/v1/incidents/merge', 'post'],
      ['/api/v1/incidents/{id}', 'get'],
      ['/api/v1/incidents/{id}', 'patch'],
      ['/api/v1/incidents/{id}/state', 'post'],
      ['/api/v1/incidents/{id}/assign', 'post'],
      ['/api/v1/incidents/{id}/reassign', 'post'],
      ['/api/v1/incidents/{id}/actions', 'post'],
      ['/api/v1/incidents/{id}/audit', 'get'],
    ] as const) {
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
  });
});
