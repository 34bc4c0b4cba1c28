import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/app.ts';
import { DIALECTS } from '../../test/support/db.ts';
import { actorOf, createTestUser } from '../../test/support/factories.ts';
import { createSmtpSink, type SmtpSink } from '../../test/support/smtp-sink.ts';
import { systemActor } from '../core/auth/actor.ts';
import type { NotificationItem } from '../core/notify/notification.ts';

const HOUR = 60 * 60_000;
const system = systemActor('test');

describe.each(DIALECTS)('bulk notifications (%s)', (dialect) => {
  let app: TestApp;
  let sink: SmtpSink;
  let refSeq = 0;

  beforeEach(async () => {
    sink = await createSmtpSink();
    app = await createTestApp(dialect, {
      config: { mail: { from: 'cert@cert.example.cn', relay: { host: '127.0.0.1', port: sink.port } } },
    });
  });
  afterEach(async () => {
    await app.destroy();
    await sink.stop();
  });

  async function org(name: string, notifyInterval: string, language: 'zh-CN' | 'en') {
    const o = await app.services.directory.createOrganisation(system, {
      kind: 'isp',
      nameEn: name,
      nameZh: `${name}公司`,
      notifyInterval,
      language,
    });
    return o.id;
  }

  function item(recipient: string, orgId: number | null, ip: string): NotificationItem {
    refSeq += 1;
    return {
      recipient,
      orgId,
      kind: 'event',
      refId: refSeq,
      classificationType: 'malicious-code/infected-system',
      row: { 'time.source': '2007-06-30T07:00:00Z', 'source.ip': ip, 'malware.name': 'conficker,b' },
      queuedAt: app.clock.now().toISOString(),
    };
  }

  async function attachmentOf(n: number) {
    const parsed = await simpleParser(sink.messages[n]!.raw);
    const csv = parsed.attachments.find((a) => a.filename?.endsWith('.csv'))!;
    return { parsed, csv: csv.content.toString('utf8') };
  }

  it('groups items per contact into one mail with a CSV each, and never sends an item twice', async () => {
    const a = await org('Alpha ISP', 'daily', 'en');
    const items = [
      item('abuse@alpha.example', a, '192.0.2.1'),
      item('abuse@alpha.example', a, '192.0.2.2'),
      item('ABUSE@alpha.example', a, '192.0.2.3'),
      item('noc@beta.example', null, '198.51.100.1'),
    ];
    expect(await app.services.notifications.enqueue(items)).toEqual({ queued: 4, duplicates: 0 });
    expect(await app.services.notifications.enqueue(items)).toEqual({ queued: 0, duplicates: 4 });

    const dry = await app.services.notifications.run({ dryRun: true });
    expect(dry.mails.map((m) => [m.recipient, m.rows, m.outboxId])).toEqual([
      ['abuse@alpha.example', 3, null],
      ['noc@beta.example', 1, null],
    ]);
    const report = await app.services.notifications.run();
    expect(report.mails.map((m) => [m.recipient, m.rows, m.language])).toEqual([
      ['abuse@alpha.example', 3, 'en'],
      ['noc@beta.example', 1, 'zh-CN'],
    ]);
    expect(await app.services.mailOutbound.flush()).toEqual({ sent: 2, retried: 0, failed: 0 });
    expect(sink.messages.map((m) => m.to[0])).toEqual(['abuse@alpha.example', 'noc@beta.example']);

    const alpha = await attachmentOf(0);
    expect(alpha.parsed.subject).toBe('Security events in your network: 3 events');
    expect(alpha.parsed.text).toContain('Dear Alpha ISP,');
    expect(alpha.parsed.headers.get('auto-submitted')).toBe('auto-generated');
    expect(alpha.csv.startsWith('\uFEFF')).toBe(true);
    const lines = alpha.csv.slice(1).split('\r\n').filter(Boolean);
    expect(lines).toEqual([
      'time.source,source.ip,malware.name',
      '2007-06-30T07:00:00Z,192.0.2.1,"conficker,b"',
      '2007-06-30T07:00:00Z,192.0.2.2,"conficker,b"',
      '2007-06-30T07:00:00Z,192.0.2.3,"conficker,b"',
    ]);
    const beta = await attachmentOf(1);
    expect(beta.parsed.subject).toBe('网络安全事件通报：贵单位网络内的 1 条事件');
    expect(beta.csv.slice(1).split('\r\n').filter(Boolean)).toHaveLength(2);

    // Running again sends nothing: the items went, and a day later they still do not go again.
    expect((await app.services.notifications.run()).mails).toEqual([]);
    app.clock.advance(25 * HOUR);
    expect((await app.services.notifications.run()).mails).toEqual([]);
    await app.services.mailOutbound.flush();
    expect(sink.messages).toHaveLength(2);
    // And queueing the same events again is refused as duplicates.
    expect(await app.services.notifications.enqueue(items)).toEqual({ queued: 0, duplicates: 4 });
  });

  it('honours each organisation interval: hourly goes after an hour, daily waits a day', async () => {
    const h = await org('Hourly ISP', 'hourly', 'en');
    const d = await org('Daily ISP', 'daily', 'en');
    await app.services.notifications.enqueue([
      item('h@h.example', h, '192.0.2.1'),
      item('d@d.example', d, '192.0.2.2'),
    ]);
    expect((await app.services.notifications.run()).mails).toHaveLength(2);

    app.clock.advance(HOUR / 2);
    await app.services.notifications.enqueue([
      item('h@h.example', h, '192.0.2.3'),
      item('d@d.example', d, '192.0.2.4'),
    ]);
    const early = await app.services.notifications.run();
    expect(early.mails).toEqual([]);
    expect(early.waiting.map((w) => w.recipient).sort()).toEqual(['d@d.example', 'h@h.example']);

    app.clock.advance(HOUR / 2);
    const hourLater = await app.services.notifications.run();
    expect(hourLater.mails.map((m) => m.recipient)).toEqual(['h@h.example']);
    expect(hourLater.waiting.map((w) => [w.recipient, w.dueAt])).toEqual([
      ['d@d.example', new Date(app.clock.now().getTime() + 23 * HOUR).toISOString()],
    ]);

    app.clock.advance(23 * HOUR);
    const dayLater = await app.services.notifications.run();
    expect(dayLater.mails.map((m) => [m.recipient, m.rows])).toEqual([['d@d.example', 1]]);
    expect(await app.services.mailOutbound.flush()).toEqual({ sent: 4, retried: 0, failed: 0 });
  });

  it('skips suppressed organisations and marks their items suppressed', async () => {
    const s = await org('Quiet ISP', 'hourly', 'zh-CN');
    const admin = actorOf(await createTestUser(app.services, 'admin'));
    const settings = await app.services.notifications.updateSettings(admin, s, {
      suppress: true,
      interval: 'daily',
      language: 'en',
    });
    expect(settings).toEqual({ organisationId: s, interval: 'daily', language: 'en', suppress: true });
    expect((await app.services.directory.getOrganisation(admin, s)).notifyInterval).toBe('daily');
    await app.services.notifications.enqueue([item('q@quiet.example', s, '192.0.2.9')]);
    const report = await app.services.notifications.run();
    expect(report.mails).toEqual([]);
    expect(report.suppressed).toEqual([{ recipient: 'q@quiet.example', items: 1 }]);
    const stored = await app.services.notifications.listItems(admin, { recipient: 'q@quiet.example' });
    expect(stored.map((i) => i.state)).toEqual(['suppressed']);
    // Lifting suppression does not resend what was suppressed.
    await app.services.notifications.updateSettings(admin, s, { suppress: false });
    expect((await app.services.notifications.run()).mails).toEqual([]);
    expect(sink.messages).toHaveLength(0);
  });

  it('splits a contact with more rows than one mail holds into several mails in one run', async () => {
    const small = await createTestApp(dialect, {
      config: { mail: { relay: { host: '127.0.0.1', port: sink.port }, notify: { maxRowsPerMail: 2 } } },
    });
    try {
      await small.services.notifications.enqueue(
        [1, 2, 3, 4, 5].map((n) => ({
          ...item('big@isp.example', null, `192.0.2.${n}`),
          queuedAt: small.clock.now().toISOString(),
        })),
      );
      const dry = await small.services.notifications.run({ dryRun: true });
      expect(dry.mails.map((m) => m.rows)).toEqual([2, 2, 1]);
      const real = await small.services.notifications.run();
      expect(real.mails.map((m) => m.rows)).toEqual([2, 2, 1]);
      expect(new Set(real.mails.map((m) => m.outboxId)).size).toBe(3);
      expect((await small.services.notifications.run()).mails).toEqual([]);
    } finally {
      await small.destroy();
    }
  });

  it('refuses bad items and bad settings, naming the field', async () => {
    await expect(
      app.services.notifications.enqueue([{ ...item('not-an-address', null, '192.0.2.1') }]),
    ).rejects.toMatchObject({ id: 'invalid_input', fields: [{ field: 'items.0.recipient' }] });
    await expect(
      app.services.notifications.enqueue([{ ...item('a@b.example', null, '192.0.2.1'), refId: -1 }]),
    ).rejects.toMatchObject({ id: 'invalid_input', fields: [{ field: 'items.0.refId' }] });
    const o = await org('X', 'daily', 'en');
    await expect(
      app.services.notifications.updateSettings(system, o, { interval: 'monthly' }),
    ).rejects.toMatchObject({ id: 'invalid_input', fields: [{ field: 'interval' }] });
    await expect(
      app.services.notifications.updateSettings(system, o + 999, { suppress: true }),
    ).rejects.toMatchObject({ id: 'not_found' });
    const handler = actorOf(await createTestUser(app.services, 'branch_handler'));
    await expect(
      app.services.notifications.updateSettings(handler, o, { suppress: true }),
    ).rejects.toMatchObject({ id: 'forbidden' });
  });
});
