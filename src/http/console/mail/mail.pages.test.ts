import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/app.ts';
import { DIALECTS } from '../../../../test/support/db.ts';
import { systemActor } from '../../../core/auth/actor.ts';

const ENVELOPE = {
  source: 'smtp' as const,
  mailFrom: 'reporter@example.org',
  rcptTo: ['report@localhost'],
  branchCode: 'CN-NATIONAL',
  remoteIp: '127.0.0.1',
  helo: 'x',
};

describe.each(DIALECTS)('console mail page on %s', (dialect) => {
  let h: TestApp;
  let okId: number;
  let okIncident: number;
  let failedId: number;
  beforeAll(async () => {
    h = await createTestApp(dialect);
    const ok = await h.services.mailIntake.ingest(
      ENVELOPE,
      Buffer.from('From: a@example.org\r\nSubject: web defacement\r\n\r\nhttp://defaced.example.cn/\r\n'),
    );
    okId = ok.id;
    okIncident = ok.incidentId!;
    const second = await h.services.mailIntake.ingest(
      ENVELOPE,
      Buffer.from('From: b@example.org\r\nSubject: second\r\n\r\ntext\r\n'),
    );
    failedId = second.id;
    // As a processor that met an error would have left it.
    await h.database.db
      .updateTable('mail_messages')
      .set({
        state: 'failed',
        error: 'database was unreachable',
        outcome: '',
        report_ids: '[]',
        incident_id: null,
      })
      .where('id', '=', failedId)
      .execute();
  });
  afterAll(async () => h.destroy());

  it('lists received mail with state, outcome, incident link, error and a retry button, in both languages', async () => {
    const s = await h.consoleSession('national_handler');
    const res = await h.app.request('/console/mail?lang=en', { headers: s.headers });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Received mail');
    expect(html).toContain(`href="/console/incidents/${okIncident}"`);
    expect(html).toContain('database was unreachable');
    expect(html).toContain(`action="/console/mail/${failedId}/retry"`);
    expect(html).not.toContain(`action="/console/mail/${okId}/retry"`);
    expect(html).toContain('href="/console/mail"');
    const zh = await (await h.app.request('/console/mail?lang=zh-CN', { headers: s.headers })).text();
    expect(zh).toContain('收到的邮件');
    const failedOnly = await (
      await h.app.request('/console/mail?state=failed&lang=en', { headers: s.headers })
    ).text();
    expect(failedOnly).toContain(`data-mail-id="${failedId}"`);
    expect(failedOnly).not.toContain(`data-mail-id="${okId}"`);
  });

  it('retries a failed message (CSRF required) and hides other branches mail from a branch handler', async () => {
    const s = await h.consoleSession('national_handler');
    const noCsrf = await h.app.request(`/console/mail/${failedId}/retry`, {
      method: 'POST',
      headers: { cookie: s.cookie },
    });
    expect(noCsrf.status).toBe(403);
    const res = await h.app.request(`/console/mail/${failedId}/retry`, {
      method: 'POST',
      headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: s.csrfToken }).toString(),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/console/mail?retried=${failedId}`);
    const m = await h.services.mailIntake.get(systemActor('test'), failedId);
    expect(m).toMatchObject({ state: 'processed', outcome: 'report' });

    const bj = await h.consoleSession('branch_handler', 'CN-BJ');
    const html = await (await h.app.request('/console/mail?lang=en', { headers: bj.headers })).text();
    expect(html).toContain('No mail.');
  });
});
