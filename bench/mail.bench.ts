import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { argValue, emit } from './figures.ts';

/**
 * `npm run bench -- mail [--count N] [--senders S] [--database URL]`: starts `certops mail serve`
 * (a separate process, so its RSS is the listener's and processor's alone) on an ephemeral
 * loopback port, sends N plain report messages (default 10,000) from S concurrent SMTP senders
 * (default 20), and measures messages accepted per second (every `250`), messages accepted and
 * processed into reports per second (until the last is processed), and the server's peak RSS.
 * Acknowledgements are off (CERTOPS_MAIL_AUTO_ACK=false): the figure is the intake's.
 * `--cpu-prof DIR`: the server writes a V8 CPU profile into DIR when it stops.
 */
export async function run(args: string[]): Promise<void> {
  const count = Number(argValue(args, 'count', '10000'));
  const senders = Number(argValue(args, 'senders', '20'));
  const dir = mkdtempSync(path.join(tmpdir(), 'certops-mail-bench-'));
  const database = argValue(
    args,
    'database',
    process.env.DATABASE_URL || `sqlite:${path.join(dir, 'certops.db')}`,
  );
  const target = database.startsWith('postgres')
    ? ({ dialect: 'postgres', url: database } as const)
    : ({ dialect: 'sqlite', file: database.slice('sqlite:'.length) } as const);
  const db = openDatabase(target, { onIdleError: () => {} });
  await migrateToLatest(db);
  const profileDir = argValue(args, 'cpu-prof', '');

  const child = spawn(
    process.execPath,
    [
      ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []),
      'bin/certops.js',
      '--database',
      database,
      'mail',
      'serve',
      '--port',
      '0',
    ],
    {
      env: { ...process.env, CERTOPS_MAIL_AUTO_ACK: 'false', CERTOPS_MAIL_DOMAIN: 'bench.example' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const m = /listening on [^:]+:(\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`mail serve exited ${code}: ${stderr}`)));
    });

    let peakRss = 0;
    const sampler = setInterval(() => {
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakRss = Math.max(peakRss, Number(m[1]) * 1024);
      } catch {
        // not Linux, or the process ended
      }
    }, 100);

    const body = (i: number) =>
      `Hello,\n\nreport ${i}: a phishing page at http://bank-${i % 997}.example.net/login hosted on 203.0.${(i >> 8) & 255}.${i & 255}.\n` +
      'It asks for card numbers and passwords. Please take it down.\n\n'.repeat(8);
    const rawMessage = (i: number, s: number) =>
      `From: sender${s}@example.org\r\nTo: report@bench.example\r\nSubject: Phishing report ${i}\r\n` +
      `Message-ID: <bench-${i}-${s}@example.org>\r\nDate: ${new Date().toUTCString()}\r\n` +
      `MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n` +
      body(i).replace(/\n/g, '\r\n');
    let next = 0;
    let accepted = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: senders }, async (_, s) => {
        const transport = nodemailer.createTransport({
          host: '127.0.0.1',
          port,
          secure: false,
          ignoreTLS: true,
          pool: true,
          maxConnections: 1,
          maxMessages: Infinity,
        });
        for (let i = next++; i < count; i = next++) {
          // a ready message, as a load generator (Postfix's smtp-source) sends: the senders share
          // the server's two cores, so they should spend them on SMTP, not on composing MIME
          await transport.sendMail({
            envelope: { from: `sender${s}@example.org`, to: ['report@bench.example'] },
            raw: rawMessage(i, s),
          });
          accepted += 1;
        }
        transport.close();
      }),
    );
    const acceptSeconds = (performance.now() - t0) / 1000;
    const processedCount = async () =>
      Number(
        (
          await db.db
            .selectFrom('mail_messages')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('state', 'in', ['processed', 'failed', 'failed_format'])
            .executeTakeFirstOrThrow()
        ).n,
      );
    const processedWhileAccepting = await processedCount();
    emit('mail', 'smtp_accepted_per_second', accepted / acceptSeconds, 'messages/s', {
      messages: accepted,
      senders,
      seconds: acceptSeconds,
      database: target.dialect,
    });

    while ((await processedCount()) < accepted) await new Promise((r) => setTimeout(r, 100));
    const totalSeconds = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    const failed = await db.db
      .selectFrom('mail_messages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('state', '=', 'failed')
      .executeTakeFirstOrThrow();
    emit('mail', 'accepted_and_processed_per_second', accepted / totalSeconds, 'messages/s', {
      messages: accepted,
      senders,
      seconds: totalSeconds,
      failed: Number(failed.n),
      database: target.dialect,
    });
    // How the two phases went: processing while the senders still send, then the backlog alone.
    emit(
      'mail',
      'processed_while_accepting_per_second',
      processedWhileAccepting / acceptSeconds,
      'messages/s',
      {
        messages: processedWhileAccepting,
        seconds: acceptSeconds,
      },
    );
    emit(
      'mail',
      'backlog_processed_per_second',
      (accepted - processedWhileAccepting) / Math.max(totalSeconds - acceptSeconds, 1e-9),
      'messages/s',
      { messages: accepted - processedWhileAccepting, seconds: totalSeconds - acceptSeconds },
    );
    emit('mail', 'server_peak_rss', peakRss / 2 ** 20, 'MiB', { messages: accepted, sampled_every_ms: 100 });
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
