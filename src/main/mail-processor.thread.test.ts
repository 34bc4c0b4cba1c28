import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCliDatabase } from '../../test/support/cli.ts';
import { DIALECTS } from '../../test/support/db.ts';
import { loadConfig, type Config } from '../config/config.ts';
import { systemActor } from '../core/auth/actor.ts';
import { startMailIntake } from '../mail/intake/mail-intake.runtime.ts';
import type { AppServices } from '../services/index.ts';
import type { MailEnvelope } from '../services/ports/mail-intake.port.ts';
import type { Database } from '../db/database.ts';
import { composeServices, openMigratedDatabase } from './compose.ts';
import { mailProcessorFactoryFor, startMailProcessorThread } from './mail-processor.thread.ts';

function configFor(database: string, overrides: Record<string, unknown> = {}): Config {
  return loadConfig({
    env: {},
    overrides: {
      databaseUrl: database,
      mail: {
        domain: 'cert.example.cn',
        autoAck: { enabled: false },
        processIntervalSeconds: 60,
        ...overrides,
      },
    } as never,
  });
}

const ENVELOPE: MailEnvelope = {
  source: 'smtp',
  mailFrom: '',
  rcptTo: ['report@cert.example.cn'],
  branchCode: 'CN-NATIONAL',
  remoteIp: '127.0.0.1',
  helo: 't',
};

const message = (i: number) =>
  Buffer.from(
    `From: reporter${i}@example.org\r\nTo: report@cert.example.cn\r\nSubject: phishing ${i}\r\n` +
      `Message-ID: <thread-${i}@example.org>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n` +
      `A phishing page at http://bank-${i}.example.net/login on 203.0.113.${i}.\r\n`,
  );

describe.each(DIALECTS)('mail processor thread (%s)', (dialect) => {
  let dir: string;
  let drop: () => Promise<void>;
  let config: Config;
  let database: Database;
  let services: AppServices;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'certops-mail-thread-'));
    const created = await createCliDatabase(dialect, dir);
    drop = created.drop;
    config = configFor(created.database);
    database = await openMigratedDatabase(config);
    services = composeServices(database, config);
    await services.directory.seedDefaults();
  });
  afterEach(async () => {
    await database.close();
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores what SMTP receives and processes it in the thread; results come back for the log', async () => {
    const startProcessor = mailProcessorFactoryFor(config, services.mailIntake);
    expect(startProcessor).toBeDefined();
    const logged: { obj: Record<string, unknown>; msg: string }[] = [];
    const log = (obj: object, msg: string) => logged.push({ obj: obj as Record<string, unknown>, msg });
    const running = await startMailIntake({
      config,
      mailIntake: services.mailIntake,
      logger: { info: log, warn: log, error: log },
      port: 0,
      startProcessor: startProcessor!,
    });
    try {
      const transport = nodemailer.createTransport({
        host: '127.0.0.1',
        port: running.smtp.port,
        secure: false,
        ignoreTLS: true,
      });
      const replies = await Promise.all(
        [1, 2, 3, 4, 5].map((i) =>
          transport.sendMail({
            envelope: { from: `reporter${i}@example.org`, to: ['report@cert.example.cn'] },
            raw: message(i),
          }),
        ),
      );
      transport.close();
      for (const r of replies) expect(r.response).toMatch(/^250 .*stored as message \d+/);
      await running.processor.idle();
      const admin = systemActor('test');
      const counts = await services.mailIntake.countByState(admin);
      expect(counts.processed).toBe(5);
      const rows = await services.mailIntake.list(admin, {});
      expect(rows.map((r) => r.subject).sort()).toEqual([1, 2, 3, 4, 5].map((i) => `phishing ${i}`));
      for (const r of rows) expect(r.incidentId).not.toBeNull();
      const processed = logged.filter((l) => l.msg === 'mail processed');
      expect(processed).toHaveLength(5);
      expect(new Set(processed.map((l) => l.obj.mailMessageId))).toEqual(new Set(rows.map((r) => r.id)));
    } finally {
      await running.close();
    }
  });

  it('stores and processes a burst larger than its backlog limit, losing nothing', async () => {
    const results: number[] = [];
    const processor = startMailProcessorThread(
      config,
      { intervalSeconds: 60, onProcessed: (r) => results.push(r.id) },
      services.mailIntake,
    );
    try {
      // 120 stores at once: the thread's backlog passes its limit, so later groups process
      // before they take stores (backpressure); every store is still answered
      const stored = await Promise.all(
        Array.from({ length: 120 }, (_, i) => processor.store!(ENVELOPE, message(100 + i))),
      );
      expect(new Set(stored.map((s) => s.id)).size).toBe(120);
      await processor.idle();
      expect(new Set(results)).toEqual(new Set(stored.map((s) => s.id)));
      const counts = await services.mailIntake.countByState(systemActor('test'));
      expect(counts.processed).toBe(120);
    } finally {
      await processor.stop();
    }
  });

  it('picks up mail stored before it started (a restart)', async () => {
    for (const i of [7, 8]) {
      await services.mailIntake.receive(ENVELOPE, message(i));
    }
    const results: number[] = [];
    const processor = startMailProcessorThread(
      config,
      { intervalSeconds: 60, onProcessed: (r) => results.push(r.id) },
      services.mailIntake,
    );
    try {
      await processor.idle();
      expect(results).toHaveLength(2);
    } finally {
      await processor.stop();
    }
  });
});

describe('mail processor thread that cannot start', () => {
  it('reports the error and goes on storing and processing in the listener thread', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'certops-mail-thread-'));
    const config = configFor(`sqlite:${path.join(dir, 'certops.db')}`);
    const database = await openMigratedDatabase(config);
    const services = composeServices(database, config);
    await services.directory.seedDefaults();
    // the thread opens a database file where none can be created (under a file): it fails at start
    writeFileSync(path.join(dir, 'a-file'), '');
    const broken = configFor(`sqlite:${path.join(dir, 'a-file', 'certops.db')}`);
    const errors: string[] = [];
    const results: number[] = [];
    const processor = startMailProcessorThread(
      broken,
      { intervalSeconds: 60, onError: (e) => errors.push(e.message), onProcessed: (r) => results.push(r.id) },
      services.mailIntake,
    );
    try {
      await expect.poll(() => errors.length, { timeout: 20_000 }).toBeGreaterThan(0);
      expect(errors.join('\n')).toMatch(/ENOTDIR|EEXIST|a-file/);
      const { id } = await processor.store!(ENVELOPE, message(9));
      processor.wake();
      await processor.idle();
      expect(results).toContain(id);
    } finally {
      await processor.stop();
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is not used for an in-memory database or when switched off', () => {
    const memory = configFor('sqlite::memory:');
    const off = loadConfig({
      env: {},
      overrides: { databaseUrl: 'sqlite:/tmp/x.db', mail: { processInThread: false } } as never,
    });
    const fallback = { processNext: async () => null, receive: async () => ({ id: 0 }) };
    expect(mailProcessorFactoryFor(memory, fallback)).toBeUndefined();
    expect(mailProcessorFactoryFor(off, fallback)).toBeUndefined();
    expect(mailProcessorFactoryFor(configFor('sqlite:/tmp/x.db'), fallback)).toBeTypeOf('function');
  });
});
