import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/app.ts';
import { corpusPath } from '../../../../test/support/corpus.ts';
import { DIALECTS } from '../../../../test/support/db.ts';

interface Submission {
  trackingNumbers: string[];
  reportIds: number[];
  incidentIds: number[];
  format: string;
  mailMessageId: number | null;
}
interface ErrorJson {
  error: { id: string; message: string; fields: { field: string; message: string }[] };
}

describe.each(DIALECTS)('POST /api/v1/reports/raw on %s', (dialect) => {
  let h: TestApp;
  let handler: Record<string, string>;
  beforeAll(async () => {
    h = await createTestApp(dialect);
    handler = await h.actorHeaders('national_handler');
  });
  afterAll(async () => h.destroy());

  const post = (type: string, body: string | Buffer, headers = handler) =>
    h.app.request('/api/v1/reports/raw', {
      method: 'POST',
      headers: { ...headers, 'content-type': type },
      body,
    });

  it('takes a raw e-mail and answers 201 with the tracking number', async () => {
    const res = await post(
      'message/rfc822',
      'From: someone@example.org\r\nSubject: phishing at 203.0.113.50\r\nMessage-ID: <api-1@example.org>\r\n\r\nhttp://phish.example.net/\r\n',
    );
    expect(res.status).toBe(201);
    const body = (await res.json()) as Submission;
    expect(body.trackingNumbers).toHaveLength(1);
    expect(body.mailMessageId).not.toBeNull();
    const m = await h.services.mailIntake.get(await systemish(h), body.mailMessageId!);
    expect(m).toMatchObject({ source: 'api', state: 'processed' });
  });

  it('takes an XARF v4 document and an IODEF document as typed reports', async () => {
    const xarf = await post(
      'application/json',
      readFileSync(corpusPath('abuse', 'xarf-v4', 'samples', 'connection-ddos.json')),
    );
    expect(xarf.status).toBe(201);
    const x = (await xarf.json()) as Submission;
    expect(x.format).toBe('xarf-v4');
    const report = await h.services.incidents.getReport(await systemish(h), x.reportIds[0]!);
    expect(report).toMatchObject({ channel: 'api', category: 'dos' });
    const iodef = await post(
      'application/xml',
      readFileSync(corpusPath('abuse', 'iodef', 'GuidanceDraft_DDoS.xml')),
    );
    expect(iodef.status).toBe(201);
    expect(((await iodef.json()) as Submission).format).toMatch(/^iodef/);
  });

  it('answers 400 with the specific format error, for an unknown type, and for an empty body', async () => {
    const doc = JSON.parse(
      readFileSync(corpusPath('abuse', 'xarf-v4', 'samples', 'connection-ddos.json'), 'utf8'),
    );
    delete doc.category;
    const bad = await post('application/json', JSON.stringify(doc));
    expect(bad.status).toBe(400);
    const e = (await bad.json()) as ErrorJson;
    expect(e.error.id).toBe('invalid_input');
    expect(e.error.message).toMatch(/category/);
    const csv = await post('text/csv', 'a,b');
    expect(csv.status).toBe(400);
    expect(((await csv.json()) as ErrorJson).error.message).toMatch(/Content-Type text\/csv is not accepted/);
    const empty = await post('message/rfc822', '');
    expect(empty.status).toBe(400);
  });

  it('requires a caller who may create reports, and is in the OpenAPI document', async () => {
    expect((await post('message/rfc822', 'Subject: x\r\n\r\ny', {})).status).toBe(401);
    const analyst = await h.actorHeaders('analyst');
    expect((await post('message/rfc822', 'Subject: x\r\n\r\ny', analyst)).status).toBe(403);
    const doc = (await (await h.app.request('/api/openapi.json')).json()) as {
      paths: Record<string, { post?: { requestBody?: { content: Record<string, unknown> } } }>;
    };
    expect(Object.keys(doc.paths['/api/v1/reports/raw']!.post!.requestBody!.content)).toEqual([
      'message/rfc822',
      'application/json',
      'application/xml',
    ]);
  });
});

async function systemish(_h: TestApp) {
  const { systemActor } = await import('../../../core/auth/actor.ts');
  return systemActor('test');
}
