import { wholeNumber } from './options.ts';
import type { Command } from 'commander';
import { systemActor } from '../core/auth/actor.ts';
import { DomainError } from '../core/shared/errors.ts';
import type { CliContext } from './context.ts';
import { createProgress } from './progress.ts';
import { detectFormat, fileSize, readRecords } from './readers.ts';

export function registerImportCommands(program: Command, ctx: CliContext): void {
  const imp = program.command('import').description('load data from files');
  imp
    .command('reports')
    .description(
      'load historical reports with their incidents, states and branches (CSV or JSON Lines; docs/import-reports.md)',
    )
    .argument('<file>', 'a .csv or .jsonl file')
    .option('--format <format>', 'csv or jsonl (default: from the file name)')
    .option('--skip-invalid', 'go on past malformed lines, listing each (default: stop at the first)')
    .option('--batch-size <n>', 'rows per transaction', '2000')
    .option('--json', 'print the summary as JSON')
    .action(
      async (
        file: string,
        opts: { format?: string; skipInvalid?: boolean; batchSize: string; json?: boolean },
      ) => {
        const format = detectFormat(file, opts.format);
        const batchSize = wholeNumber('--batch-size', opts.batchSize, 1, 50_000);
        const total = fileSize(file);
        const progress = createProgress('import', total);
        const started = performance.now();
        const result = await ctx.withServices(async (services) => {
          const records = readRecords(file, format, (b) => progress.update(b));
          return services.imports.importReports(systemActor('import'), records, {
            source: file,
            batchSize,
            skipInvalid: opts.skipInvalid ?? false,
          });
        });
        progress.stop();
        const seconds = (performance.now() - started) / 1000;
        if (opts.json) ctx.out(JSON.stringify({ ...result, seconds }));
        else {
          ctx.out(
            `imported ${result.reports} reports into ${result.incidents} incidents with ${result.actions} actions in ${seconds.toFixed(1)} s`,
          );
          if (opts.skipInvalid) for (const e of result.errors) ctx.err(e.message);
        }
        if (result.stoppedAtLine !== null) {
          throw new DomainError(
            'invalid_input',
            `${result.errors[0]!.message} (stopped; the ${result.reports} reports before it are stored)`,
          );
        }
        if (result.errors.length > 0)
          throw new DomainError('invalid_input', `${result.errors.length} malformed lines skipped`);
      },
    );
}
