import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/support/db.ts';
import { createCliDatabase, runCertops, useCliLanguage } from '../../test/support/cli.ts';
import SQLite from 'better-sqlite3';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';

// these tests read the English output; src/cli/messages.test.ts reads the Chinese
useCliLanguage('en');

/** Each test starts the real binary several times: generous on a busy machine (not a speed check). */
const CLI_TIMEOUT = 120_000;

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/certops.js');

const CSV = [
  'external_id,incident,received_at,category,subject,description,state,branch,resolved_at,action_kind,action_branch',
  'A-1,P1,2007-01-05 09:00,phishing,仿冒 PNC bank,"hxxp://pnc-login[.]example[.]com, 203.0.113.9",resolved,新疆,2007-01-20,request_domain_suspension,CN-BJ',
  'A-2,P1,2007-01-06 10:00,phishing,second report,same site,,,,,',
  'A-3,,2007-02-10,spam,spam run,"from 198.51.100.2",new,SHANGHAI SHI,,,',
  'A-4,,2007-02-31,spam,bad day,x,new,CN-BJ,,,',
  'A-5,,2007-03-01,spam,after the bad line,x,new,CN-BJ,,,',
].join('\n');

describe.each(DIALECTS)('certops import reports + stats incidents on %s', (dialect) => {
  let dir: string;
  let database: string;
  let drop: () => Promise<void> = async () => {};

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'certops-import-cli-'));
    ({ database, drop } = await createCliDatabase(dialect, dir));
    writeFileSync(path.join(dir, 'history.csv'), CSV);
  });
  afterAll(async () => {
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'stops at the malformed line with one line naming it, keeps what came before, and counts it',
    async () => {
      const imp = await runCertops([
        '--database',
        database,
        'import',
        'reports',
        path.join(dir, 'history.csv'),
      ]);
      expect(imp.code).toBe(2);
      expect(imp.stdout).toMatch(/^imported 3 reports into 2 incidents with 1 actions/);
      expect(imp.stderr.trim().split('\n')).toEqual([
        'certops: line 5: received_at: "2007-02-31" is not a timestamp (ISO 8601, or YYYY-MM-DD[ HH:MM[:SS]] local time) (stopped; the 3 reports before it are stored)',
      ]);

      const stats = await runCertops([
        '--database',
        database,
        'stats',
        'incidents',
        '--from',
        '2007-01-01',
        '--to',
        '2007-06-30',
        '--json',
      ]);
      expect(stats.code).toBe(0);
      const s = JSON.parse(stats.stdout);
      expect(s.reportsReceivedNonScanning).toBe(3);
      expect(s.reportsPerMonth.slice(0, 3)).toEqual([
        { month: '2007-01', count: 2 },
        { month: '2007-02', count: 1 },
        { month: '2007-03', count: 0 },
      ]);
      expect(s.incidentsHandled).toBe(1);
      expect(s.branchesHandling.items.map((b: { key: string }) => b.key).sort()).toEqual(['CN-BJ', 'CN-XJ']);

      const text = await runCertops([
        '--database',
        database,
        'stats',
        'incidents',
        '--from',
        '2007-01-01',
        '--to',
        '2007-06-30',
        '--lang',
        'en',
      ]);
      expect(text.stdout).toContain('Non-scanning incident reports received: 3');
      expect(text.stdout).toMatch(/Phishing\s+2\s+66\.7%/);
      // no language set: the default, Chinese
      const zh = await runCertops(
        ['--database', database, 'stats', 'incidents', '--from', '2007-01-01', '--to', '2007-06-30'],
        { env: { CERTOPS_LANGUAGE: '' } },
      );
      expect(zh.stdout).toContain('接收非扫描类网络安全事件报告: 3');
    },
    CLI_TIMEOUT,
  );

  it(
    'refuses bad arguments with one line and a non-zero exit',
    async () => {
      const noFile = await runCertops([
        '--database',
        database,
        'import',
        'reports',
        path.join(dir, 'missing.csv'),
      ]);
      expect(noFile.code).toBe(2);
      expect(noFile.stderr).toBe(`certops: ${path.join(dir, 'missing.csv')}: no such file\n`);
      const badDay = await runCertops([
        '--database',
        database,
        'stats',
        'incidents',
        '--from',
        '2007-13-01',
        '--to',
        '2007-06-30',
      ]);
      expect(badDay.code).toBe(2);
      expect(badDay.stderr).toBe('certops: from: no such day "2007-13-01"\n');
    },
    CLI_TIMEOUT,
  );
});

describe('certops import reports killed mid-load (SQLite bulk load)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'certops-import-kill-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('leaves whole batches and a database that the next open repairs', async () => {
    const file = path.join(dir, 'big.jsonl');
    const rows = Array.from({ length: 50_000 }, (_, i) =>
      JSON.stringify({
        incident: i % 3 === 0 ? `K${i % 1000}` : '',
        received_at: '2007-03-01T08:00:00Z',
        category: 'spam',
        description: `spam relay 198.51.${i % 250}.${1 + (i % 200)}`,
        branch: 'CN-BJ',
      }),
    );
    writeFileSync(file, `${rows.join('\n')}\n`);
    const db = path.join(dir, 'kill.db');
    expect((await runCertops(['--database', `sqlite:${db}`, 'migrate'])).code).toBe(0);
    const fresh = new SQLite(db, { readonly: true });
    const indexesOf = (h: SQLite.Database) =>
      h
        .prepare("select name, sql from sqlite_master where type = 'index' and sql is not null order by name")
        .all();
    const indexes = indexesOf(fresh);
    fresh.close();

    const child = spawn(
      process.execPath,
      [BIN, '--database', `sqlite:${db}`, 'import', 'reports', file, '--batch-size', '100'],
      {
        env: { ...process.env, CERTOPS_LOG_LEVEL: 'silent' },
        stdio: 'ignore',
      },
    );
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    // kill it (no chance to clean up) once a few batches are stored
    const watch = new SQLite(db, { readonly: true });
    const batches = watch.prepare("select count(*) from audit_log where entity = 'import'").pluck();
    while ((batches.get() as number) < 3 && child.exitCode === null)
      await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    await exited;
    watch.close();

    const again = openDatabase({ dialect: 'sqlite', file: db });
    try {
      await migrateToLatest(again);
      const h = again.sqlite!;
      expect(h.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(h.prepare('select count(*) from certops_deferred_indexes').pluck().get()).toBe(0);
      expect(indexesOf(h)).toEqual(indexes);
      // every batch is whole: what the audit entries say was written is exactly what is there
      const audited = (
        h.prepare("select after from audit_log where entity = 'import'").pluck().all() as string[]
      ).map((a) => JSON.parse(a) as { reports: number; incidents: number });
      const sum = (k: 'reports' | 'incidents') => audited.reduce((n, a) => n + a[k], 0);
      const reports = h.prepare('select count(*) from reports').pluck().get() as number;
      expect(reports).toBe(sum('reports'));
      expect(reports).toBeLessThan(50_000);
      expect(h.prepare('select count(*) from incidents').pluck().get()).toBe(sum('incidents'));
      expect(h.prepare('select count(*) from observables').pluck().get()).toBe(reports);
    } finally {
      await again.close();
    }
  }, 180_000);
});
