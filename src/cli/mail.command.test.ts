import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliDatabase, runCliCaptured, useCliLanguage } from '../../test/support/cli.ts';
import { DIALECTS } from '../../test/support/db.ts';

// these tests read the English output; src/cli/messages.test.ts reads the Chinese
useCliLanguage('en');

function eml(subject: string, extra = ''): string {
  return `From: reporter@example.org\r\nTo: report@localhost\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@example.org>\r\n${extra}\r\nseen at 203.0.113.77\r\n`;
}

describe.each(DIALECTS)('certops import mail / mail list, show, retry, process (%s)', (dialect) => {
  let dir: string;
  let database: string;
  let drop: () => Promise<void> = async () => {};
  const cli = (...args: string[]) => runCliCaptured(['--database', database, ...args]);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'certops-mail-cli-'));
    ({ database, drop } = await createCliDatabase(dialect, dir));
    mkdirSync(path.join(dir, 'in'));
    writeFileSync(path.join(dir, 'in', 'one.eml'), eml('first report'));
    writeFileSync(
      path.join(dir, 'in', 'box.mbox'),
      `From reporter@example.org Thu Mar  1 08:00:00 2007\n${eml('second report').replace(/\r\n/g, '\n')}>From the body\n\nFrom x Thu Mar  1 08:00:00 2007\n${eml('third report').replace(/\r\n/g, '\n')}`,
    );
    writeFileSync(path.join(dir, 'empty.eml'), '');
  });
  afterAll(async () => {
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports a directory of .eml and .mbox through the store-and-process path and prints counts', async () => {
    const r = await cli('import', 'mail', path.join(dir, 'in'), '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ messages: 3, reports: 3, failed: 0, duplicates: 0 });
    const again = await cli('import', 'mail', path.join(dir, 'in', 'one.eml'));
    expect(again.out).toMatch(/imported 1 messages: 0 reports, 0 replies to incidents, 1 duplicates/);
  });

  it('lists, shows and refuses bad arguments with one line', async () => {
    const list = await cli('mail', 'list', '--json');
    const rows = list.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((m: { subject: string }) => m.subject)).toEqual([
      'first report',
      'first report',
      'third report',
      'second report',
    ]);
    expect(rows.every((m: { source: string }) => m.source === 'file')).toBe(true);
    const show = await cli('mail', 'show', String(rows[2].id));
    expect(show.out).toMatch(/state: processed/);
    expect(show.out).toMatch(/Subject: third report/);
    const mbox = await cli('mail', 'show', String(rows[3].id), '--raw');
    expect(mbox.out).toContain('From the body');
    expect(mbox.out).not.toContain('>From the body');
    const bad = await cli('mail', 'list', '--state', 'nope');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^certops: --state: expected one of received, processing/);
    const missing = await cli('mail', 'show', '999999');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/mail message 999999 not found/);
    const notFailed = await cli('mail', 'retry', String(rows[1].id));
    expect(notFailed.err).toMatch(/only failed messages are retried/);
  });

  it('an empty file is counted as failed with a non-zero exit; process finds nothing waiting', async () => {
    const r = await cli('import', 'mail', path.join(dir, 'empty.eml'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/empty message, skipped/);
    const p = await cli('mail', 'process');
    expect(p.out).toMatch(/^processed 0 messages/);
    const none = await cli('import', 'mail', path.join(dir, 'nothing-here'));
    expect(none.err).toMatch(/no such file or directory/);
  });
});

describe('certops mail serve', () => {
  it('listens, stores and processes a message, and stops on SIGTERM', async () => {
    const { spawn } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const nodemailer = (await import('nodemailer')).default;
    const dir = mkdtempSync(path.join(tmpdir(), 'certops-mail-serve-'));
    const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/certops.js');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      CERTOPS_MAIL_DOMAIN: 'cert.example.cn',
      CERTOPS_MAIL_AUTO_ACK: 'false',
    };
    for (const k of ['DATABASE_URL', 'CERTOPS_CONFIG', 'CERTOPS_DATA_DIR']) delete env[k];
    const database = `sqlite:${path.join(dir, 'certops.db')}`;
    const child = spawn(process.execPath, [bin, '--database', database, 'mail', 'serve', '--port', '0'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          out += d;
          const m = /SMTP intake listening on 127\.0\.0\.1:(\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
      });
      const t = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
      const info = await t.sendMail({
        from: 'a@example.org',
        to: 'report@cert.example.cn',
        subject: 'via serve',
        text: '198.51.100.200',
      });
      expect(info.response).toMatch(/^250 /);
      await expect(
        t.sendMail({ from: 'a@example.org', to: 'other@cert.example.cn', subject: 'x', text: 'y' }),
      ).rejects.toMatchObject({ responseCode: 550 });
      t.close();
      for (let i = 0; i < 100 && !err.includes('"msg":"mail processed"'); i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(err).toMatch(/"msg":"mail processed".*"outcome":"report"/);
    } finally {
      child.kill('SIGTERM');
      const code = await new Promise((r) => child.once('exit', r));
      expect(code).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
