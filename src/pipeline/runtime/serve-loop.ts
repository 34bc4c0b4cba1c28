import type { FeedsConfig } from '../config/feeds.config.ts';
import { createDirCollector, type DirCollector } from './collectors/dir.collector.ts';
import { startHttpCollector } from './collectors/http.collector.ts';
import { createPipelineRuntime, type RuntimeOptions } from './runtime.ts';
import type { WorkerLog } from './worker.ts';

/**
 * The pipeline inside a long-running process (`certops serve`, `certops worker`,
 * `certops pipeline run --watch`): a worker loop plus the collectors of the enabled feeds (drop
 * directories, HTTP downloads). A collector that stores a report wakes the worker at once.
 */

export interface PipelineLoopOptions extends RuntimeOptions {
  pollSeconds: number;
  workerId?: string;
  feedNames?: readonly string[];
  singleWriter?: boolean;
  /** Start the collectors too (default true). */
  collectors?: boolean;
  log: WorkerLog;
}

export interface PipelineLoop {
  workerId: string;
  stop(): Promise<void>;
}

export function startPipelineLoop(options: PipelineLoopOptions): PipelineLoop {
  const runtime = createPipelineRuntime({
    onRulesError: (err) => options.log.warn({ err }, 'incident rules failed for a stored batch'),
    ...options,
  });
  const worker = runtime.createWorker({
    pollSeconds: options.pollSeconds,
    log: options.log,
    ...(options.workerId ? { workerId: options.workerId } : {}),
    ...(options.feedNames ? { feedNames: options.feedNames } : {}),
    ...(options.singleWriter !== undefined ? { singleWriter: options.singleWriter } : {}),
  });
  const controller = new AbortController();
  const stops: (() => void)[] = [];
  if (options.collectors !== false) {
    let feeds: FeedsConfig | null = null;
    try {
      feeds = options.feeds();
    } catch (e) {
      options.log.error({ err: e }, 'feeds configuration invalid: collectors not started');
    }
    for (const feed of feeds?.feeds ?? []) {
      if (!feed.enabled) continue;
      if (options.feedNames && !options.feedNames.includes(feed.name)) continue;
      if (feed.collector.kind === 'dir') {
        const dir: DirCollector = createDirCollector(feed, options.services.pipeline, {
          onStored: () => worker.wake(),
          onError: (err) => options.log.warn({ feed: feed.name, err }, 'drop directory collector error'),
        });
        dir.start();
        stops.push(() => dir.stop());
      } else if (feed.collector.kind === 'http') {
        const http = startHttpCollector(feed, options.services.pipeline, {
          onOutcome: (o) => {
            if (o.status === 'stored') worker.wake();
            if (o.status === 'error')
              options.log.warn({ feed: feed.name, error: o.error }, 'feed download failed');
          },
        });
        stops.push(() => http.stop());
      }
    }
  }
  const running = worker.run(controller.signal);
  return {
    workerId: worker.workerId,
    async stop() {
      for (const s of stops) s();
      controller.abort();
      await running;
    },
  };
}
