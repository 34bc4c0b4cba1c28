import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { argValue, emit, flushToDisk } from './figures.ts';
import { writeReportsJsonl } from './generate-reports.ts';

/**
 * `npm run bench -- incidents [--count N] [--more M] [--import-only] [--database URL] [--keep]` (or
 * DATABASE_URL; for a throwaway PostgreSQL: `bash scripts/with-postgres.sh sh -c 'DATABASE_URL=$CERTOPS_PG_URL npm run bench -- incidents'`):
 * generates N historical reports (default 1,000,000), loads them with `certops import reports`
 * into the empty database (end to end: read, parse, validate, extract observables, insert; figure
 * `import_reports_per_second`), then — unless --import-only — measures the queue page, a filtered
 * search and a CIDR observable search over them, then loads M more (default N/10, 0 for none) into
 * the now non-empty database (`import_more_reports_per_second`: indexes kept, no bulk load).
 */
export async function run(args: string[]): Promise<void> {
  const count = Number(argValue(args, 'count', '1000000'));
  const dir = mkdtempSync(path.join(tmpdir(), 'certops-bench-'));
  const database = argValue(
    args,
    'database',
    process.env.DATABASE_URL || `sqlite:${path.join(dir, 'certops.db')}`,
  );
  const more = Number(argValue(args, 'more', String(Math.floor(count / 10))));
  const file = path.join(dir, 'reports.jsonl');
  const moreFile = path.join(dir, 'more.jsonl');
  try {
    const t0 = performance.now();
    await writeReportsJsonl(file, count);
    emit('incidents', 'generate_seconds', (performance.now() - t0) / 1000, 's', {
      reports: count,
      bytes: statSync(file).size,
    });
    // a different seed: other tracking numbers, texts and times
    if (more > 0) await writeReportsJsonl(moreFile, more, 2008);
    flushToDisk(file);
    if (more > 0) flushToDisk(moreFile);

    const cli = (extra: string[]) =>
      spawnSync(process.execPath, ['bin/certops.js', '--database', database, ...extra], {
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      });
    const mig = cli(['migrate']);
    if (mig.status !== 0) throw new Error(`migrate failed: ${mig.stderr}`);
    const importFigure = (figure: string, source: string, extra: Record<string, unknown>) => {
      const started = performance.now();
      const imp = cli(['import', 'reports', source, '--json']);
      const wall = (performance.now() - started) / 1000;
      if (imp.status !== 0) throw new Error(`import failed: ${imp.stderr}`);
      const summary = JSON.parse(imp.stdout.trim().split('\n').pop()!) as {
        reports: number;
        seconds: number;
      };
      emit('incidents', figure, summary.reports / summary.seconds, 'reports/s', {
        reports: summary.reports,
        seconds: summary.seconds,
        process_wall_seconds: wall,
        database: database.startsWith('postgres') ? 'postgresql' : 'sqlite',
        ...extra,
      });
    };
    importFigure('import_reports_per_second', file, { into: 'empty database' });
    if (!args.includes('--import-only')) {
      const { runQueryBench } = await import('./incident-queries.ts');
      await runQueryBench(database);
    }
    if (more > 0) importFigure('import_more_reports_per_second', moreFile, { into: `${count} reports` });
  } finally {
    if (!args.includes('--keep')) rmSync(dir, { recursive: true, force: true });
    else process.stderr.write(`kept ${dir}\n`);
  }
}
