import type { MailEnvelope } from '../../services/ports/mail-intake.port.ts';
import type { MailIntakeService, ProcessResult } from '../../services/mail-intake.service.ts';

export interface MailProcessorOptions {
  mailIntake: Pick<MailIntakeService, 'processNext'>;
  /** Seconds between looks for waiting messages when nothing wakes the processor. */
  intervalSeconds: number;
  onProcessed?(result: ProcessResult): void;
  onError?(error: Error): void;
}

/**
 * Starts a processor with these options; `startMailIntake` takes one to run the processor
 * elsewhere (src/main: a worker thread with its own database connection).
 */
export type MailProcessorFactory = (options: Omit<MailProcessorOptions, 'mailIntake'>) => MailProcessor;

export interface MailProcessor {
  /** New mail is stored: process it soon. */
  wake(): void;
  /**
   * Stores a received message where the processor runs (one writer for the mail tables: two
   * SQLite connections writing in turn wait on each other's locks); absent: the listener stores
   * it itself.
   */
  store?(envelope: MailEnvelope, raw: Uint8Array): Promise<{ id: number }>;
  /** Resolves when nothing waits (tests, `mail serve --once`). */
  idle(): Promise<void>;
  /** Finishes the message in hand, then stops. */
  stop(): Promise<void>;
}

/**
 * The in-process loop that turns stored messages into reports, oldest first. On start it picks up
 * whatever was stored but not processed (a restart); afterwards the listener wakes it, and a timer
 * looks again every `intervalSeconds` (messages stored by another process, stale claims).
 */
export function startMailProcessor(options: MailProcessorOptions): MailProcessor {
  let stopped = false;
  let pending = true;
  let running: Promise<void> | null = null;
  let idleWaiters: (() => void)[] = [];

  async function drain(): Promise<void> {
    while (pending && !stopped) {
      pending = false;
      for (;;) {
        if (stopped) return;
        let r: ProcessResult | null;
        try {
          r = await options.mailIntake.processNext();
        } catch (e) {
          // Storage trouble (database down): try again on the next wake or tick.
          options.onError?.(e as Error);
          break;
        }
        if (!r) break;
        options.onProcessed?.(r);
      }
    }
  }

  function kick(): void {
    pending = true;
    if (running) return;
    running = drain().finally(() => {
      running = null;
      if (pending && !stopped) kick();
      else {
        const waiters = idleWaiters;
        idleWaiters = [];
        for (const w of waiters) w();
      }
    });
  }

  const timer = setInterval(kick, Math.max(0.05, options.intervalSeconds) * 1000);
  timer.unref();
  kick();

  return {
    wake: kick,
    idle: () =>
      running === null && !pending
        ? Promise.resolve()
        : new Promise<void>((resolve) => idleWaiters.push(resolve)),
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    },
  };
}
