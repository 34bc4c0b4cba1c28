import { wholeNumber } from './options.ts';
import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { pipelineBatchSize, resolveDatabase, type Config } from '../config/config.ts';
import { systemActor } from '../core/auth/actor.ts';
import { DomainError, invalidInput } from '../core/shared/errors.ts';
import { t, type Lang } from '../i18n/index.ts';
import { createFeedsSource, resolveFeedsFile, type FeedsConfig } from '../pipeline/config/feeds.config.ts';
import { submitFile } from '../pipeline/runtime/collectors/file.collector.ts';
import type { ReportOutcome } from '../pipeline/runtime/report-processor.ts';
import { createPipelineRuntime, knownParserIds } from '../pipeline/runtime/runtime.ts';
import { startPipelineLoop } from '../pipeline/runtime/serve-loop.ts';
import type { WorkerLog } from '../pipeline/runtime/worker.ts';
import type { AppServices } from '../services/index.ts';
import type { RawReportState } from '../services/ports.ts';
import type { CliContext } from './context.ts';
import { createProgress } from './progress.ts';

/*
 * certops ingest / pipeline run|reprocess|reports|errors|retry / worker / feeds list.
 */

function feedsOf(config: Config): () => FeedsConfig {
  return createFeedsSource(resolveFeedsFile(config), { parserIds: knownParserIds });
}

const positiveInt = (name: string, v: string, max = 1_000_000_000) => wholeNumber(name, v, 1, max);

function stderrLog(ctx: CliContext, verbose: boolean): WorkerLog {
  return {
    info: (obj, msg) => {
      if (verbose) ctx.err(`${msg} ${JSON.stringify(obj)}`);
    },
    warn: (obj, msg) =>
      ctx.err(`${msg} ${JSON.stringify(obj, (_k, v: unknown) => (v instanceof Error ? v.message : v))}`),
    error: (obj, msg) =>
      ctx.err(`${msg} ${JSON.stringify(obj, (_k, v: unknown) => (v instanceof Error ? v.message : v))}`),
  };
}

function runtimeFor(
  services: AppServices,
  config: Config,
  opts: { experts?: boolean; batchSize?: string },
  err: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
) {
  return createPipelineRuntime({
    onRulesError: (e) => err(`incident rules failed for a stored batch: ${(e as Error).message ?? e}`),
    services,
    feeds: feedsOf(config),
    batchSize: opts.batchSize
      ? positiveInt('--batch-size', opts.batchSize, 100_000)
      : pipelineBatchSize(config),
    experts: opts.experts === false ? 'none' : 'all',
  });
}

function reportLine(lang: Lang, o: ReportOutcome): string {
  return t(lang, 'pipeline.run.report', {
    report: o.reportId,
    feed: o.feed,
    state: t(lang, `pipeline.state.${o.state}`) + (o.error ? ` (${o.error})` : ''),
    events: o.eventsProduced,
    stored: o.eventsInserted,
    dead: o.deadLetters,
  });
}

export function registerPipelineCommands(program: Command, ctx: CliContext): void {
  program
    .command('ingest')
    .description(
      'store files as raw reports of a feed and run the whole pipeline on them (parse, enrich, dedup, store)',
    )
    .requiredOption('--feed <name>', 'feed name from the feeds configuration')
    .argument('<files...>', 'files to ingest')
    .option('--no-experts', 'skip enrichment (geo, ASN, branch, contact)')
    .option(
      '--batch-size <n>',
      'events per transaction (default: pipeline.batchSize; unset: 4000 on SQLite, 10000 on PostgreSQL)',
    )
    .option('--json', 'print the summary as one JSON object')
    .action(
      async (
        files: string[],
        opts: { feed: string; experts: boolean; batchSize?: string; json?: boolean },
      ) => {
        const sizes = files.map((f) => {
          try {
            const st = statSync(f);
            if (!st.isFile()) throw new Error('not a regular file');
            return st.size;
          } catch (e) {
            throw invalidInput(
              `${f}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
            );
          }
        });
        const total = sizes.reduce((a, b) => a + b, 0);
        await ctx.withServices(async (services, config) => {
          const lang = config.language;
          const feeds = feedsOf(config);
          if (!feeds().byName.has(opts.feed))
            throw new DomainError('not_found', `unknown feed "${opts.feed}" (feeds file ${feeds().file})`, [
              { field: 'feed', message: 'not in the feeds configuration' },
            ]);
          const runtime = runtimeFor(services, config, opts);
          const progress = createProgress('ingest', total * 2);
          let base = 0;
          const worker = runtime.createWorker({
            workerId: `ingest:${process.pid}`,
            onProgress: (p) => progress.update(base + p.bytesRead),
          });
          const started = performance.now();
          const summary = {
            files: 0,
            lines: 0,
            events: 0,
            stored: 0,
            merged: 0,
            dead: 0,
            reports: [] as number[],
          };
          for (let i = 0; i < files.length; i++) {
            const file = files[i]!;
            let stored = 0;
            const submitted = await submitFile(services.pipeline, opts.feed, file, {
              onBytes: (n) => progress.update(base + (stored += n) / 2),
            });
            base += sizes[i]! / 2;
            const fileStart = performance.now();
            const o = await worker.processReport(submitted.id);
            base += sizes[i]! * 1.5;
            progress.update(base);
            if (!o)
              throw new DomainError('conflict', `raw report #${submitted.id} is held by another worker`);
            summary.files++;
            summary.reports.push(submitted.id);
            summary.lines += o.lines;
            summary.events += o.eventsProduced;
            summary.stored += o.eventsInserted;
            summary.merged += o.duplicatesMerged;
            summary.dead += o.deadLetters;
            const secs = (performance.now() - fileStart) / 1000;
            if (!opts.json) {
              progress.stop();
              ctx.out(
                t(lang, 'pipeline.ingest.summary', {
                  file,
                  lines: o.lines,
                  events: o.eventsProduced,
                  stored: o.eventsInserted,
                  merged: o.duplicatesMerged,
                  dead: o.deadLetters,
                  rate: Math.round(o.eventsProduced / Math.max(secs, 0.001)),
                  report: submitted.id,
                }),
              );
            }
            if (o.state === 'failed') throw new DomainError('invalid_input', `${file}: ${o.error}`);
          }
          progress.stop();
          const seconds = (performance.now() - started) / 1000;
          const rate = Math.round(summary.events / Math.max(seconds, 0.001));
          if (opts.json)
            ctx.out(
              JSON.stringify({
                ...summary,
                seconds: Number(seconds.toFixed(3)),
                eventsPerSecond: rate,
                experts: runtime.expertStats(),
              }),
            );
          else if (files.length > 1)
            ctx.out(
              t(lang, 'pipeline.ingest.total', {
                files: summary.files,
                events: summary.events,
                stored: summary.stored,
                merged: summary.merged,
                dead: summary.dead,
                seconds: seconds.toFixed(1),
                rate,
              }),
            );
        });
      },
    );

  const pipe = program
    .command('pipeline')
    .description('the feed pipeline: raw reports, processing, dead letters');

  pipe
    .command('submit')
    .description('store files as raw reports of a feed without processing them (a worker picks them up)')
    .requiredOption('--feed <name>', 'feed name from the feeds configuration')
    .argument('<files...>', 'files to store')
    .action(async (files: string[], opts: { feed: string }) => {
      await ctx.withServices(async (services) => {
        for (const file of files) {
          try {
            statSync(file);
          } catch (e) {
            throw invalidInput(
              `${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
            );
          }
          const r = await submitFile(services.pipeline, opts.feed, file);
          ctx.out(`${r.id}\t${file}\t${r.bytes}\t${r.sha256}`);
        }
      });
    });

  pipe
    .command('run')
    .description('process waiting raw reports (once, or --watch to keep going with the collectors)')
    .option('--watch', 'keep running: collectors (drop directories, HTTP) and the worker loop')
    .option('--feed <name...>', 'only these feeds')
    .option('--no-experts', 'skip enrichment')
    .option('--batch-size <n>', 'events per transaction')
    .action(async (opts: { watch?: boolean; feed?: string[]; experts: boolean; batchSize?: string }) => {
      await ctx.withServices(async (services, config) => {
        const lang = config.language;
        if (opts.watch) {
          await runLoop(ctx, services, config, { feed: opts.feed, experts: opts.experts, collectors: true });
          return;
        }
        const runtime = runtimeFor(services, config, opts);
        const worker = runtime.createWorker({
          ...(opts.feed ? { feedNames: opts.feed } : {}),
          onReport: (o) => ctx.out(reportLine(lang, o)),
        });
        const done = await worker.drain();
        if (done.length === 0) ctx.out(t(lang, 'pipeline.run.none'));
      });
    });

  pipe
    .command('reprocess')
    .description(
      're-derive a raw report: subtract its share of every event, drop its dead letters, parse it again',
    )
    .argument('<report-id>', 'raw report id')
    .option('--queue', 'only reset it; a running worker picks it up')
    .option('--no-experts', 'skip enrichment')
    .action(async (id: string, opts: { queue?: boolean; experts: boolean }) => {
      const reportId = positiveInt('report id', id);
      await ctx.withServices(async (services, config) => {
        const lang = config.language;
        const reset = await services.pipeline.reprocessRawReport(reportId, systemActor('cli'));
        ctx.out(
          t(lang, 'pipeline.reprocess.done', {
            report: reportId,
            deleted: reset.eventsDeleted,
            reduced: reset.eventsReduced,
            dead: reset.deadLettersDeleted,
          }),
        );
        if (opts.queue) {
          ctx.out(t(lang, 'pipeline.reprocess.queued', { report: reportId }));
          return;
        }
        const o = await runtimeFor(services, config, opts).createWorker().processReport(reportId);
        if (o) ctx.out(reportLine(lang, o));
        else ctx.out(t(lang, 'pipeline.reprocess.queued', { report: reportId }));
      });
    });

  pipe
    .command('reports')
    .description('list raw reports, newest first')
    .option('--feed <name>', 'only this feed')
    .option('--state <state>', 'receiving, pending, processing, done or failed')
    .option('--limit <n>', 'at most n', '50')
    .option('--json', 'JSON lines')
    .action(async (opts: { feed?: string; state?: string; limit: string; json?: boolean }) => {
      const states = ['receiving', 'pending', 'processing', 'done', 'failed'];
      if (opts.state && !states.includes(opts.state))
        throw invalidInput(`--state: expected one of ${states.join(', ')}, got "${opts.state}"`);
      const limit = positiveInt('--limit', opts.limit, 100_000);
      await ctx.withServices(async (services, config) => {
        const rows = await services.pipeline.listRawReports({
          limit,
          ...(opts.feed ? { feed: opts.feed } : {}),
          ...(opts.state ? { state: opts.state as RawReportState } : {}),
        });
        for (const r of rows)
          ctx.out(
            opts.json
              ? JSON.stringify(r)
              : t(config.language, 'pipeline.reports.row', {
                  id: r.id,
                  feed: r.feed,
                  file: r.fileName,
                  state: t(config.language, `pipeline.state.${r.state}`),
                  bytes: r.bytes,
                  lines: r.linesDone,
                  events: r.eventsCount,
                  errors: r.errorsCount,
                }),
          );
      });
    });

  pipe
    .command('errors')
    .description('list dead letters (lines a parser could not read), newest first')
    .option('--feed <name>', 'only this feed')
    .option('--report <id>', 'only this raw report')
    .option('--all', 'include dead letters already retried successfully')
    .option('--limit <n>', 'at most n', '100')
    .option('--json', 'JSON lines')
    .action(
      async (opts: { feed?: string; report?: string; all?: boolean; limit: string; json?: boolean }) => {
        const limit = positiveInt('--limit', opts.limit, 1_000_000);
        const reportId = opts.report !== undefined ? positiveInt('--report', opts.report) : undefined;
        await ctx.withServices(async (services, config) => {
          const rows = await services.pipeline.listDeadLetters({
            limit,
            ...(opts.feed ? { feed: opts.feed } : {}),
            ...(reportId !== undefined ? { reportId } : {}),
            ...(opts.all ? { includeRetried: true } : {}),
          });
          if (rows.length === 0 && !opts.json) ctx.out(t(config.language, 'pipeline.errors.none'));
          for (const d of rows)
            ctx.out(
              opts.json
                ? JSON.stringify(d)
                : t(config.language, 'pipeline.errors.row', {
                    id: d.id,
                    report: d.rawReportId,
                    feed: d.feed,
                    line: d.line,
                    error: d.error,
                  }) + `\n    ${d.raw.length > 200 ? `${d.raw.slice(0, 200)}…` : d.raw}`,
            );
        });
      },
    );

  pipe
    .command('retry')
    .description("re-parse dead letters with the feed's current parser (after a parser fix)")
    .argument('[id]', 'one dead letter id')
    .option('--report <id>', 'every open dead letter of this raw report')
    .option('--feed <name>', 'every open dead letter of this feed')
    .option('--no-experts', 'skip enrichment')
    .action(async (id: string | undefined, opts: { report?: string; feed?: string; experts: boolean }) => {
      if (id === undefined && opts.report === undefined && opts.feed === undefined)
        throw invalidInput('pipeline retry: give a dead letter id, --report ID or --feed NAME');
      const target = {
        ...(id !== undefined ? { deadLetterId: positiveInt('dead letter id', id) } : {}),
        ...(opts.report !== undefined ? { reportId: positiveInt('--report', opts.report) } : {}),
        ...(opts.feed !== undefined ? { feed: opts.feed } : {}),
      };
      await ctx.withServices(async (services, config) => {
        const r = await runtimeFor(services, config, opts).retry(target);
        ctx.out(
          t(config.language, 'pipeline.retry.summary', {
            retried: r.retried,
            succeeded: r.succeeded,
            failed: r.stillFailing,
            stored: r.eventsInserted,
          }),
        );
      });
    });

  program
    .command('worker')
    .description(
      'run a pipeline worker: claims raw reports (several workers share PostgreSQL with SKIP LOCKED)',
    )
    .option('--feed <name...>', 'only these feeds')
    .option('--once', 'process what is waiting, then exit')
    .option('--collectors', 'also run the collectors (drop directories, HTTP downloads)')
    .option('--no-experts', 'skip enrichment')
    .option('--batch-size <n>', 'events per transaction')
    .option('--worker-id <id>', 'name of this worker in claims (default host:pid:random)')
    .option('-v, --verbose', 'log every report on stderr')
    .action(
      async (opts: {
        feed?: string[];
        once?: boolean;
        collectors?: boolean;
        experts: boolean;
        batchSize?: string;
        workerId?: string;
        verbose?: boolean;
      }) => {
        await ctx.withServices(async (services, config) => {
          const lang = config.language;
          const sqlite = resolveDatabase(config).dialect === 'sqlite';
          if (opts.once) {
            const worker = runtimeFor(services, config, opts).createWorker({
              singleWriter: sqlite,
              log: stderrLog(ctx, opts.verbose ?? false),
              ...(opts.workerId ? { workerId: opts.workerId } : {}),
              ...(opts.feed ? { feedNames: opts.feed } : {}),
              onReport: (o) => ctx.out(reportLine(lang, o)),
            });
            await worker.drain();
            return;
          }
          await runLoop(ctx, services, config, {
            feed: opts.feed,
            experts: opts.experts,
            collectors: opts.collectors ?? false,
            batchSize: opts.batchSize,
            workerId: opts.workerId,
            verbose: opts.verbose,
          });
        });
      },
    );

  const feedsCmd = program.command('feeds').description('the configured feeds');
  feedsCmd
    .command('list')
    .description('list the feeds of the feeds configuration with their last run, events and errors')
    .option('--json', 'one JSON object per feed')
    .action(async (opts: { json?: boolean }) => {
      await ctx.withServices(async (services, config) => {
        const lang = config.language;
        const feeds = feedsOf(config)();
        const states = new Map((await services.pipeline.listFeedStates()).map((s) => [s.feed, s]));
        if (!opts.json) ctx.out(t(lang, 'pipeline.feeds.file', { file: feeds.file }));
        if (feeds.feeds.length === 0 && !opts.json) {
          ctx.out(t(lang, 'pipeline.feeds.none', { file: feeds.file }));
          return;
        }
        if (!opts.json) ctx.out(t(lang, 'pipeline.feeds.header'));
        for (const f of feeds.feeds) {
          const s = states.get(f.name);
          const collector =
            f.collector.kind === 'http'
              ? `http ${f.collector.url} /${f.collector.intervalSeconds}s`
              : f.collector.kind === 'dir'
                ? `dir ${f.collector.path}`
                : f.collector.kind;
          if (opts.json)
            ctx.out(
              JSON.stringify({
                name: f.name,
                parser: f.parser,
                provider: f.provider,
                collector: f.collector,
                enabled: f.enabled,
                dedupWindowSeconds: f.dedup.windowSeconds,
                state: s ?? null,
              }),
            );
          else
            ctx.out(
              [
                f.name,
                f.parser,
                collector,
                t(lang, f.enabled ? 'pipeline.yes' : 'pipeline.no'),
                s?.lastRunAt ?? '-',
                s?.lastStatus || '-',
                s?.reportsTotal ?? 0,
                s?.eventsTotal ?? 0,
                s?.errorsTotal ?? 0,
              ].join(' | '),
            );
        }
      });
    });
}

async function runLoop(
  ctx: CliContext,
  services: AppServices,
  config: Config,
  opts: {
    feed?: string[] | undefined;
    experts: boolean;
    collectors: boolean;
    batchSize?: string | undefined;
    workerId?: string | undefined;
    verbose?: boolean | undefined;
  },
): Promise<void> {
  const lang = config.language;
  const sqlite = resolveDatabase(config).dialect === 'sqlite';
  const loop = startPipelineLoop({
    services,
    feeds: feedsOf(config),
    batchSize: opts.batchSize
      ? positiveInt('--batch-size', opts.batchSize, 100_000)
      : pipelineBatchSize(config),
    experts: opts.experts ? 'all' : 'none',
    pollSeconds: config.pipeline.pollSeconds,
    singleWriter: sqlite,
    collectors: opts.collectors,
    log: stderrLog(ctx, opts.verbose ?? false),
    ...(opts.workerId ? { workerId: opts.workerId } : {}),
    ...(opts.feed ? { feedNames: opts.feed } : {}),
  });
  ctx.err(t(lang, 'pipeline.worker.started', { worker: loop.workerId }));
  if (sqlite) ctx.err(t(lang, 'pipeline.worker.sqlite'));
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      void loop.stop().then(resolve);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
