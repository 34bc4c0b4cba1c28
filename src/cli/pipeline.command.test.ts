import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database, type Dialect } from '../db/database.ts';
import { createCliDatabase, runCertops } from '../../test/support/cli.ts';
import { DIALECTS } from '../../test/support/db.ts';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/certops.js');

/** `n` lines of the test-lines format: `bots` bots, 3 C&Cs, one day; every `badEvery`th line broken. */
function lines(n: number, bots: number, badEvery = 0, day = '2026-11-01', seed = 0): string {
  const out: string[] = [];
  for (let i = 1; i <= n; i++) {
    if (badEvery && i % badEvery === 0) out.push(`broken ${i}`);
    else {
      const b = (i * 7919 + seed) % bots;
      out.push(
        `${day}T${String(i % 24).padStart(2, '0')}:00:00Z,10.${b >> 16}.${(b >> 8) & 255}.${b & 255},203.0.113.${b % 3},80,conficker`,
      );
    }
  }
  return out.join('\n') + '\n';
}

function open(dialect: Dialect, database: string): Database {
  return dialect === 'postgres'
    ? openDatabase({ dialect: 'postgres', url: database }, { onIdleError: () => {} })
    : openDatabase({ dialect: 'sqlite', file: database.slice('sqlite:'.length) });
}

async function snapshot(dialect: Dialect, database: string) {
  const db = open(dialect, database);
  try {
    const rows = await db.db
      .selectFrom('events')
      .select(['dedup_key', 'count', 'first_seen', 'last_seen', 'source_ip', 'destination_ip'])
      .orderBy('dedup_key')
      .execute();
    const h = createHash('sha256');
    for (const r of rows)
      h.update(
        `${r.dedup_key}|${r.count}|${r.first_seen}|${r.last_seen}|${r.source_ip}|${r.destination_ip}\n`,
      );
    const dead = await db.db.selectFrom('dead_letters').select(['line', 'raw_report_id']).execute();
    const sources = await db.db.selectFrom('event_sources').select(['count']).execute();
    return {
      rows: rows.length,
      total: rows.reduce((n, r) => n + Number(r.count), 0),
      sourcesTotal: sources.reduce((n, r) => n + Number(r.count), 0),
      dead: dead.length,
      checksum: h.digest('hex'),
    };
  } finally {
    await db.close();
  }
}

describe.each(DIALECTS)('certops ingest / pipeline / worker on %s', (dialect) => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const drops: (() => Promise<void>)[] = [];

  const dbFor = async (name: string) => {
    const d = await createCliDatabase(dialect, dir, `${name}.db`);
    drops.push(d.drop);
    return d.database;
  };

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'certops-pipeline-cli-'));
    writeFileSync(
      path.join(dir, 'feeds.yaml'),
      'feeds:\n  - name: t1\n    parser: test-lines\n    provider: Test\n',
    );
    writeFileSync(
      path.join(dir, 'config.json'),
      JSON.stringify({ pipeline: { leaseSeconds: 2, pollSeconds: 0.2 } }),
    );
    env = { CERTOPS_FEEDS_FILE: path.join(dir, 'feeds.yaml'), CERTOPS_LANGUAGE: 'en' };
  });
  afterAll(async () => {
    for (const d of drops) await d();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ingest, errors, retry, reprocess and feeds list', async () => {
    const database = await dbFor('basic');
    const file = path.join(dir, 'basic.csv');
    writeFileSync(file, lines(3000, 500, 250));
    const run = (...args: string[]) => runCertops(['--database', database, ...args], { env });

    const ingest = await run('ingest', '--feed', 't1', '--no-experts', '--json', file);
    expect(ingest.stderr).toBe('');
    expect(ingest.code).toBe(0);
    const summary = JSON.parse(ingest.stdout) as Record<string, number>;
    expect(summary).toMatchObject({ files: 1, lines: 3000, events: 2988, dead: 12 });
    expect(summary.stored! + summary.merged!).toBe(2988);
    const snap = await snapshot(dialect, database);
    expect(snap).toMatchObject({ rows: summary.stored, total: 2988, sourcesTotal: 2988, dead: 12 });

    const errors = await run('pipeline', 'errors', '--report', '1');
    expect(errors.code).toBe(0);
    expect(errors.stdout).toMatch(/report #1 t1 line 250: expected 5 fields/);
    expect(errors.stdout.match(/^#\d+ /gm)!.length).toBe(12);

    const retry = await run('pipeline', 'retry', '--report', '1', '--no-experts');
    expect(retry.stdout).toMatch(/retried 12 dead letters: 0 succeeded, 12 still failing/);

    const reprocess = await run('pipeline', 'reprocess', '1', '--no-experts');
    expect(reprocess.code).toBe(0);
    expect(reprocess.stdout).toMatch(
      new RegExp(
        `raw report #1 reset: ${summary.stored} events deleted, 0 shared events reduced, 12 dead letters removed`,
      ),
    );
    expect(await snapshot(dialect, database)).toEqual(snap);

    const feeds = await run('feeds', 'list');
    expect(feeds.stdout).toMatch(/^t1 \| test-lines \| upload \| yes \| \S+ \| ok \| 1 \| 2988 \| 12$/m);

    const unknown = await run('ingest', '--feed', 'nope', file);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^certops: unknown feed "nope"/);
    expect(unknown.stderr.trim().split('\n').length).toBe(1);
    const missing = await run('ingest', '--feed', 't1', path.join(dir, 'missing.csv'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing\.csv: cannot read: ENOENT/);
  }, 600_000);

  it('a worker killed with SIGKILL mid-report: after restart the events equal an uninterrupted run', async () => {
    const file = path.join(dir, 'large.csv');
    writeFileSync(file, lines(80_000, 30_000, 997));
    // uninterrupted
    const clean = await dbFor('clean');
    const ok = await runCertops(['--database', clean, 'ingest', '--feed', 't1', '--no-experts', file], {
      env,
    });
    expect(ok.code).toBe(0);
    const expected = await snapshot(dialect, clean);

    const crashed = await dbFor('crashed');
    const cfg = ['--config', path.join(dir, 'config.json'), '--database', crashed];
    const submit = await runCertops([...cfg, 'pipeline', 'submit', '--feed', 't1', file], { env });
    expect(submit.code).toBe(0);
    const child = spawn(process.execPath, [BIN, ...cfg, 'worker', '--no-experts', '--batch-size', '500'], {
      env: { ...process.env, ...env, CERTOPS_LOG_LEVEL: 'silent' },
      stdio: 'ignore',
    });
    // kill it once a few batches are in
    const db = open(dialect, crashed);
    try {
      for (let i = 0; ; i++) {
        const r = await db.db.selectFrom('raw_reports').select(['lines_done', 'state']).executeTakeFirst();
        if (r && Number(r.lines_done) > 5000) {
          expect(r.state).toBe('processing');
          break;
        }
        if (i > 1200) throw new Error('worker made no progress');
        await new Promise((res) => setTimeout(res, 50));
      }
    } finally {
      await db.close();
    }
    child.kill('SIGKILL');
    await new Promise((res) => child.once('exit', res));
    const mid = await snapshot(dialect, crashed);
    expect(mid.total).toBeLessThan(expected.total);
    // the lease (2 s here) expires, then another worker resumes from the checkpoint
    await new Promise((res) => setTimeout(res, 2500));
    const resumed = await runCertops([...cfg, 'worker', '--once', '--no-experts'], { env });
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/raw report #1 \(t1\): done/);
    expect(await snapshot(dialect, crashed)).toEqual(expected);
  }, 600_000);
});

/** Several workers need PostgreSQL (SKIP LOCKED); on embedded SQLite there is one writer. */
describe.each(DIALECTS.filter((d) => d === 'postgres'))('certops worker × 2 on %s', (dialect) => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const drops: (() => Promise<void>)[] = [];
  const dbFor = async (name: string) => {
    const d = await createCliDatabase(dialect, dir, `${name}.db`);
    drops.push(d.drop);
    return d.database;
  };
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'certops-pipeline-workers-'));
    writeFileSync(path.join(dir, 'feeds.yaml'), 'feeds:\n  - name: t1\n    parser: test-lines\n');
    writeFileSync(
      path.join(dir, 'config.json'),
      JSON.stringify({ pipeline: { leaseSeconds: 2, pollSeconds: 0.2 } }),
    );
    env = { CERTOPS_FEEDS_FILE: path.join(dir, 'feeds.yaml'), CERTOPS_LANGUAGE: 'en' };
  });
  afterAll(async () => {
    for (const d of drops) await d();
    rmSync(dir, { recursive: true, force: true });
  });

  it('two worker processes on one PostgreSQL store every event exactly once', async () => {
    const database = await dbFor('two');
    const files: string[] = [];
    let total = 0;
    let bad = 0;
    const keys = new Set<string>();
    for (let f = 0; f < 8; f++) {
      const file = path.join(dir, `two-${f}.csv`);
      const text = lines(6000, 3000, 500, '2026-11-01', f * 13);
      writeFileSync(file, text);
      files.push(file);
      for (const l of text.trim().split('\n')) {
        if (l.startsWith('broken')) bad++;
        else {
          total++;
          const [, src, dst] = l.split(',');
          keys.add(`${src}|${dst}`);
        }
      }
    }
    const cfg = ['--config', path.join(dir, 'config.json'), '--database', database];
    const submit = await runCertops([...cfg, 'pipeline', 'submit', '--feed', 't1', ...files], { env });
    expect(submit.code).toBe(0);
    const [a, b] = await Promise.all([
      runCertops([...cfg, 'worker', '--once', '--no-experts', '--batch-size', '400', '--worker-id', 'A'], {
        env,
      }),
      runCertops([...cfg, 'worker', '--once', '--no-experts', '--batch-size', '400', '--worker-id', 'B'], {
        env,
      }),
    ]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    const done = `${a.stdout}${b.stdout}`.match(/: done,/g) ?? [];
    expect(done.length).toBe(8);
    const snap = await snapshot(dialect, database);
    expect(snap).toMatchObject({ rows: keys.size, total, sourcesTotal: total, dead: bad });
  }, 600_000);
});
