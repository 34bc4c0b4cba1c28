import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type TestSession } from '../../../../test/support/app.ts';
import { DIALECTS } from '../../../../test/support/db.ts';
import { actorOf } from '../../../../test/support/factories.ts';
import { createSmtpSink, type SmtpSink } from '../../../../test/support/smtp-sink.ts';
import { systemActor } from '../../../core/auth/actor.ts';

function unescape(html: string): string {
  return html
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&');
}

describe.each(DIALECTS)('console: incident mail, outbox, notification settings (%s)', (dialect) => {
  let h: TestApp;
  let sink: SmtpSink;
  let national: TestSession;
  let incidentId: number;

  beforeEach(async () => {
    sink = await createSmtpSink();
    h = await createTestApp(dialect, {
      config: { mail: { from: 'cert@cert.example.cn', relay: { host: '127.0.0.1', port: sink.port } } },
    });
    national = await h.consoleSession('national_handler');
    const created = await h.services.incidents.createReport(actorOf(national.user), {
      channel: 'phone',
      subject: '仿冒网站',
      description: 'http://fake-bank.example.com/login 198.51.100.20',
      category: 'phishing',
      branchCode: 'CN-BJ',
    });
    incidentId = created.incident!.id;
  });
  afterEach(async () => {
    await h.destroy();
    await sink.stop();
  });

  const get = async (path: string, s: TestSession) => {
    const r = await h.app.request(path, { headers: { cookie: s.cookie } });
    return { status: r.status, html: await r.text() };
  };
  const post = async (path: string, s: TestSession, fields: Record<string, string>) => {
    const r = await h.app.request(path, {
      method: 'POST',
      headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, _csrf: s.csrfToken }).toString(),
    });
    return { status: r.status, html: await r.text(), location: r.headers.get('location') };
  };

  it('picks a directory contact, previews, sends exactly the preview and shows it on the incident', async () => {
    const org = await h.services.directory.createOrganisation(systemActor('test'), {
      kind: 'hosting',
      nameZh: '示例托管',
      nameEn: 'Example Hosting',
      abbreviation: 'EXHOST',
    });
    const contact = await h.services.directory.addContact(systemActor('test'), org.id, {
      role: 'abuse',
      name: '值班室',
      email: 'abuse@exhost.example',
    });
    const incidentPage = await get(`/console/incidents/${incidentId}`, national);
    expect(incidentPage.html).toContain(`hx-get="/console/incidents/${incidentId}/mail/panel"`);

    const search = await get(`/console/incidents/${incidentId}/mail?orgq=EXHOST`, national);
    expect(search.status).toBe(200);
    expect(search.html).toContain(`value="${org.id}:${contact.id}"`);

    const q = new URLSearchParams({
      actionKind: 'request_content_removal',
      language: 'zh-CN',
      orgq: 'EXHOST',
      contact: `${org.id}:${contact.id}`,
      to: '',
      recipientName: '',
      preview: '1',
    });
    const preview = await get(`/console/incidents/${incidentId}/mail?${q}`, national);
    expect(preview.status).toBe(200);
    const subject = unescape(/name="subject" value="([^"]*)"/.exec(preview.html)![1]!);
    const body = unescape(/<textarea name="body"[^>]*>([\s\S]*?)<\/textarea>/.exec(preview.html)![1]!);
    expect(subject).toBe(`[certops #${incidentId}] 请求删除恶意内容：仿冒网站`);
    expect(body).toContain('值班室您好：');
    expect(preview.html).toContain('value="abuse@exhost.example"');

    const sent = await post(`/console/incidents/${incidentId}/mail`, national, {
      actionKind: 'request_content_removal',
      language: 'zh-CN',
      contact: `${org.id}:${contact.id}`,
      orgq: 'EXHOST',
      recipientName: '值班室',
      to: 'abuse@exhost.example',
      subject,
      body: body.replace(/\n/g, '\r\n'),
    });
    expect(sent.status).toBe(303);
    expect(sent.location).toMatch(new RegExp(`^/console/incidents/${incidentId}/mail\\?sent=\\d+$`));
    expect(sink.messages).toHaveLength(1);
    const parsed = await simpleParser(sink.messages[0]!.raw);
    expect(parsed.subject).toBe(subject);
    expect(parsed.text!.replace(/\r\n/g, '\n').trimEnd()).toBe(body.trimEnd());

    const after = await get(sent.location!, national);
    expect(after.html).toContain('邮件已发送');
    const detail = await h.services.incidents.getIncident(actorOf(national.user), incidentId);
    const action = detail.actions.at(-1)!;
    expect([action.kind, action.counterpartOrgId, action.counterpart]).toEqual([
      'request_content_removal',
      org.id,
      'abuse@exhost.example',
    ]);
    expect(action.note).toContain(`Message-ID: ${parsed.messageId}`);

    const panel = await get(`/console/incidents/${incidentId}/mail/panel`, national);
    expect(panel.html).toContain('data-mail-state="sent"');
    expect(panel.html).toContain('abuse@exhost.example');
  });

  it('shows a refused address, lists failed mail in the outbox and sends it again', async () => {
    const bad = await post(`/console/incidents/${incidentId}/mail`, national, {
      actionKind: 'contact_isp',
      language: 'en',
      to: 'nobody',
      subject: 's',
      body: 'b',
    });
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('收件人地址: expected an e-mail address');

    await sink.stop();
    const svc = h.services.mailOutbound;
    const r = await svc.sendIncidentMail(actorOf(national.user), incidentId, {
      actionKind: 'contact_isp',
      language: 'en',
      to: 'noc@isp.example',
    });
    for (const wait of [1, 5, 30, 120, 360]) {
      h.clock.advance(wait * 60_000);
      await svc.flush();
    }
    const en = await get('/console/mail/outbox?state=failed&lang=en', national);
    expect(en.status).toBe(200);
    expect(en.html).toContain(`data-mail-id="${r.mail.id}" data-mail-state="failed"`);
    expect(en.html).toContain('Send again');
    expect(en.html).toContain('failed 1');

    await sink.start();
    const retried = await post(`/console/mail/outbox/${r.mail.id}/retry`, national, {
      back: '/console/mail/outbox',
    });
    expect(retried.status).toBe(303);
    expect(retried.location).toBe('/console/mail/outbox?retried=1');
    expect(sink.messages).toHaveLength(1);

    // A branch handler of another branch sees none of it.
    const sh = await h.consoleSession('branch_handler', 'CN-SH');
    const theirs = await get('/console/mail/outbox', sh);
    expect(theirs.html).not.toContain('data-mail-id=');
    expect((await get(`/console/incidents/${incidentId}/mail`, sh)).status).toBe(404);
  });

  it('edits a mail template and resets it (directory writers only)', async () => {
    const list = await get('/console/mail/templates?lang=en', national);
    expect(list.status).toBe(200);
    expect(list.html).toContain('data-template="contact_isp/en"');
    const refused = await post('/console/mail/templates/contact_isp/en', national, {
      subject: 'Hi {{nope}}',
      body: 'b',
    });
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('unknown placeholder {{nope}}');
    const saved = await post('/console/mail/templates/contact_isp/en', national, {
      subject: 'Please act: {{title}}',
      body: 'Dear {{recipientName}}\r\n{{observables}}',
    });
    expect(saved.status).toBe(303);
    const preview = await h.services.mailOutbound.previewIncidentMail(actorOf(national.user), incidentId, {
      actionKind: 'contact_isp',
      language: 'en',
      to: 'noc@isp.example',
    });
    expect(preview.subject).toBe(`[certops #${incidentId}] Please act: 仿冒网站`);
    const handler = await h.consoleSession('branch_handler', 'CN-BJ');
    expect((await post('/console/mail/templates/contact_isp/en/reset', handler, {})).status).toBe(403);
    expect((await post('/console/mail/templates/contact_isp/en/reset', national, {})).status).toBe(303);
    expect(
      (await h.services.mailOutbound.getTemplate(actorOf(national.user), 'contact_isp', 'en')).overridden,
    ).toBe(false);
  });

  it('edits an organisation notification settings', async () => {
    const org = await h.services.directory.createOrganisation(systemActor('test'), {
      kind: 'isp',
      nameEn: 'Example ISP',
    });
    const page = await get(`/console/directory/organisations/${org.id}/notify?lang=en`, national);
    expect(page.status).toBe(200);
    expect(page.html).toContain('Suppress notifications to this organisation');
    const saved = await post(`/console/directory/organisations/${org.id}/notify`, national, {
      interval: 'weekly',
      language: 'en',
      suppress: '1',
    });
    expect(saved.status).toBe(303);
    expect(await h.services.notifications.getSettings(systemActor('test'), org.id)).toEqual({
      organisationId: org.id,
      interval: 'weekly',
      language: 'en',
      suppress: true,
    });
    const refused = await post(`/console/directory/organisations/${org.id}/notify`, national, {
      interval: 'monthly',
      language: 'en',
    });
    expect(refused.status).toBe(400);
    const analyst = await h.consoleSession('analyst');
    const denied = await post(`/console/directory/organisations/${org.id}/notify`, analyst, {
      interval: 'daily',
      language: 'en',
    });
    expect(denied.status).toBe(403);
  });
});
