import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../../core/auth/actor.ts';
import { createTestApp, type TestApp } from '../../../../test/support/app.ts';
import { DIALECTS } from '../../../../test/support/db.ts';

describe.each(DIALECTS)('report attachments on %s', (dialect) => {
  let h: TestApp;
  let reportId: number;
  let attachmentId: number;
  const sample = Buffer.from('<html><script>alert("phish")</script></html>');

  beforeAll(async () => {
    h = await createTestApp(dialect);
    const created = await h.services.incidents.createReport(systemActor('test'), {
      channel: 'email',
      subject: '仿冒页面样本',
      branchCode: 'CN-XJ',
      attachments: [{ filename: '仿冒页面.html', contentType: 'text/html', content: sample }],
    } as never);
    reportId = created.report.id;
    attachmentId = created.report.attachments[0]!.id;
  });
  afterAll(async () => {
    await h.destroy();
  });

  it('downloads through the API as an octet-stream attachment, never inline', async () => {
    const headers = await h.actorHeaders('branch_handler', 'CN-XJ');
    const res = await h.app.request(`/api/v1/reports/${reportId}/attachments/${attachmentId}`, { headers });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="____.html"; filename*=UTF-8''${encodeURIComponent('仿冒页面.html')}`,
    );
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(sample);
  });

  it('is a 404 outside the reader’s scope, for a wrong pairing and for a missing id', async () => {
    const bj = await h.actorHeaders('branch_handler', 'CN-BJ');
    const other = await h.app.request(`/api/v1/reports/${reportId}/attachments/${attachmentId}`, {
      headers: bj,
    });
    expect(other.status).toBe(404);
    const xj = await h.actorHeaders('branch_handler', 'CN-XJ');
    expect(
      (await h.app.request(`/api/v1/reports/${reportId}/attachments/${attachmentId + 999}`, { headers: xj }))
        .status,
    ).toBe(404);
    expect((await h.app.request(`/api/v1/reports/${reportId}/attachments/abc`, { headers: xj })).status).toBe(
      400,
    );
    const denied = await h.database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'denied')
      .where('entity', '=', 'report')
      .execute();
    expect(denied.length).toBeGreaterThan(0);
  });

  it('is linked and downloadable from the console incident page', async () => {
    const xj = await h.consoleSession('branch_handler', 'CN-XJ');
    const report = await h.services.incidents.getReport(systemActor('test'), reportId);
    const page = await (
      await h.app.request(`/console/incidents/${report.incidentId}`, { headers: xj.headers })
    ).text();
    expect(page).toContain(`href="/console/reports/${reportId}/attachments/${attachmentId}"`);
    const dl = await h.app.request(`/console/reports/${reportId}/attachments/${attachmentId}`, {
      headers: xj.headers,
    });
    expect(dl.status).toBe(200);
    expect(Buffer.from(await dl.arrayBuffer())).toEqual(sample);
    const bj = await h.consoleSession('branch_handler', 'CN-BJ');
    expect(
      (
        await h.app.request(`/console/reports/${reportId}/attachments/${attachmentId}`, {
          headers: bj.headers,
        })
      ).status,
    ).toBe(404);
  });
});
