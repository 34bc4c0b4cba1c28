import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { PipelineService } from '../../services/pipeline.service.ts';
import type { RawReportRecord } from '../../services/ports.ts';
import {
  createReportProcessor,
  type ProcessorDeps,
  type ProcessProgress,
  type ReportOutcome,
} from './report-processor.ts';

/**
 * A pipeline worker: claims raw reports one at a time (FOR UPDATE SKIP LOCKED on PostgreSQL,
 * so any number of workers on any machines share the queue) and processes each to the end.
 * Claims carry a lease renewed by every batch; a report whose worker died is taken over when
 * the lease expires and resumes from its checkpoint.
 */

export interface WorkerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const SILENT_LOG: WorkerLog = { info: () => {}, warn: () => {}, error: () => {} };

export interface WorkerOptions extends ProcessorDeps {
  /** Unique per process (default host:pid:random). */
  workerId?: string;
  /** Only reports of these feeds. */
  feedNames?: readonly string[];
  /** Seconds between looks for work when idle (watch mode). */
  pollSeconds?: number;
  /** Embedded SQLite: one writer at a time; warn when another worker holds a live claim. */
  singleWriter?: boolean;
  log?: WorkerLog;
  onProgress?: (p: ProcessProgress) => void;
  onReport?: (o: ReportOutcome) => void;
}

export function defaultWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export interface PipelineWorker {
  readonly workerId: string;
  /** Processes claimable reports until none is left; returns their outcomes. */
  drain(): Promise<ReportOutcome[]>;
  /** Claims and processes one report by id (if claimable now). */
  processReport(reportId: number): Promise<ReportOutcome | null>;
  /** Drains, then waits for more (poll or wake()) until the signal aborts. */
  run(signal: AbortSignal): Promise<void>;
  /** Looks for work now (a collector just stored a report). */
  wake(): void;
}

export function createPipelineWorker(options: WorkerOptions): PipelineWorker {
  const workerId = options.workerId ?? defaultWorkerId();
  const pipeline: PipelineService = options.pipeline;
  const log = options.log ?? SILENT_LOG;
  const processor = createReportProcessor(options);
  let wakeUp: (() => void) | null = null;
  let warned = false;

  async function warnIfShared(): Promise<void> {
    if (!options.singleWriter || warned) return;
    const others = await pipeline.countOtherLiveClaims(workerId);
    if (others > 0) {
      warned = true;
      log.warn(
        { workerId, others },
        'another pipeline worker is active on this embedded SQLite database: SQLite has one writer at a time, so a second worker adds no speed (use PostgreSQL for several workers)',
      );
    }
  }

  let stopSignal: AbortSignal | undefined;

  async function handle(report: RawReportRecord): Promise<ReportOutcome> {
    log.info(
      { workerId, reportId: report.id, feed: report.feed, resumeFrom: report.linesDone },
      'processing raw report',
    );
    const outcome = await processor.processClaimed(report, {
      workerId,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(stopSignal ? { signal: stopSignal } : {}),
    });
    const level = outcome.state === 'done' ? 'info' : 'warn';
    log[level]({ workerId, ...outcome }, `raw report ${outcome.state}`);
    options.onReport?.(outcome);
    return outcome;
  }

  async function claim(reportId?: number) {
    return pipeline.claimRawReport({
      workerId,
      ...(options.feedNames ? { feeds: options.feedNames } : {}),
      ...(reportId !== undefined ? { reportId } : {}),
    });
  }

  async function drain(): Promise<ReportOutcome[]> {
    await warnIfShared();
    const out: ReportOutcome[] = [];
    for (;;) {
      if (stopSignal?.aborted) return out;
      const report = await claim();
      if (!report) return out;
      out.push(await handle(report));
    }
  }

  return {
    workerId,
    drain,
    async processReport(reportId) {
      const report = await claim(reportId);
      return report ? handle(report) : null;
    },
    wake() {
      wakeUp?.();
    },
    async run(signal) {
      stopSignal = signal;
      const pollMs = (options.pollSeconds ?? 5) * 1000;
      while (!signal.aborted) {
        try {
          await drain();
        } catch (e) {
          log.error({ workerId, err: e }, 'pipeline worker error; retrying after the poll interval');
        }
        if (signal.aborted) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, pollMs);
          function done() {
            clearTimeout(timer);
            signal.removeEventListener('abort', done);
            wakeUp = null;
            resolve();
          }
          wakeUp = done;
          signal.addEventListener('abort', done, { once: true });
        });
      }
    },
  };
}
