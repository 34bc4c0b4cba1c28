import { parentPort, workerData } from 'node:worker_threads';
import { resolveDatabase } from '../config/config.ts';
import { systemClock } from '../core/shared/clock.ts';
import { openDatabase } from '../db/database.ts';
import type { MailEnvelope } from '../services/ports/mail-intake.port.ts';
import type { ProcessResult } from '../services/mail-intake.service.ts';
import { composeMailProcessing } from './compose-mail-processing.ts';
import type { ProcessorReply, ProcessorRequest, ProcessorStart } from './mail-processor.thread.ts';

/**
 * The mail processor thread: its own connection to the database (already migrated by the
 * process that started it) and its own mail intake service. It stores what the listener receives and turns
 * stored messages into reports, in groups: up to MAX_UNITS stores and processed messages (or
 * MAX_GROUP_MS of work) commit together (SQLite group commit: one commit instead of three or four
 * per message). A store is answered only after its group committed, so the listener's `250`
 * still means "on disk"; a group that fails to commit answers its stores with an error (`451`,
 * the sender retries) and leaves its messages waiting. Results go back for logging after commit.
 */
const MAX_UNITS = 50;
/** A group with no sender waiting on it: up to this long. */
const MAX_GROUP_MS = 200;
/** A group holding or facing a store (a sender waits for its `250`): up to this long. */
const STORE_GROUP_MS = 15;
/** Stored, unprocessed messages (stored by this thread) above which stores wait for processing. */
const BACKLOG_HIGH = 50;
/** Messages a group processes first when over BACKLOG_HIGH (≥ the usual number of senders). */
const PROCESS_FIRST = 20;

const start = workerData as ProcessorStart;
const port = parentPort!;
const post = (reply: ProcessorReply) => port.postMessage(reply);
const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

const database = openDatabase(resolveDatabase(start.config), {
  onIdleError: (error) => post({ type: 'error', message: error.message }),
});
const mailIntake = composeMailProcessing(database, start.config, systemClock);
const group = database.group;

interface StoreJob {
  seq: number;
  envelope: MailEnvelope;
  raw: Uint8Array;
}
const stores: StoreJob[] = [];
/** Messages this thread stored and has not processed yet (a lower bound of the backlog). */
let backlog = 0;
let more = true; // stored mail may be waiting (start-up: whatever a stopped process left)
let stopping = false;
let signal: (() => void) | null = null;
let idleWaiters: number[] = [];
const notify = () => {
  const s = signal;
  signal = null;
  s?.();
};

async function runGroup(): Promise<void> {
  const stored: { seq: number; id: number }[] = [];
  const failed: { seq: number; message: string }[] = [];
  const results: ProcessResult[] = [];
  try {
    group?.begin();
  } catch (e) {
    // another writer held the lock past busy_timeout: try again shortly
    post({ type: 'error', message: `cannot start a write: ${errorText(e)}` });
    await new Promise((r) => setTimeout(r, 200));
    return;
  }
  // Backpressure (as Postfix's in_flow_delay): with more than BACKLOG_HIGH stored messages
  // waiting, a group processes PROCESS_FIRST of them before it takes new stores, so acceptance
  // slows to the processing rate instead of piling up work for later.
  const owed = backlog > BACKLOG_HIGH ? PROCESS_FIRST : 0;
  let processed = 0;
  let t0 = performance.now();
  const processOne = async (): Promise<void> => {
    let r: ProcessResult | null;
    try {
      r = await mailIntake.processNext();
    } catch (e) {
      // storage trouble: stop processing until the next wake or tick; stores go on
      post({ type: 'error', message: errorText(e) });
      more = false;
      return;
    }
    if (r) results.push(r);
    else more = false;
  };
  try {
    while (more && processed < owed) {
      await processOne();
      processed++;
    }
    if (owed > 0) t0 = performance.now();
    for (let units = processed; units < MAX_UNITS; units++) {
      const elapsed = performance.now() - t0;
      if (elapsed >= (stored.length > 0 || stores.length > 0 ? STORE_GROUP_MS : MAX_GROUP_MS)) break;
      const job = stores.shift();
      if (job) {
        try {
          stored.push({ seq: job.seq, id: (await mailIntake.receive(job.envelope, job.raw)).id });
          more = true;
        } catch (e) {
          failed.push({ seq: job.seq, message: errorText(e) });
        }
      } else if (more) await processOne();
      else break;
    }
    group?.commit();
  } catch (e) {
    group?.rollback();
    for (const s of stored) failed.push({ seq: s.seq, message: `not stored: ${errorText(e)}` });
    stored.length = 0;
    results.length = 0;
    more = true;
    post({ type: 'error', message: `commit failed: ${errorText(e)}` });
    await new Promise((r) => setTimeout(r, 200));
  }
  backlog = Math.max(0, backlog + stored.length - results.length);
  for (const s of stored) post({ type: 'stored', seq: s.seq, id: s.id });
  for (const f of failed) post({ type: 'storeFailed', seq: f.seq, message: f.message });
  for (const result of results) post({ type: 'processed', result });
}

async function loop(): Promise<void> {
  while (!stopping) {
    if (stores.length === 0 && !more) {
      for (const seq of idleWaiters) post({ type: 'idle', seq });
      idleWaiters = [];
      await new Promise<void>((resolve) => (signal = resolve));
      continue;
    }
    await runGroup();
  }
}

// messages stored by other processes, claims left by a stopped processor
const timer = setInterval(
  () => {
    more = true;
    notify();
  },
  Math.max(0.05, start.intervalSeconds) * 1000,
);
const running = loop();

port.on('message', (message: ProcessorRequest) => {
  switch (message.type) {
    case 'wake':
      more = true;
      notify();
      break;
    case 'store':
      stores.push({ seq: message.seq, envelope: message.envelope, raw: message.raw });
      notify();
      break;
    case 'idle':
      idleWaiters.push(message.seq);
      notify();
      break;
    case 'stop':
      stopping = true;
      clearInterval(timer);
      notify();
      void running
        .then(() => {
          // stores that arrived while stopping: the listener answers them (451 or its own store)
          for (const job of stores)
            post({ type: 'storeFailed', seq: job.seq, message: 'mail processor stopped' });
          for (const seq of idleWaiters) post({ type: 'idle', seq });
          return database.close();
        })
        .finally(() => {
          post({ type: 'stopped' });
          port.close();
        });
      break;
  }
});
post({ type: 'ready' });
