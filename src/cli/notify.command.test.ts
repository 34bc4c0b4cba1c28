import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliDatabase, runCliCaptured, useCliLanguage } from '../../test/support/cli.ts';
import { DIALECTS } from '../../test/support/db.ts';
import { createSmtpSink, type SmtpSink } from '../../test/support/smtp-sink.ts';
import { loadConfig } from '../config/config.ts';
import { systemActor } from '../core/auth/actor.ts';
import { openMigratedDatabase, composeServices } from '../main/compose.ts';

// these tests read the English output; src/cli/messages.test.ts reads the Chinese
useCliLanguage('en');

describe.each(DIALECTS)('certops notify / mail on %s', (dialect) => {
  let dir: string;
  let database: string;
  let configFile: string;
  let sink: SmtpSink;
  let drop: () => Promise<void> = async () => {};

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'certops-notifycli-'));
    ({ database, drop } = await createCliDatabase(dialect, dir));
    sink = await createSmtpSink();
    configFile = path.join(dir, 'certops.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        mail: { from: 'cert@cert.example.cn', relay: { host: '127.0.0.1', port: sink.port } },
      }),
    );
  });
  afterAll(async () => {
    await sink.stop();
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (...args: string[]) =>
    runCliCaptured(['--config', configFile, '--database', database, ...args]);

  /** Services over the CLI's database (to queue items as the pipeline would). */
  async function withServices<T>(fn: (s: ReturnType<typeof composeServices>) => Promise<T>): Promise<T> {
    const config = loadConfig({ env: {}, overrides: { databaseUrl: database, logLevel: 'silent' } });
    const db = await openMigratedDatabase(config);
    try {
      return await fn(composeServices(db, config));
    } finally {
      await db.close();
    }
  }

  it('changes settings, runs notifications (dry run first), sends through the relay', async () => {
    const org = await withServices(async (s) => {
      await s.directory.seedDefaults();
      const o = await s.directory.createOrganisation(systemActor('test'), {
        kind: 'isp',
        nameEn: 'Example Telecom',
        abbreviation: 'EXTEL',
      });
      await s.notifications.enqueue(
        [1, 2, 3].map((n) => ({
          recipient: 'abuse@extel.example',
          orgId: o.id,
          kind: 'event' as const,
          refId: n,
          classificationType: 'malicious-code/infected-system',
          row: { 'source.ip': `192.0.2.${n}` },
          queuedAt: new Date().toISOString(),
        })),
      );
      return o;
    });

    const settings = await run('notify', 'settings', 'EXTEL', '--interval', 'hourly', '--language', 'en');
    expect(settings.err).toBe('');
    expect(settings.out).toBe(`organisation ${org.id}: interval hourly, language en, not suppressed\n`);
    const bad = await run('notify', 'settings', String(org.id), '--interval', 'monthly');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(
      /^certops: .*interval: expected one of immediate, hourly, daily, weekly, never\n$/,
    );
    const missing = await run('notify', 'settings', 'NO-SUCH-ORG');
    expect(missing.code).not.toBe(0);
    expect(missing.err).toMatch(/organisation "NO-SUCH-ORG" not found/);

    const dry = await run('notify', 'run', '--dry-run');
    expect(dry.out).toContain('would send\tabuse@extel.example\t3 rows\ten');
    expect(dry.out).toContain('1 mail(s), 0 suppressed, 0 waiting (dry run)');
    expect(sink.messages).toHaveLength(0);

    const real = await run('notify', 'run');
    expect(real.code).toBe(0);
    expect(real.out).toMatch(/queued\tabuse@extel\.example\t3 rows\ten\toutbox #\d+/);
    expect(real.out).toContain('outbox: 1 sent, 0 to retry, 0 failed');
    expect(sink.messages).toHaveLength(1);

    const again = await run('notify', 'run');
    expect(again.out).toContain('0 mail(s), 0 suppressed, 0 waiting');

    const outbox = await run('mail', 'outbox', '--state', 'sent');
    expect(outbox.out).toMatch(/^#\d+\tsent\tattempts 1\tnotification\t-\tabuse@extel\.example\t/m);
    const badState = await run('mail', 'outbox', '--state', 'lost');
    expect(badState.err).toMatch(/--state: expected one of queued, sending, sent, failed/);
  });

  it('sends a test message and flushes', async () => {
    const r = await run('mail', 'send-test', 'ops@cert.example.cn');
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^Message-ID <[0-9a-f-]{36}@cert\.example\.cn>\nsent: 250 /);
    expect(sink.messages.at(-1)!.to).toEqual(['ops@cert.example.cn']);
    const flushed = await run('mail', 'flush');
    expect(flushed.out).toBe('0 sent, 0 to retry, 0 failed\n');
    const bad = await run('mail', 'send-test', 'nobody');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/to: expected an e-mail address/);
  });
});
