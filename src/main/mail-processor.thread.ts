import { Worker } from 'node:worker_threads';
import { resolveDatabase, type Config } from '../config/config.ts';
import {
  startMailProcessor,
  type MailProcessor,
  type MailProcessorFactory,
  type MailProcessorOptions,
} from '../mail/intake/mail-processor.ts';
import type { MailIntakeService, ProcessResult } from '../services/mail-intake.service.ts';
import type { MailEnvelope } from '../services/ports/mail-intake.port.ts';

type Fallback = Pick<MailIntakeService, 'processNext' | 'receive'>;

export interface ProcessorStart {
  config: Config;
  intervalSeconds: number;
}
export type ProcessorRequest =
  | { type: 'wake' }
  | { type: 'store'; seq: number; envelope: MailEnvelope; raw: Uint8Array }
  | { type: 'idle'; seq: number }
  | { type: 'stop' };
export type ProcessorReply =
  | { type: 'ready' }
  | { type: 'processed'; result: ProcessResult }
  | { type: 'error'; message: string }
  | { type: 'idle'; seq: number }
  | { type: 'stored'; seq: number; id: number }
  | { type: 'storeFailed'; seq: number; message: string }
  | { type: 'stopped' };

/**
 * Where `certops serve` and `certops mail serve` process stored mail: in a worker thread with its
 * own database connection when `mail.processInThread` is on (default) and the database is not
 * an in-memory SQLite one (another connection would see another, empty database); undefined:
 * in the listener's thread.
 */
export function mailProcessorFactoryFor(
  config: Config,
  mailIntake: Fallback,
): MailProcessorFactory | undefined {
  if (!config.mail.processInThread) return undefined;
  const target = resolveDatabase(config);
  if (target.dialect === 'sqlite' && target.file === ':memory:') return undefined;
  return (options) => startMailProcessorThread(config, options, mailIntake);
}

/**
 * The processor in a worker thread, which also stores what the listener receives (`store`): one
 * connection writes the mail tables, so the two threads never wait on each other's SQLite write
 * locks. Results come back for `onProcessed`. If the thread fails (it cannot open the database,
 * it dies), the error goes to `onError` and storing and processing go on in this thread on
 * `fallback`; a message whose store was in flight is answered 451 (the sender retries), and
 * stored mail waits in the database either way, so nothing accepted is lost.
 */
export function startMailProcessorThread(
  config: Config,
  options: Omit<MailProcessorOptions, 'mailIntake'>,
  fallback: Fallback,
): MailProcessor {
  const worker = new Worker(new URL('./mail-processor.worker.mjs', import.meta.url), {
    workerData: { config, intervalSeconds: options.intervalSeconds } satisfies ProcessorStart,
  });
  let local: MailProcessor | null = null;
  let stopping = false;
  let stopped: (() => void) | null = null;
  const whenStopped = new Promise<void>((resolve) => (stopped = resolve));
  let seq = 0;
  const idleWaiters = new Map<number, () => void>();
  const stores = new Map<number, { resolve: (r: { id: number }) => void; reject: (e: Error) => void }>();

  const failStores = (message: string) => {
    for (const [, s] of stores) s.reject(new Error(message));
    stores.clear();
  };
  const takeOver = (error: Error) => {
    failStores(`mail processor thread failed: ${error.message}`);
    if (local || stopping) return;
    options.onError?.(error);
    local = startMailProcessor({ ...options, mailIntake: fallback });
    for (const [, resolve] of idleWaiters) void local.idle().then(resolve);
    idleWaiters.clear();
  };

  worker.on('message', (reply: ProcessorReply) => {
    switch (reply.type) {
      case 'processed':
        options.onProcessed?.(reply.result);
        break;
      case 'error':
        options.onError?.(new Error(`mail processor thread: ${reply.message}`));
        break;
      case 'idle':
        idleWaiters.get(reply.seq)?.();
        idleWaiters.delete(reply.seq);
        break;
      case 'stored':
        stores.get(reply.seq)?.resolve({ id: reply.id });
        stores.delete(reply.seq);
        break;
      case 'storeFailed':
        stores.get(reply.seq)?.reject(new Error(reply.message));
        stores.delete(reply.seq);
        break;
      case 'stopped':
        stopped?.();
        break;
      case 'ready':
        break;
    }
  });
  worker.on('error', (error) => takeOver(error));
  worker.on('exit', (code) => {
    stopped?.();
    if (!stopping) takeOver(new Error(`mail processor thread exited with code ${code}`));
  });

  return {
    wake() {
      if (local) local.wake();
      else worker.postMessage({ type: 'wake' } satisfies ProcessorRequest);
    },
    store(envelope, raw) {
      if (local || stopping) return fallback.receive(envelope, raw);
      const id = ++seq;
      return new Promise<{ id: number }>((resolve, reject) => {
        stores.set(id, { resolve, reject });
        worker.postMessage({ type: 'store', seq: id, envelope, raw } satisfies ProcessorRequest);
      });
    },
    idle() {
      if (local) return local.idle();
      const id = ++seq;
      return new Promise<void>((resolve) => {
        idleWaiters.set(id, resolve);
        worker.postMessage({ type: 'idle', seq: id } satisfies ProcessorRequest);
      });
    },
    async stop() {
      stopping = true;
      if (local) {
        await local.stop();
        await worker.terminate();
        return;
      }
      worker.postMessage({ type: 'stop' } satisfies ProcessorRequest);
      // The message in hand is finished first; a thread that does not answer is ended.
      const timeout = setTimeout(() => void worker.terminate(), 30_000);
      await whenStopped;
      clearTimeout(timeout);
      failStores('mail processor stopped');
      for (const [, resolve] of idleWaiters) resolve();
      idleWaiters.clear();
    },
  };
}
