import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/app.ts';
import { createSmtpSink, type SmtpSink } from '../../test/support/smtp-sink.ts';
import { startMailLoops } from './mail-loops.ts';

async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('mail loops inside serve', () => {
  let app: TestApp;
  let sink: SmtpSink;
  beforeEach(async () => {
    sink = await createSmtpSink();
    app = await createTestApp('sqlite', {
      config: { mail: { relay: { host: '127.0.0.1', port: sink.port } } },
    });
  });
  afterEach(async () => {
    await app.destroy();
    await sink.stop();
  });

  it('sends queued mail and runs the notification scheduler until stopped', async () => {
    await app.services.mailOutbound.queue({
      kind: 'test',
      to: 'ops@example.cn',
      subject: 'hello',
      text: 'hi',
    });
    await app.services.notifications.enqueue([
      {
        recipient: 'abuse@isp.example',
        orgId: null,
        kind: 'event',
        refId: 1,
        classificationType: 'information-gathering/scanner',
        row: { 'source.ip': '192.0.2.1' },
        queuedAt: app.clock.now().toISOString(),
      },
    ]);
    const loops = startMailLoops(app.services, app.config, pino({ level: 'silent' }), {
      outboxMs: 30,
      notifyMs: 30,
    });
    try {
      await waitFor(() => sink.messages.length === 2);
    } finally {
      await loops.stop();
    }
    expect(sink.messages.map((m) => m.to[0]).sort()).toEqual(['abuse@isp.example', 'ops@example.cn']);
    const outbox = await app.services.mailOutbound.listOutbox(
      { kind: 'system', userId: null, label: 'system:test', role: 'admin', branchCode: null, ip: '' },
      {},
    );
    expect(outbox.every((m) => m.state === 'sent')).toBe(true);
  });
});
