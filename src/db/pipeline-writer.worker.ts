import { parentPort, workerData } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import { writeSqliteBatchTransaction } from './repositories/pipeline.repository.ts';
import type {
  PipelineWriterReply,
  PipelineWriterRequest,
  PipelineWriterStart,
} from './pipeline-writer.thread.ts';

/**
 * The pipeline writer thread: its own connection to the SQLite file, committing the batches the
 * report processor hands it (one IMMEDIATE transaction each, in order) while the main thread
 * parses and enriches the next one.
 */
const start = workerData as PipelineWriterStart;
const port = parentPort!;
const handle = new SQLite(start.file);
handle.pragma('busy_timeout = 5000');
handle.pragma('synchronous = NORMAL');
handle.pragma(`cache_size = -${start.cacheKib}`);
const write = writeSqliteBatchTransaction(handle);

port.on('message', (message: PipelineWriterRequest) => {
  if (message.type === 'close') {
    handle.close();
    port.postMessage({ type: 'closed' } satisfies PipelineWriterReply);
    port.close();
    return;
  }
  let reply: PipelineWriterReply;
  try {
    reply = { type: 'written', seq: message.seq, result: write(message.batch) };
  } catch (e) {
    reply = { type: 'failed', seq: message.seq, message: (e as Error).message };
  }
  port.postMessage(reply);
});
