import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../../../test/support/db.ts';
import { createTestApp, type TestApp } from '../../../../test/support/app.ts';

describe.each(DIALECTS)('POST /api/v1/feeds/{name}/reports on %s', (dialect) => {
  let h: TestApp;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'certops-feeds-'));
    const feedsFile = path.join(dir, 'feeds.yaml');
    writeFileSync(feedsFile, 'feeds:\n  - name: sinkhole\n    parser: test-lines\n');
    h = await createTestApp(dialect, { config: { feedsFile, pipeline: { uploadLimit: 5000 } } });
  });
  afterAll(async () => {
    await h.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores the body as a raw report and answers 202 with its id', async () => {
    const headers = await h.actorHeaders('national_handler');
    const body = '2026-11-01T00:00:00Z,10.0.0.1,203.0.113.1,80,conficker\n'.repeat(20);
    const res = await h.app.request('/api/v1/feeds/sinkhole/reports?fileName=a.csv', {
      method: 'POST',
      headers: { ...headers, 'content-type': 'text/csv' },
      body,
    });
    expect(res.status).toBe(202);
    const json = (await res.json()) as { id: number; bytes: number; state: string; fileName: string };
    expect(json).toMatchObject({ bytes: body.length, state: 'pending', fileName: 'a.csv' });
    const report = await h.services.pipeline.getRawReport(json.id);
    expect(report).toMatchObject({
      feed: 'sinkhole',
      source: 'upload',
      state: 'pending',
      bytes: body.length,
    });
    const chunks: Buffer[] = [];
    for await (const c of h.services.pipeline.readRawContent(json.id)) chunks.push(c);
    expect(Buffer.concat(chunks).toString()).toBe(body);
  });

  it('unknown feed → 404 naming the field; bad name → 400; oversize → 413; empty → 400', async () => {
    const headers = { ...(await h.actorHeaders('admin')), 'content-type': 'application/octet-stream' };
    const unknown = await h.app.request('/api/v1/feeds/nope/reports', { method: 'POST', headers, body: 'x' });
    expect(unknown.status).toBe(404);
    expect(
      ((await unknown.json()) as { error: { fields: { field: string }[] } }).error.fields[0]!.field,
    ).toBe('name');
    const bad = await h.app.request('/api/v1/feeds/Bad%20Name/reports', {
      method: 'POST',
      headers,
      body: 'x',
    });
    expect(bad.status).toBe(400);
    const big = await h.app.request('/api/v1/feeds/sinkhole/reports', {
      method: 'POST',
      headers,
      body: 'x'.repeat(6000),
    });
    expect(big.status).toBe(413);
    const empty = await h.app.request('/api/v1/feeds/sinkhole/reports', {
      method: 'POST',
      headers,
      body: '',
    });
    expect(empty.status).toBe(400);
    expect(
      (await h.services.pipeline.listRawReports({ limit: 100, feed: 'sinkhole' })).every((r) => r.bytes > 0),
    ).toBe(true);
  });

  it('needs a national role and a token', async () => {
    const anon = await h.app.request('/api/v1/feeds/sinkhole/reports', { method: 'POST', body: 'x' });
    expect(anon.status).toBe(401);
    const branch = await h.app.request('/api/v1/feeds/sinkhole/reports', {
      method: 'POST',
      headers: { ...(await h.actorHeaders('branch_handler')), 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(branch.status).toBe(403);
  });

  it('is documented in the OpenAPI document', async () => {
    const doc = (await (await h.app.request('/api/openapi.json')).json()) as {
      paths: Record<string, unknown>;
    };
    expect(doc.paths['/api/v1/feeds/{name}/reports']).toBeDefined();
  });
});
