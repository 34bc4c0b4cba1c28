import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { argValue, emit, flushToDisk } from './figures.ts';
import { writeSinkholeCsv } from './generate-sinkhole.ts';

/**
 * `npm run bench -- pipeline [--count|--lines N] [--no-experts] [--heap MiB] [--database postgres://…] [--keep]`:
 * generates an N-line (default 1,000,000) Shadowserver event4 sinkhole CSV from real mainland and
 * foreign ranges, then runs `certops ingest` end to end (parse, all experts, dedup, store) on a
 * fresh embedded SQLite with one worker, measured in a child process under /usr/bin/time -v
 * (events/s, peak RSS). With --database (or DATABASE_URL) a PostgreSQL: the same lines as 8 raw
 * reports processed by two `certops worker --once` processes at once.
 */
export async function run(args: string[]): Promise<void> {
  const count = Number(argValue(args, 'count', argValue(args, 'lines', '1000000')));
  const experts = !args.includes('--no-experts');
  const pgUrl = argValue(args, 'database', process.env.DATABASE_URL ?? '');
  // A worker's V8 heap cap (MiB; 0: V8's default). V8 grows the heap lazily towards its default
  // limit (~2 GiB here) when nothing caps it; a deployed worker runs with a cap (docs/pipeline.md).
  const heapMb = Number(argValue(args, 'heap', '192'));
  const dir = mkdtempSync(path.join(tmpdir(), 'certops-bench-pipeline-'));
  const feedsFile = path.join(dir, 'feeds.yaml');
  writeFileSync(
    feedsFile,
    'feeds:\n  - name: bench-sinkhole\n    parser: shadowserver\n    provider: Shadowserver\n',
  );
  const env = {
    ...process.env,
    // the cap reaches the measured processes (ingest, workers), as NODE_OPTIONS does in deployment
    ...(heapMb > 0
      ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=${heapMb}`.trim() }
      : {}),
    CERTOPS_FEEDS_FILE: feedsFile,
    CERTOPS_LOG_LEVEL: 'warn',
    CERTOPS_LANGUAGE: 'en',
  };
  const extra = experts ? [] : ['--no-experts'];
  try {
    const file = path.join(dir, '2026-11-01-event4_sinkhole-cn-geo.csv');
    let t0 = performance.now();
    await writeSinkholeCsv([file], { lines: count });
    flushToDisk(file);
    emit('pipeline', 'generate_seconds', (performance.now() - t0) / 1000, 's', {
      lines: count,
      bytes: statSync(file).size,
    });

    // SQLite, one worker, end to end, peak RSS of the child
    const database = `sqlite:${path.join(dir, 'certops.db')}`;
    const cli = (a: string[]) =>
      spawnSync(process.execPath, ['bin/certops.js', '--database', database, ...a], {
        encoding: 'utf8',
        env,
        maxBuffer: 1 << 26,
      });
    const mig = cli(['migrate']);
    if (mig.status !== 0) throw new Error(`migrate failed: ${mig.stderr}`);
    const timeBin = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-v'] : [];
    const argv = [
      ...timeBin,
      process.execPath,
      'bin/certops.js',
      '--database',
      database,
      'ingest',
      '--feed',
      'bench-sinkhole',
      '--json',
      ...extra,
      file,
    ];
    t0 = performance.now();
    const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', env, maxBuffer: 1 << 26 });
    const wall = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`ingest failed: ${r.stderr}`);
    const summary = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
      lines: number;
      events: number;
      stored: number;
      merged: number;
      dead: number;
      seconds: number;
      eventsPerSecond: number;
      experts: Record<string, Record<string, number>>;
    };
    const rssKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1] ?? NaN);
    emit('pipeline', 'sqlite_ingest_events_per_s', summary.eventsPerSecond, 'events/s', {
      experts,
      lines: summary.lines,
      events: summary.events,
      stored: summary.stored,
      merged: summary.merged,
      deadLetters: summary.dead,
      ingestSeconds: summary.seconds,
      processWallSeconds: Math.round(wall * 10) / 10,
      endToEndEventsPerS: Math.round(summary.events / wall),
    });
    emit('pipeline', 'sqlite_ingest_peak_rss', rssKb / 1024, 'MiB', {
      target: '< 512 MiB',
      heapCapMiB: heapMb || null,
    });
    const geo = summary.experts.geo;
    if (geo) emit('pipeline', 'geo_expert_counters', geo.lookups ?? 0, 'lookups', geo);

    if (/^postgres(ql)?:\/\//.test(pgUrl)) {
      const parts = Array.from({ length: 8 }, (_, i) =>
        path.join(dir, `2026-11-01-event4_sinkhole-cn-part${i}.csv`),
      );
      await writeSinkholeCsv(parts, { lines: count });
      for (const part of parts) flushToDisk(part);
      const pg = (a: string[]) =>
        spawnSync(process.execPath, ['bin/certops.js', '--database', pgUrl, ...a], {
          encoding: 'utf8',
          env,
          maxBuffer: 1 << 26,
        });
      const sub = pg(['pipeline', 'submit', '--feed', 'bench-sinkhole', ...parts]);
      if (sub.status !== 0) throw new Error(`submit failed: ${sub.stderr}`);
      const worker = (id: string) =>
        new Promise<number>((resolve, reject) => {
          const c = spawn(
            process.execPath,
            ['bin/certops.js', '--database', pgUrl, 'worker', '--once', '--worker-id', id, ...extra],
            {
              env,
              stdio: ['ignore', 'ignore', 'inherit'],
            },
          );
          c.on('error', reject);
          c.on('exit', (code) => resolve(code ?? -1));
        });
      t0 = performance.now();
      const codes = await Promise.all([worker('bench-a'), worker('bench-b')]);
      const s = (performance.now() - t0) / 1000;
      if (codes.some((c) => c !== 0)) throw new Error(`worker exit codes ${codes.join(',')}`);
      emit('pipeline', 'postgres_two_workers_events_per_s', count / s, 'events/s', {
        experts,
        lines: count,
        reports: 8,
        seconds: Math.round(s * 10) / 10,
      });
    }
  } finally {
    if (!args.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  }
}
