import { parentPort, workerData } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import type { ImportBatch } from '../services/ports.ts';
import { createSqliteImportWriter } from './sqlite-import-writer.ts';
import { restoreDeferredIndexes } from './bulk-load.ts';
import {
  GROUP_COMMIT_MS,
  unpackBatch,
  type WriterReply,
  type WriterRequest,
  type WriterStart,
} from './import-writer.thread.ts';

/**
 * The import writer thread: its own connection to the SQLite file, writing the batches the import
 * hands it (in order, each in a savepoint) while the main thread parses the next ones. Batches
 * commit in groups: when GROUP_COMMIT_MS have passed since the group began, after a batch or, when
 * no batch comes, on a timer (so an import waiting on its input never holds the write lock long).
 */
const start = workerData as WriterStart;
const port = parentPort!;
const handle = new SQLite(start.file);
handle.pragma('busy_timeout = 5000');
// references are checked once per batch instead of per row (see createSqliteImportWriter)
handle.pragma('foreign_keys = OFF');
handle.pragma('synchronous = NORMAL');
const write = createSqliteImportWriter(handle, { foreignKeysChecked: false });
const prepare = start.prepareModule
  ? ((await import(start.prepareModule)) as { prepareImportBatch: (batch: ImportBatch) => ImportBatch })
      .prepareImportBatch
  : (batch: ImportBatch) => batch;

const done = new Int32Array(start.progress);

let groupStarted = 0;
let groupTimer: NodeJS.Timeout | null = null;
/** A group whose commit failed: its batches are lost, so every later call fails. */
let lostGroup: string | null = null;
/** A batch that failed: the ones handed over behind it are refused (nothing after it is stored). */
let failedBatch: string | null = null;

/** Commits the open group, if any. */
function commitGroup(): void {
  if (groupTimer) clearTimeout(groupTimer);
  groupTimer = null;
  if (handle.inTransaction) handle.exec('commit');
}

/** Commits the open group; a failure is kept in `lostGroup` (the group is rolled back). */
function commitOrLose(): void {
  try {
    commitGroup();
  } catch (e) {
    lostGroup = `commit of written batches failed: ${(e as Error).message}`;
    if (handle.inTransaction) handle.exec('rollback');
  }
}

function close(restoreIndexes: boolean): string | null {
  let error: string | null = lostGroup;
  try {
    if (lostGroup !== null) throw new Error(lostGroup);
    commitGroup();
    // the thread that wrote the tables builds the set-aside indexes (with sorted runs, bulk-load.ts)
    if (restoreIndexes) restoreDeferredIndexes(handle);
  } catch (e) {
    error = (e as Error).message;
    if (handle.inTransaction) handle.exec('rollback');
  }
  handle.close();
  return error;
}

port.on('message', (message: WriterRequest) => {
  if (message.type === 'close') {
    port.postMessage({ type: 'closed', error: close(message.restoreIndexes) } satisfies WriterReply);
    port.close();
    return;
  }
  let reply: WriterReply;
  try {
    if (lostGroup !== null) throw new Error(lostGroup);
    if (failedBatch !== null) throw new Error(`not written: an earlier batch failed (${failedBatch})`);
    if (!handle.inTransaction) {
      handle.exec('begin immediate');
      groupStarted = performance.now();
    }
    // inside the group's transaction better-sqlite3 runs the batch as a savepoint
    reply = { type: 'written', seq: message.seq, incidentIds: write(prepare(unpackBatch(message.batch))) };
    const age = performance.now() - groupStarted;
    if (age >= GROUP_COMMIT_MS) commitOrLose();
    else groupTimer ??= setTimeout(commitOrLose, GROUP_COMMIT_MS - age);
    if (lostGroup !== null) throw new Error(lostGroup);
  } catch (e) {
    reply = { type: 'failed', seq: message.seq, message: (e as Error).message };
    failedBatch ??= (e as Error).message;
  }
  Atomics.add(done, 0, 1);
  port.postMessage(reply);
});

// modules loaded, connection open: the caller may now hand batches over without waiting
port.postMessage({ type: 'ready' } satisfies WriterReply);
