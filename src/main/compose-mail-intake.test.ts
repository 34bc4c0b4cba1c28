import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/app.ts';
import { DIALECTS } from '../../test/support/db.ts';
import { systemActor } from '../core/auth/actor.ts';

describe.each(DIALECTS)('mail intake as composed (%s)', (dialect) => {
  let h: TestApp;
  beforeAll(async () => {
    h = await createTestApp(dialect, {
      config: { mail: { domain: 'cert.example.cn', from: 'certops@cert.example.cn' } },
    });
  });
  afterAll(async () => h.destroy());

  it('queues the acknowledgement in the outbox (kind ack), and a reply to it threads to the incident', async () => {
    const r = await h.services.mailIntake.ingest(
      {
        source: 'smtp',
        mailFrom: 'zhang@example.cn',
        rcptTo: ['report@cert.example.cn'],
        branchCode: 'CN-NATIONAL',
        remoteIp: '',
        helo: '',
      },
      Buffer.from(
        'From: zhang@example.cn\r\nSubject: 钓鱼网站\r\nMessage-ID: <c1@example.cn>\r\n\r\n发现钓鱼网站 http://fake.example.com/\r\n',
      ),
    );
    expect(r.ack).toBe('sent');
    const outbox = await h.services.mailOutbound.listOutbox(systemActor('test'), { kind: 'ack' });
    expect(outbox).toHaveLength(1);
    const ack = outbox[0]!;
    expect(ack).toMatchObject({
      to: 'zhang@example.cn',
      incidentId: r.incidentId,
      inReplyTo: '<c1@example.cn>',
    });
    expect(ack.subject).toContain(r.trackingNumbers[0]);
    expect(ack.headers).toMatchObject({
      'Auto-Submitted': 'auto-replied',
      'X-Loop': 'certops@cert.example.cn',
    });

    const reply = await h.services.mailIntake.ingest(
      {
        source: 'smtp',
        mailFrom: 'zhang@example.cn',
        rcptTo: ['report@cert.example.cn'],
        branchCode: 'CN-NATIONAL',
        remoteIp: '',
        helo: '',
      },
      Buffer.from(`From: zhang@example.cn\r\nSubject: thanks\r\nIn-Reply-To: ${ack.messageId}\r\n\r\nok\r\n`),
    );
    expect(reply).toMatchObject({ outcome: 'correspondence', incidentId: r.incidentId });
  });
});
