import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../../../test/support/db.ts';
import { createTestApp, type TestApp } from '../../../../test/support/app.ts';

describe.each(DIALECTS)('directory API on %s', (dialect) => {
  let h: TestApp;
  let admin: Record<string, string>;
  let analyst: Record<string, string>;

  beforeAll(async () => {
    h = await createTestApp(dialect);
    admin = await h.actorHeaders('national_handler');
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

  it('answers 401 to anonymous callers, before validating', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/branches'],
      ['GET', '/api/v1/organisations?page=0'],
      ['POST', '/api/v1/organisations'],
      ['GET', '/api/v1/directory/lookup?ip=1.2.3.4'],
      ['DELETE', '/api/v1/contacts/1'],
    ] as const) {
      const r = await call(method, path, {}, method === 'POST' ? { kind: 'bank' } : undefined);
      expect(r.status, `${method} ${path}`).toBe(401);
      expect(((await r.json()) as { error: { id: string } }).error.id).toBe('unauthorized');
    }
  });

  it('lists the seeded branches and gets one by code', async () => {
    const r = await call('GET', '/api/v1/branches', analyst);
    expect(r.status).toBe(200);
    const { items } = (await r.json()) as { items: { code: string; isNational: boolean }[] };
    expect(items).toHaveLength(32);
    expect(items[0]).toMatchObject({ code: 'CN-NATIONAL', isNational: true });
    const xj = await call('GET', '/api/v1/branches/CN-XJ', analyst);
    expect(await xj.json()).toMatchObject({
      code: 'CN-XJ',
      nameZh: '新疆维吾尔自治区',
      shortZh: '新疆',
      nameEn: 'Xinjiang',
    });
    expect((await call('GET', '/api/v1/branches/CN-ZZ', analyst)).status).toBe(404);
    const bad = await call('GET', '/api/v1/branches/xinjiang', analyst);
    expect(bad.status).toBe(400);
  });

  it('creates, searches, changes and deletes an organisation with contacts and networks', async () => {
    const created = await call('POST', '/api/v1/organisations', admin, {
      kind: 'isp',
      nameZh: '测试运营商',
      nameEn: 'Test Carrier',
      abbreviation: 'TC',
      branchCode: 'cn-sh',
    });
    expect(created.status).toBe(201);
    const org = (await created.json()) as { id: number; branchCode: string };
    expect(org.branchCode).toBe('CN-SH');
    expect(created.headers.get('location')).toBe(`/api/v1/organisations/${org.id}`);

    const contact = await call('POST', `/api/v1/organisations/${org.id}/contacts`, admin, {
      role: 'abuse',
      email: 'abuse@tc.example',
    });
    expect(contact.status).toBe(201);
    const contactId = ((await contact.json()) as { id: number }).id;
    const net = await call('POST', `/api/v1/organisations/${org.id}/networks`, admin, {
      cidr: '198.51.100.7/24',
    });
    expect(net.status).toBe(201);
    expect(await net.json()).toMatchObject({ kind: 'network', record: { cidr: '198.51.100.0/24' } });
    expect(
      (await call('POST', `/api/v1/organisations/${org.id}/networks`, admin, { cidr: '198.51.100.0/24' }))
        .status,
    ).toBe(409);
    const asn = await call('POST', `/api/v1/organisations/${org.id}/networks`, admin, { asn: 'AS64510' });
    const asnId = ((await asn.json()) as { record: { id: number } }).record.id;
    expect(
      (await call('POST', `/api/v1/organisations/${org.id}/networks`, admin, { domain: 'tc.example' }))
        .status,
    ).toBe(201);

    const found = await call('GET', '/api/v1/organisations?q=test%20carrier&kind=isp', analyst);
    expect(await found.json()).toMatchObject({ total: 1, page: 1, items: [{ id: org.id }] });
    const details = await call('GET', `/api/v1/organisations/${org.id}`, analyst);
    expect(await details.json()).toMatchObject({
      contacts: [{ email: 'abuse@tc.example' }],
      networks: [{ cidr: '198.51.100.0/24' }],
      asns: [{ asn: 64510 }],
      domains: [{ domain: 'tc.example' }],
    });

    const lookupIp = await call('GET', '/api/v1/directory/lookup?ip=198.51.100.99', analyst);
    expect(await lookupIp.json()).toMatchObject({
      responsible: {
        organisation: { id: org.id },
        abuseContacts: [{ email: 'abuse@tc.example' }],
        match: { kind: 'network', cidr: '198.51.100.0/24' },
      },
    });
    const lookupDomain = await call('GET', '/api/v1/directory/lookup?domain=a.b.tc.example', analyst);
    expect(await lookupDomain.json()).toMatchObject({
      responsible: { match: { kind: 'domain', domain: 'tc.example' } },
    });
    const nobody = await call('GET', '/api/v1/directory/lookup?asn=AS1', analyst);
    expect(await nobody.json()).toEqual({ responsible: null });

    const patched = await call('PATCH', `/api/v1/organisations/${org.id}`, admin, {
      notifyInterval: 'weekly',
    });
    expect(await patched.json()).toMatchObject({ notifyInterval: 'weekly', nameZh: '测试运营商' });
    expect((await call('DELETE', `/api/v1/directory/asns/${asnId}`, admin)).status).toBe(204);
    expect((await call('DELETE', `/api/v1/directory/asns/${asnId}`, admin)).status).toBe(404);
    expect((await call('DELETE', `/api/v1/contacts/${contactId}`, admin)).status).toBe(204);
    expect((await call('DELETE', `/api/v1/organisations/${org.id}`, admin)).status).toBe(204);
    expect((await call('GET', `/api/v1/organisations/${org.id}`, analyst)).status).toBe(404);
  });

  it('answers 400 naming the fields of bad input', async () => {
    const fieldsOf = async (r: Response) => {
      expect(r.status).toBe(400);
      const b = (await r.json()) as { error: { id: string; fields: { field: string; message: string }[] } };
      expect(b.error.id).toBe('invalid_input');
      return b.error.fields.map((f) => f.field).sort();
    };
    expect(
      await fieldsOf(
        await call('POST', '/api/v1/organisations', admin, {
          kind: 'bank',
          country: 'China',
          website: 'javascript:alert(1)',
        }),
      ),
    ).toEqual(['country', 'kind', 'website']);
    expect(await fieldsOf(await call('POST', '/api/v1/organisations', admin, { kind: 'isp' }))).toEqual([
      'nameZh',
    ]);
    expect(
      await fieldsOf(
        await call('POST', '/api/v1/organisations', admin, { kind: 'isp', nameZh: 'x', branchCode: 'CN-ZZ' }),
      ),
    ).toEqual(['branchCode']);
    expect(
      await fieldsOf(await call('GET', '/api/v1/organisations?page=0&pageSize=1000&kind=bank', analyst)),
    ).toEqual(['kind', 'page', 'pageSize']);
    expect(await fieldsOf(await call('GET', '/api/v1/organisations/abc', analyst))).toEqual(['id']);
    expect(
      await fieldsOf(
        await call('POST', '/api/v1/organisations/1/contacts', admin, { role: 'boss', email: 'nope' }),
      ),
    ).toEqual(['email', 'role']);
    expect(
      await fieldsOf(await call('POST', '/api/v1/organisations/1/networks', admin, { cidr: '300.1.1.0/24' })),
    ).toEqual(['cidr']);
    expect(
      await fieldsOf(await call('POST', '/api/v1/organisations/1/networks', admin, { asn: 'ASX' })),
    ).toEqual(['asn']);
    expect(await fieldsOf(await call('POST', '/api/v1/organisations/1/networks', admin, {}))).toEqual([
      'cidr',
    ]);
    expect(await fieldsOf(await call('PATCH', '/api/v1/organisations/1', admin, {}))).toEqual(['(body)']);
    expect(await fieldsOf(await call('GET', '/api/v1/directory/lookup?ip=1.2.3', analyst))).toEqual(['ip']);
    expect(await fieldsOf(await call('GET', '/api/v1/directory/lookup', analyst))).toEqual(['ip']);
    expect(await fieldsOf(await call('DELETE', '/api/v1/directory/things/1', admin))).toEqual(['kind']);
  });

  it('lets an analyst and a branch handler read but not write (403)', async () => {
    const handler = await h.actorHeaders('branch_handler', 'CN-XJ');
    const certs = await call('GET', '/api/v1/organisations?kind=cert&pageSize=100', analyst);
    expect(((await certs.json()) as { total: number }).total).toBe(57);
    const first = (
      (await (await call('GET', '/api/v1/organisations?kind=cert', handler)).json()) as {
        items: { id: number }[];
      }
    ).items[0]!;
    for (const headers of [analyst, handler]) {
      const attempts: [string, string, unknown][] = [
        ['POST', '/api/v1/organisations', { kind: 'isp', nameZh: '不该有' }],
        ['PATCH', `/api/v1/organisations/${first.id}`, { notes: 'x' }],
        ['DELETE', `/api/v1/organisations/${first.id}`, undefined],
        ['POST', `/api/v1/organisations/${first.id}/contacts`, { email: 'a@b.example' }],
        ['POST', `/api/v1/organisations/${first.id}/networks`, { cidr: '192.0.2.0/24' }],
      ];
      for (const [method, path, body] of attempts) {
        const r = await call(method, path, headers, body);
        expect(r.status, `${method} ${path}`).toBe(403);
        expect(((await r.json()) as { error: { id: string } }).error.id).toBe('forbidden');
      }
    }
    expect((await call('GET', `/api/v1/organisations/${first.id}`, analyst)).status).toBe(200);
    const reporter = await h.actorHeaders('reporter');
    expect((await call('GET', '/api/v1/branches', reporter)).status).toBe(403);
  });

  it('documents the routes in the OpenAPI document', async () => {
    const r = await h.app.request('/api/openapi.json');
    const doc = (await r.json()) as { paths: Record<string, Record<string, unknown>> };
    for (const p of [
      '/api/v1/branches',
      '/api/v1/branches/{code}',
      '/api/v1/organisations',
      '/api/v1/organisations/{id}',
      '/api/v1/organisations/{id}/contacts',
      '/api/v1/organisations/{id}/networks',
      '/api/v1/contacts/{id}',
      '/api/v1/directory/lookup',
      '/api/v1/directory/{kind}/{id}',
    ]) {
      expect(doc.paths[p], p).toBeDefined();
    }
    expect(Object.keys(doc.paths['/api/v1/organisations/{id}']!).sort()).toEqual(['delete', 'get', 'patch']);
  });
});
