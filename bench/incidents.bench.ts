import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { argValue, emit } from './figures.ts';
import { writeReportsJsonl } from './generate-reports.ts';

/**
 * `npm run bench -- incidents [--count N] [--database URL] [--keep]` (or DATABASE_URL; for a
 * throwaway PostgreSQL: `bash scripts/with-postgres.sh sh -c 'DATABASE_URL=$CERTOPS_PG_URL npm run bench -- incidents'`):
 * generates N historical reports (default 1,000,000), loads them with `certops import reports`
 * (end to end: read, parse, validate, extract observables, insert), then measures the queue page,
 * a filtered search and a CIDR observable search over the loaded incidents.
 */
export async function run(args: string[]): Promise<void> {
  const count = Number(argValue(args, 'count', '1000000'));
  const dir = mkdtempSync(path.join(tmpdir(), 'certops-bench-'));
  const database = argValue(
    args,
    'database',
    process.env.DATABASE_URL || `sqlite:${path.join(dir, 'certops.db')}`,
  );
  const file = path.join(dir, 'reports.jsonl');
  try {
    let t0 = performance.now();
    await writeReportsJsonl(file, count);
    emit('incidents', 'generate_seconds', (performance.now() - t0) / 1000, 's', {
      reports: count,
      bytes: statSync(file).size,
    });

    const cli = (extra: string[]) =>
      spawnSync(process.execPath, ['bin/certops.js', '--database', database, ...extra], {
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      });
    const mig = cli(['migrate']);
    if (mig.status !== 0) throw new Error(`migrate failed: ${mig.stderr}`);
    t0 = performance.now();
    const imp = cli(['import', 'reports', file, '--json']);
    const wall = (performance.now() - t0) / 1000;
    if (imp.status !== 0) throw new Error(`import failed: ${imp.stderr}`);
    const summary = JSON.parse(imp.stdout.trim().split('\n').pop()!) as { reports: number; seconds: number };
    emit('incidents', 'import_reports_per_second', summary.reports / summary.seconds, 'reports/s', {
      reports: summary.reports,
      seconds: summary.seconds,
      process_wall_seconds: wall,
      database: database.startsWith('postgres') ? 'postgresql' : 'sqlite',
    });
    const { runQueryBench } = await import('./incident-queries.ts');
    await runQueryBench(database);
  } finally {
    if (!args.includes('--keep')) rmSync(dir, { recursive: true, force: true });
    else process.stderr.write(`kept ${dir}\n`);
  }
}
