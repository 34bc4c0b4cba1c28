import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/app.ts';

describe('the HTTP application', () => {
  let h: TestApp;
  beforeAll(async () => {
    h = await createTestApp('sqlite', { config: { http: { bodyLimit: 2048, uploadLimit: 8192 } } });
  });
  afterAll(async () => {
    await h.destroy();
  });

  it('answers health and readiness', async () => {
    expect(await (await h.app.request('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await h.app.request('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('publishes OpenAPI 3.1 generated from the route schemas', async () => {
    const doc = (await (await h.app.request('/api/openapi.json')).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toBe('3.1.0');
    for (const p of [
      '/api/v1/incidents',
      '/api/v1/organisations',
      '/api/v1/users',
      '/api/v1/stats/incidents',
      '/api/v1/reports',
    ]) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
  });

  it('limits JSON bodies to http.bodyLimit with a 413 naming the limit', async () => {
    const headers = { ...(await h.actorHeaders('national_handler')), 'content-type': 'application/json' };
    const res = await h.app.request('/api/v1/organisations', {
      method: 'POST',
      headers,
      body: JSON.stringify({ kind: 'isp', nameZh: 'x'.repeat(4000) }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      error: { id: 'payload_too_large', message: 'request body over 2048 bytes', fields: [] },
    });
  });

  it('answers unknown API paths with a JSON 404 and sets security headers', async () => {
    const res = await h.app.request('/api/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { id: string } }).error.id).toBe('not_found');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  });
});
