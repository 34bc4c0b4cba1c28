import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/app.ts';
import { DIALECTS } from '../../test/support/db.ts';
import { actorOf, createTestUser } from '../../test/support/factories.ts';
import { createSmtpSink, type SmtpSink } from '../../test/support/smtp-sink.ts';
import { systemActor, type Actor } from '../core/auth/actor.ts';
import type { IncidentDetail } from '../core/incidents/incident.ts';

const MIN = 60_000;

async function parse(raw: Buffer) {
  return simpleParser(raw);
}

describe.each(DIALECTS)('outbound mail service with a real SMTP relay (%s)', (dialect) => {
  let app: TestApp;
  let sink: SmtpSink;
  let handler: Actor;
  let incident: IncidentDetail;

  async function setup(startSink: boolean) {
    sink = await createSmtpSink({ start: startSink });
    app = await createTestApp(dialect, {
      config: {
        mail: {
          from: 'cert@cert.example.cn',
          relay: { host: '127.0.0.1', port: sink.port, timeoutMs: 5000 },
        },
      },
    });
    handler = actorOf(await createTestUser(app.services, 'national_handler'));
    const created = await app.services.incidents.createReport(handler, {
      channel: 'phone',
      subject: 'Phishing page imitating a bank',
      description: 'http://bank-login.example.com/ hosted on 192.0.2.10',
      category: 'phishing',
      branchCode: 'CN-BJ',
    });
    incident = await app.services.incidents.getIncident(handler, created.incident!.id);
  }

  afterEach(async () => {
    await app?.destroy();
    await sink?.stop();
  });

  describe('relay up', () => {
    beforeEach(async () => setup(true));

    it('renders the template in both languages with the incident fields', async () => {
      const zh = await app.services.mailOutbound.previewIncidentMail(handler, incident.id, {
        actionKind: 'request_content_removal',
        language: 'zh-CN',
        to: 'abuse@hosting.example.com',
        recipientName: '某托管商',
      });
      expect(zh.subject).toBe(`[certops #${incident.id}] 请求删除恶意内容：${incident.title}`);
      expect(zh.body).toContain('某托管商您好：');
      expect(zh.body).toContain(`事件编号：#${incident.id}`);
      expect(zh.body).toContain(`跟踪号：${incident.reports[0]!.trackingNumber}`);
      expect(zh.body).toContain('类别：网络仿冒（fraud/phishing）');
      expect(zh.body).toContain('负责单位：北京');
      expect(zh.body).toContain('192.0.2.10');
      expect(zh.body).toContain('国家计算机网络应急技术处理协调中心');
      const en = await app.services.mailOutbound.previewIncidentMail(handler, incident.id, {
        actionKind: 'request_content_removal',
        language: 'en',
        to: 'abuse@hosting.example.com',
      });
      expect(en.subject).toBe(
        `[certops #${incident.id}] Request to remove malicious content: ${incident.title}`,
      );
      expect(en.body).toContain('Dear colleagues,');
      expect(en.body).toContain('Category: Phishing (fraud/phishing)');
      expect(en.body).toContain('Handled by: Beijing');
    });

    it('sends exactly the preview, threads it and records the Message-ID and delivery on the timeline', async () => {
      const preview = await app.services.mailOutbound.previewIncidentMail(handler, incident.id, {
        actionKind: 'contact_isp',
        language: 'zh-CN',
        to: 'Abuse@ISP.example.cn',
      });
      const result = await app.services.mailOutbound.sendIncidentMail(handler, incident.id, {
        actionKind: 'contact_isp',
        language: 'zh-CN',
        to: 'Abuse@ISP.example.cn',
        subject: preview.subject,
        body: preview.body,
      });
      expect(result.delivered).toBe(true);
      expect(result.mail.state).toBe('sent');
      expect(result.mail.messageId).toMatch(/^<[0-9a-f-]{36}@cert\.example\.cn>$/);
      expect(sink.messages).toHaveLength(1);
      expect(sink.messages[0]!.to).toEqual(['abuse@isp.example.cn']);
      expect(sink.messages[0]!.from).toBe('cert@cert.example.cn');
      const parsed = await parse(sink.messages[0]!.raw);
      expect(parsed.subject).toBe(preview.subject);
      expect(parsed.text?.replace(/\r\n/g, '\n').trimEnd()).toBe(preview.body.trimEnd());
      expect(parsed.messageId).toBe(result.mail.messageId);
      expect(parsed.headers.get('x-certops-incident')).toBe(String(incident.id));

      const detail = await app.services.incidents.getIncident(handler, incident.id);
      const action = detail.actions.find((a) => a.id === result.action.id)!;
      expect(action.kind).toBe('contact_isp');
      expect(action.counterpart).toBe('abuse@isp.example.cn');
      expect(action.outcome).toBe('pending');
      expect(action.note).toContain(`Message-ID: ${result.mail.messageId}`);
      expect(action.note).toMatch(/Delivery: sent \(250 .*Ok: queued/);
      // The reply thread: inbound finds the incident by the Message-ID.
      const ids = await app.database.db.selectFrom('mail_message_ids').selectAll().execute();
      expect(ids.map((r) => [r.message_id, Number(r.incident_id), r.direction])).toContainEqual([
        result.mail.messageId,
        incident.id,
        'out',
      ]);

      // A second mail to the same address refers to the first (one thread per counterpart).
      const second = await app.services.mailOutbound.sendIncidentMail(handler, incident.id, {
        actionKind: 'contact_isp',
        language: 'en',
        to: 'abuse@isp.example.cn',
      });
      const parsed2 = await parse(sink.messages[1]!.raw);
      expect(parsed2.inReplyTo).toBe(result.mail.messageId);
      expect(second.mail.references).toEqual([result.mail.messageId]);
    });

    it('queues mail for other areas (auto-acknowledgement) and the flush delivers it with its threading headers', async () => {
      const queued = await app.services.mailOutbound.queue({
        kind: 'ack',
        to: 'reporter@example.org',
        subject: 'Your report was received',
        text: 'Tracking number 2007-ABCDE-FGHIJ',
        headers: { 'Auto-Submitted': 'auto-replied' },
        inReplyTo: '<orig@example.org>',
        incidentId: incident.id,
      });
      expect(queued.state).toBe('queued');
      expect(queued.subject).toBe(`[certops #${incident.id}] Your report was received`);
      expect(sink.messages).toHaveLength(0);
      expect(await app.services.mailOutbound.flush()).toEqual({ sent: 1, retried: 0, failed: 0 });
      const parsed = await parse(sink.messages[0]!.raw);
      expect(parsed.inReplyTo).toBe('<orig@example.org>');
      expect(parsed.references).toBe('<orig@example.org>');
      expect(parsed.headers.get('auto-submitted')).toBe('auto-replied');
      expect(await app.services.mailOutbound.flush()).toEqual({ sent: 0, retried: 0, failed: 0 });
    });

    it('refuses bad input with the field and keeps other branches and read-only roles out', async () => {
      await expect(
        app.services.mailOutbound.sendIncidentMail(handler, incident.id, {
          actionKind: 'contact_isp',
          language: 'zh-CN',
          to: 'not-an-address',
        }),
      ).rejects.toMatchObject({ id: 'invalid_input', fields: [{ field: 'to' }] });
      await expect(
        app.services.mailOutbound.previewIncidentMail(handler, incident.id, {
          actionKind: 'note' as never,
          language: 'zh-CN',
          to: 'a@b.cn',
        }),
      ).rejects.toMatchObject({ id: 'invalid_input', fields: [{ field: 'actionKind' }] });
      await expect(
        app.services.mailOutbound.queue({ kind: 'ack', to: 'a@b.cn', subject: ' ', text: 'x' }),
      ).rejects.toMatchObject({ id: 'invalid_input', fields: [{ field: 'subject' }] });
      const analyst = actorOf(await createTestUser(app.services, 'analyst'));
      await expect(
        app.services.mailOutbound.sendIncidentMail(analyst, incident.id, {
          actionKind: 'contact_isp',
          language: 'zh-CN',
          to: 'a@b.cn',
        }),
      ).rejects.toMatchObject({ id: 'forbidden' });
      const other = actorOf(await createTestUser(app.services, 'branch_handler', { branchCode: 'CN-SH' }));
      await expect(
        app.services.mailOutbound.sendIncidentMail(other, incident.id, {
          actionKind: 'contact_isp',
          language: 'zh-CN',
          to: 'a@b.cn',
        }),
      ).rejects.toMatchObject({ id: 'not_found' });
      // The action cannot be recorded (unknown organisation): nothing is sent, nothing stays queued.
      await expect(
        app.services.mailOutbound.sendIncidentMail(handler, incident.id, {
          actionKind: 'contact_isp',
          language: 'zh-CN',
          to: 'a@b.cn',
          counterpartOrgId: 999_999,
        }),
      ).rejects.toMatchObject({ id: 'invalid_input', fields: [{ field: 'counterpartOrgId' }] });
      expect(await app.services.mailOutbound.listOutbox(handler, {})).toEqual([]);
      expect(await app.services.mailOutbound.flush()).toEqual({ sent: 0, retried: 0, failed: 0 });
      expect(sink.messages).toHaveLength(0);
      expect(await app.services.mailOutbound.listOutbox(other, {})).toEqual([]);
    });

    it('uses a deployment template override, refuses unknown placeholders, resets to the default', async () => {
      const admin = systemActor('test');
      await expect(
        app.services.mailOutbound.saveTemplate(admin, 'notify_owner', 'en', {
          subject: 'X {{nope}}',
          body: 'B',
        }),
      ).rejects.toMatchObject({ id: 'invalid_input', fields: [{ field: 'subject' }] });
      const saved = await app.services.mailOutbound.saveTemplate(admin, 'notify_owner', 'en', {
        subject: 'Owner notice {{trackingNumber}}',
        body: 'Hello {{recipientName}}, see {{observables}}',
      });
      expect(saved.overridden).toBe(true);
      const preview = await app.services.mailOutbound.previewIncidentMail(handler, incident.id, {
        actionKind: 'notify_owner',
        language: 'en',
        to: 'owner@example.com',
        recipientName: 'Owner',
      });
      expect(preview.subject).toBe(
        `[certops #${incident.id}] Owner notice ${incident.reports[0]!.trackingNumber}`,
      );
      expect(preview.body).toMatch(/^Hello Owner, see - /);
      const branchHandler = actorOf(await createTestUser(app.services, 'branch_handler'));
      await expect(
        app.services.mailOutbound.resetTemplate(branchHandler, 'notify_owner', 'en'),
      ).rejects.toMatchObject({ id: 'forbidden' });
      const reset = await app.services.mailOutbound.resetTemplate(admin, 'notify_owner', 'en');
      expect(reset.overridden).toBe(false);
      expect(reset.subject).toBe('Security incident notification: {{title}}');
    });
  });

  describe('relay down', () => {
    beforeEach(async () => setup(false));

    it('retries with back-off (1m, 5m) and delivers once the relay is up', async () => {
      const svc = app.services.mailOutbound;
      const result = await svc.sendIncidentMail(handler, incident.id, {
        actionKind: 'notify_owner',
        language: 'en',
        to: 'owner@example.com',
      });
      expect(result.delivered).toBe(false);
      expect(result.error).toMatch(/ECONNREFUSED/);
      expect(result.mail.state).toBe('queued');
      expect(result.mail.attempts).toBe(1);
      const t0 = app.clock.now().getTime();
      expect(result.mail.nextAttemptAt).toBe(new Date(t0 + MIN).toISOString());
      let action = (await app.services.incidents.getIncident(handler, incident.id)).actions.find(
        (a) => a.id === result.action.id,
      )!;
      expect(action.note).toMatch(
        /Delivery: attempt 1 failed \(.*ECONNREFUSED.*\); next attempt 2007-06-30T08:01:00.000Z/,
      );
      const [row] = await svc.listOutbox(handler, { incidentId: incident.id });
      expect(row!.lastError).toMatch(/ECONNREFUSED/);

      // Not due yet: nothing is tried.
      app.clock.advance(59_000);
      expect(await svc.flush()).toEqual({ sent: 0, retried: 0, failed: 0 });
      app.clock.advance(1_000);
      expect(await svc.flush()).toEqual({ sent: 0, retried: 1, failed: 0 });
      const second = await svc.getMail(handler, result.mail.id);
      expect(second.attempts).toBe(2);
      expect(second.nextAttemptAt).toBe(new Date(app.clock.now().getTime() + 5 * MIN).toISOString());

      await sink.start();
      app.clock.advance(5 * MIN);
      expect(await svc.flush()).toEqual({ sent: 1, retried: 0, failed: 0 });
      expect(sink.messages).toHaveLength(1);
      const sent = await svc.getMail(handler, result.mail.id);
      expect([sent.state, sent.attempts]).toEqual(['sent', 3]);
      action = (await app.services.incidents.getIncident(handler, incident.id)).actions.find(
        (a) => a.id === result.action.id,
      )!;
      expect(action.note).toMatch(/Delivery: sent/);
      expect(action.outcome).toBe('pending');
    });

    it('fails for good after 6 attempts, marks the action failed, and a handler can retry it', async () => {
      const svc = app.services.mailOutbound;
      const result = await svc.sendIncidentMail(handler, incident.id, {
        actionKind: 'contact_cert',
        language: 'en',
        to: 'cert@example.org',
      });
      for (const wait of [1, 5, 30, 120]) {
        app.clock.advance(wait * MIN);
        expect(await svc.flush()).toEqual({ sent: 0, retried: 1, failed: 0 });
      }
      app.clock.advance(360 * MIN);
      expect(await svc.flush()).toEqual({ sent: 0, retried: 0, failed: 1 });
      const failed = await svc.getMail(handler, result.mail.id);
      expect([failed.state, failed.attempts]).toEqual(['failed', 6]);
      expect((await svc.countOutbox(handler)).failed).toBe(1);
      const action = (await app.services.incidents.getIncident(handler, incident.id)).actions.find(
        (a) => a.id === result.action.id,
      )!;
      expect(action.outcome).toBe('failure');
      expect(action.note).toMatch(/Delivery: failed after 6 attempts/);

      await sink.start();
      const retried = await svc.retry(handler, result.mail.id);
      expect(retried.state).toBe('sent');
      expect(sink.messages).toHaveLength(1);
      await expect(svc.retry(handler, result.mail.id)).rejects.toMatchObject({ id: 'conflict' });
    });
  });
});
