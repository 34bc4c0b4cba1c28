import { parentPort, workerData } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import type { ImportBatch } from '../services/ports.ts';
import { createSqliteImportWriter } from './sqlite-import-writer.ts';
import {
  unpackBatch,
  type WriterReply,
  type WriterRequest,
  type WriterStart,
} from './import-writer.thread.ts';

/**
 * The import writer thread: its own connection to the SQLite file, writing the batches the import
 * hands it (one transaction each, in order) while the main thread parses the next ones.
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

port.on('message', (message: WriterRequest) => {
  if (message.type === 'close') {
    handle.close();
    port.postMessage({ type: 'closed' } satisfies WriterReply);
    port.close();
    return;
  }
  let reply: WriterReply;
  try {
    reply = { type: 'written', seq: message.seq, incidentIds: write(prepare(unpackBatch(message.batch))) };
  } catch (e) {
    reply = { type: 'failed', seq: message.seq, message: (e as Error).message };
  }
  Atomics.add(done, 0, 1);
  port.postMessage(reply);
});
