import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import type { PipelineService } from '../../../services/pipeline.service.ts';
import type { FeedConfig } from '../../config/feeds.config.ts';
import { submitFile } from './file.collector.ts';

/**
 * A watched drop directory: every regular file (matching the feed's pattern, not hidden, not
 * ending in .part/.tmp, unchanged for `settleMs`) is stored as a raw report. With `moveToDone`
 * the file then moves to `done/` (a crash between the two leaves it in place; the SHA-256 check
 * stops the second copy). Without it, files stay and are skipped by feed + SHA-256.
 */

export interface DirCollectorResult {
  stored: { file: string; reportId: number }[];
  duplicates: string[];
  failed: { file: string; error: string }[];
}

export interface DirCollector {
  /** One pass over the directory. */
  scan(): Promise<DirCollectorResult>;
  /** Watches (fs.watch + periodic rescan) until stop(). */
  start(): void;
  stop(): void;
}

export function createDirCollector(
  feed: FeedConfig,
  pipeline: PipelineService,
  options: { settleMs?: number; onStored?: (reportId: number) => void; onError?: (e: Error) => void } = {},
): DirCollector {
  if (feed.collector.kind !== 'dir') throw new Error(`feed ${feed.name} has no dir collector`);
  const c = feed.collector;
  const pattern = c.pattern ? new RegExp(c.pattern) : null;
  const settleMs = options.settleMs ?? 2000;
  const seen = new Map<string, string>(); // name → size:mtime already stored (moveToDone false)
  let running: Promise<DirCollectorResult> | null = null;
  let again = false;
  let watcher: FSWatcher | null = null;
  let timer: NodeJS.Timeout | null = null;

  async function scanOnce(): Promise<DirCollectorResult> {
    const result: DirCollectorResult = { stored: [], duplicates: [], failed: [] };
    await mkdir(c.path, { recursive: true });
    const names = (await readdir(c.path)).sort();
    for (const name of names) {
      if (name.startsWith('.') || /\.(part|tmp)$/i.test(name) || name === 'done') continue;
      if (pattern && !pattern.test(name)) continue;
      const file = path.join(c.path, name);
      let st;
      try {
        st = await stat(file);
      } catch {
        continue;
      }
      if (!st.isFile()) continue;
      if (Date.now() - st.mtimeMs < settleMs) continue; // still being written
      const stamp = `${st.size}:${st.mtimeMs}`;
      if (!c.moveToDone && seen.get(name) === stamp) continue;
      try {
        const r = await submitFile(pipeline, feed.name, file, { source: 'dir', skipDuplicate: true });
        if (r.duplicate) result.duplicates.push(name);
        else {
          result.stored.push({ file: name, reportId: r.id });
          options.onStored?.(r.id);
        }
        if (c.moveToDone) {
          await mkdir(path.join(c.path, 'done'), { recursive: true });
          await rename(file, path.join(c.path, 'done', name));
        } else seen.set(name, stamp);
      } catch (e) {
        result.failed.push({ file: name, error: (e as Error).message });
        options.onError?.(e as Error);
      }
    }
    return result;
  }

  function scan(): Promise<DirCollectorResult> {
    if (running) {
      again = true;
      return running;
    }
    running = scanOnce().finally(() => {
      running = null;
      if (again) {
        again = false;
        void scan();
      }
    });
    return running;
  }

  const kick = () => {
    scan().catch((e: Error) => options.onError?.(e));
  };

  return {
    scan,
    start() {
      kick();
      try {
        watcher = watch(c.path, () => setTimeout(kick, settleMs + 50).unref());
        watcher.on('error', (e) => options.onError?.(e));
      } catch (e) {
        options.onError?.(e as Error);
      }
      timer = setInterval(kick, c.intervalSeconds * 1000);
      timer.unref();
    },
    stop() {
      watcher?.close();
      watcher = null;
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
