import { Worker } from 'node:worker_threads';
import type { BatchResult } from '../services/ports.ts';
import type { PackedBatch } from './repositories/pipeline.repository.ts';

export interface PipelineWriterStart {
  file: string;
  /** SQLite page cache of the thread's connection, KiB. */
  cacheKib: number;
}
export type PipelineWriterRequest = { type: 'write'; seq: number; batch: PackedBatch } | { type: 'close' };
export type PipelineWriterReply =
  | { type: 'written'; seq: number; result: BatchResult }
  | { type: 'failed'; seq: number; message: string }
  | { type: 'closed' };

export interface PipelineWriterThread {
  /** Hands a batch to the thread; resolves once it is committed (or the claim was lost). */
  write(batch: PackedBatch): Promise<BatchResult>;
  /** Waits for every batch handed over, closes the thread's connection and ends the thread. */
  close(): Promise<void>;
}

/**
 * Starts the pipeline writer thread on a SQLite file (db/pipeline-writer.worker.ts): batches are
 * copied to it packed (a few flat arrays, not an object per event) and committed in the order
 * given, so the report processor can parse and enrich the next batch while this one is written
 * (two cores busy instead of one).
 * The thread keeps the process alive only while a batch is in flight: an idle writer never holds
 * up the exit of a command that forgot to close it.
 */
export function startPipelineWriterThread(file: string, cacheKib = 65_536): PipelineWriterThread {
  const worker = new Worker(new URL('./pipeline-writer.worker.mjs', import.meta.url), {
    workerData: { file, cacheKib } satisfies PipelineWriterStart,
  });
  worker.unref();
  const pending = new Map<number, { resolve: (r: BatchResult) => void; reject: (e: Error) => void }>();
  let seq = 0;
  let failure: Error | null = null;
  let closed: Promise<void> | null = null;
  let onClosed: (() => void) | null = null;
  const settle = () => {
    if (pending.size === 0) worker.unref();
  };

  const failAll = (e: Error) => {
    failure ??= e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
    onClosed?.();
  };
  worker.on('message', (reply: PipelineWriterReply) => {
    if (reply.type === 'closed') return onClosed?.();
    const p = pending.get(reply.seq);
    pending.delete(reply.seq);
    settle();
    if (reply.type === 'written') p?.resolve(reply.result);
    else p?.reject(new Error(reply.message));
  });
  worker.on('error', (e) => failAll(e));
  worker.on('exit', (code) => failAll(new Error(`pipeline writer thread exited (${code})`)));

  return {
    write(batch) {
      if (failure) return Promise.reject(failure);
      if (closed) return Promise.reject(new Error('pipeline writer thread is closed'));
      const n = ++seq;
      return new Promise<BatchResult>((resolve, reject) => {
        pending.set(n, { resolve, reject });
        worker.ref();
        worker.postMessage({ type: 'write', seq: n, batch } satisfies PipelineWriterRequest);
      });
    },
    close() {
      closed ??= failure
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            onClosed = resolve;
            worker.ref();
            worker.postMessage({ type: 'close' } satisfies PipelineWriterRequest);
          });
      return closed;
    },
  };
}
