import { Worker } from 'node:worker_threads';
import type {
  ImportActionRow,
  ImportBatch,
  ImportObservableRow,
  ImportReportRow,
} from '../services/ports.ts';

/**
 * Batches the thread writes within this many milliseconds of the first one of their group commit
 * together (each batch inside the group is a savepoint, so a failing batch undoes only itself).
 * Fewer commits write the pages every batch touches (index leaves, the tables' last pages) to the
 * WAL once per group instead of once per batch: a 200,000-report load writes ~40 % less.
 */
export const GROUP_COMMIT_MS = 1000;

export interface WriterStart {
  file: string;
  /** URL of a module exporting prepareImportBatch(batch), run on each batch before it is written. */
  prepareModule?: string;
  /** One Int32: the number of batches written so far (Atomics), for a synchronous `backlog()`. */
  progress: SharedArrayBuffer;
}
export type WriterRequest =
  | { type: 'write'; seq: number; batch: PackedBatch }
  /** `restoreIndexes`: build the indexes a bulk load set aside, on the thread's warm page cache. */
  | { type: 'close'; restoreIndexes: boolean };

/**
 * A batch as it crosses to the thread: each list of rows as one array per column, with no object
 * left per row (incident references become numbers, the reports' observables flat columns).
 * Copying (the structured clone) then costs the sending thread — the busier one — far less than
 * rows as objects, whose every property name would be copied with every row.
 */
export interface PackedBatch {
  incidents: PackedRows;
  /** Without `incident` and `observables` (in `reportIncidents` and `observables`). */
  reports: PackedRows;
  reportIncidents: number[];
  observables: PackedObservables;
  /** Without `incident` (in `actionIncidents`). */
  actions: PackedRows;
  actionIncidents: number[];
  audit: ImportBatch['audit'];
}
/** The observables of each report in turn: `counts[i]` of them (-1: not prepared yet). */
interface PackedObservables {
  counts: number[];
  kind: PackedColumn;
  value: PackedColumn;
  ipKey: PackedColumn;
  domainKey: PackedColumn;
}

/**
 * One column as it crosses: texts (and nulls) joined into one string with their lengths (-1:
 * null), numbers (and nulls) in a Float64Array with a null mask, anything else as it is. The
 * structured clone copies one long string and two typed arrays instead of every value apart.
 * Measured on batches of the import's shape: the copy takes a sixth of its time before, packing
 * and unpacking take more, and the three together about a quarter less.
 */
export type PackedColumn =
  | { kind: 'text'; text: string; lengths: Int32Array }
  | { kind: 'number'; numbers: Float64Array; nulls: Uint8Array }
  | { kind: 'values'; values: unknown[] };

export function packColumn(values: readonly unknown[]): PackedColumn {
  let texts = 0;
  let numbers = 0;
  let nulls = 0;
  for (const v of values) {
    if (typeof v === 'string') texts++;
    else if (typeof v === 'number') numbers++;
    else if (v === null) nulls++;
  }
  if (texts > 0 && texts + nulls === values.length) {
    const lengths = new Int32Array(values.length);
    const parts: string[] = [];
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v === 'string') {
        lengths[i] = v.length;
        parts.push(v);
      } else lengths[i] = -1;
    }
    return { kind: 'text', text: parts.join(''), lengths };
  }
  if (numbers > 0 && numbers + nulls === values.length) {
    const out = new Float64Array(values.length);
    const mask = new Uint8Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v === 'number') out[i] = v;
      else mask[i] = 1;
    }
    return { kind: 'number', numbers: out, nulls: mask };
  }
  return { kind: 'values', values: [...values] };
}

export function unpackColumn(packed: PackedColumn): unknown[] {
  if (packed.kind === 'values') return packed.values;
  if (packed.kind === 'number') {
    const out = new Array<unknown>(packed.numbers.length);
    for (let i = 0; i < out.length; i++) out[i] = packed.nulls[i] ? null : packed.numbers[i];
    return out;
  }
  const out = new Array<unknown>(packed.lengths.length);
  let at = 0;
  for (let i = 0; i < out.length; i++) {
    const n = packed.lengths[i]!;
    if (n < 0) out[i] = null;
    else {
      out[i] = packed.text.slice(at, at + n);
      at += n;
    }
  }
  return out;
}
type IncidentRef = ImportReportRow['incident'];

/** A reference as a number: a batch index (≥ 0), or an incident id (≥ 1) negated. */
function packRef(ref: IncidentRef): number {
  if (!('id' in ref)) return ref.batchIndex;
  if (!(ref.id >= 1)) throw new Error(`import batch: incident id ${ref.id} is not resolved`);
  return -ref.id;
}

function unpackRef(n: number): IncidentRef {
  return n < 0 ? { id: -n } : { batchIndex: n };
}

function packObservables(reports: readonly ImportReportRow[]): PackedObservables {
  const counts: number[] = [];
  const kind: string[] = [];
  const value: string[] = [];
  const ipKey: (string | null)[] = [];
  const domainKey: (string | null)[] = [];
  for (const r of reports) {
    const list = r.observables;
    counts.push(list === null ? -1 : list.length);
    for (const o of list ?? []) {
      kind.push(o.kind);
      value.push(o.value);
      ipKey.push(o.ipKey);
      domainKey.push(o.domainKey);
    }
  }
  return {
    counts,
    kind: packColumn(kind),
    value: packColumn(value),
    ipKey: packColumn(ipKey),
    domainKey: packColumn(domainKey),
  };
}

function unpackObservables(packed: PackedObservables): (ImportObservableRow[] | null)[] {
  const kind = unpackColumn(packed.kind) as ImportObservableRow['kind'][];
  const value = unpackColumn(packed.value) as string[];
  const ipKey = unpackColumn(packed.ipKey) as (string | null)[];
  const domainKey = unpackColumn(packed.domainKey) as (string | null)[];
  let j = 0;
  return packed.counts.map((n) => {
    if (n < 0) return null;
    const list: ImportObservableRow[] = new Array(n);
    for (let k = 0; k < n; k++, j++)
      list[k] = { kind: kind[j]!, value: value[j]!, ipKey: ipKey[j]!, domainKey: domainKey[j]! };
    return list;
  });
}
interface PackedRows {
  length: number;
  columns: Record<string, PackedColumn>;
}

function packRows(rows: readonly object[], leaveOut: readonly string[] = []): PackedRows {
  const columns: Record<string, PackedColumn> = {};
  if (rows.length > 0) {
    for (const key of Object.keys(rows[0]!)) {
      if (leaveOut.includes(key)) continue;
      const column = new Array<unknown>(rows.length);
      for (let i = 0; i < rows.length; i++) column[i] = (rows[i] as Record<string, unknown>)[key];
      columns[key] = packColumn(column);
    }
  }
  return { length: rows.length, columns };
}

type RowBuilder = (columns: unknown[][], i: number) => Record<string, unknown>;
const rowBuilders = new Map<string, RowBuilder>();

/**
 * A function building one row from the columns, with the keys written out as literals: every row
 * gets its fixed shape at once, instead of walking the shape transitions key by key through a
 * store whose key is a variable. `later`: keys the caller sets afterwards (present from the start,
 * undefined, so that setting them keeps the shape). The writer thread unpacked 100,000 reports'
 * rows in 130–251 ms instead of 206–326 ms (seven imports of 200,000 reports each way).
 */
function rowBuilder(keys: readonly string[], later: readonly string[]): RowBuilder {
  const id = `${keys.join('\u0000')}\u0001${later.join('\u0000')}`;
  let build = rowBuilders.get(id);
  if (!build) {
    const fields = [
      ...keys.map((k, n) => `${JSON.stringify(k)}: c[${n}][i]`),
      ...later.map((k) => `${JSON.stringify(k)}: undefined`),
    ].join(', ');
    build = new Function('c', 'i', `return { ${fields} };`) as RowBuilder;
    rowBuilders.set(id, build);
  }
  return build;
}

function unpackRows<T>(packed: PackedRows, later: readonly string[] = []): T[] {
  const keys = Object.keys(packed.columns);
  const columns = keys.map((key) => unpackColumn(packed.columns[key]!));
  const build = rowBuilder(keys, later);
  const rows: T[] = new Array(packed.length);
  for (let i = 0; i < packed.length; i++) rows[i] = build(columns, i) as T;
  return rows;
}

export function packBatch(batch: ImportBatch): PackedBatch {
  return {
    incidents: packRows(batch.incidents),
    reports: packRows(batch.reports, ['incident', 'observables']),
    reportIncidents: batch.reports.map((r) => packRef(r.incident)),
    observables: packObservables(batch.reports),
    actions: packRows(batch.actions, ['incident']),
    actionIncidents: batch.actions.map((a) => packRef(a.incident)),
    audit: batch.audit,
  };
}

export function unpackBatch(packed: PackedBatch): ImportBatch {
  const reports = unpackRows<ImportReportRow>(packed.reports, ['incident', 'observables']);
  const observables = unpackObservables(packed.observables);
  reports.forEach((r, i) => {
    r.incident = unpackRef(packed.reportIncidents[i]!);
    r.observables = observables[i]!;
  });
  const actions = unpackRows<ImportActionRow>(packed.actions, ['incident']);
  actions.forEach((a, i) => (a.incident = unpackRef(packed.actionIncidents[i]!)));
  return { incidents: unpackRows(packed.incidents), reports, actions, audit: packed.audit };
}
export type WriterReply =
  | { type: 'written'; seq: number; incidentIds: number[] }
  | { type: 'failed'; seq: number; message: string }
  /** `error`: the last commit (or the index build) failed; the thread has ended all the same. */
  | { type: 'closed'; error: string | null }
  /** The thread has started (its modules loaded, its connection open). */
  | { type: 'ready' };

export interface ImportWriterThread {
  /**
   * Hands a batch to the thread; resolves with its incident ids once it is written. Batches commit
   * in groups (those written within GROUP_COMMIT_MS of the group's first one): `close` commits the
   * last group.
   */
  write(batch: ImportBatch): Promise<number[]>;
  /** How many batches handed over are not yet written (no waiting). */
  backlog(): number;
  /**
   * Whether the thread has started: until then a batch handed over waits for it (starting takes
   * a second or two: the thread loads its modules), so a caller may write on its own connection.
   */
  ready(): boolean;
  /**
   * Waits for every batch handed over, commits, optionally builds the indexes a bulk load set aside
   * (`restoreDeferredIndexes` on the thread's connection, in sorted runs with SQLite's sorter
   * threads), closes the connection and ends the thread. Rejects when the last commit failed.
   */
  close(options?: { restoreIndexes?: boolean }): Promise<void>;
}

/**
 * The writer thread's young generation, MiB (a worker's default limit on Node 20: 48). Every
 * batch the thread unpacks and extracts is garbage within a batch or two; with the default, a
 * 1,000,000-report import spent ~4 s of the writer's time — the import's critical path — in
 * scavenges. With 64: 44 scavenges instead of 79 per 200,000 reports, in half the time, and the
 * import 6.5 % faster on average at a million (docs/performance.md).
 */
export const WRITER_YOUNG_GENERATION_MB = 64;

/**
 * Starts the import writer thread on a SQLite file (db/import-writer.worker.ts): batches are copied
 * to it (structured clone) and written in the order given, so the caller can parse the next batch
 * while the previous one is written. Errors of a batch reject that batch's promise.
 */
export function startImportWriterThread(file: string, prepareModule?: string): ImportWriterThread {
  const progress = new SharedArrayBuffer(4);
  const done = new Int32Array(progress);
  const worker = new Worker(new URL('./import-writer.worker.mjs', import.meta.url), {
    workerData: { file, prepareModule, progress } satisfies WriterStart,
    resourceLimits: { maxYoungGenerationSizeMb: WRITER_YOUNG_GENERATION_MB },
  });
  const pending = new Map<number, { resolve: (ids: number[]) => void; reject: (e: Error) => void }>();
  let seq = 0;
  let failure: Error | null = null;
  let closed: Promise<void> | null = null;
  let onClosed: ((error: string | null) => void) | null = null;
  let started = false;

  const failAll = (e: Error) => {
    failure ??= e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
    onClosed?.(null);
  };
  worker.on('message', (reply: WriterReply) => {
    if (reply.type === 'ready') {
      started = true;
      return;
    }
    if (reply.type === 'closed') return onClosed?.(reply.error);
    const p = pending.get(reply.seq);
    pending.delete(reply.seq);
    if (reply.type === 'written') p?.resolve(reply.incidentIds);
    else p?.reject(new Error(reply.message));
  });
  worker.on('error', (e) => failAll(e));
  worker.on('exit', (code) => failAll(new Error(`import writer thread exited (${code})`)));

  return {
    write(batch) {
      if (failure) return Promise.reject(failure);
      if (closed) return Promise.reject(new Error('import writer thread is closed'));
      const n = ++seq;
      return new Promise<number[]>((resolve, reject) => {
        pending.set(n, { resolve, reject });
        worker.postMessage({ type: 'write', seq: n, batch: packBatch(batch) } satisfies WriterRequest);
      });
    },
    backlog() {
      return failure === null ? seq - Atomics.load(done, 0) : 0;
    },
    ready() {
      return started && failure === null;
    },
    close(options = {}) {
      // a thread that never got a batch and has not even started is stopped, not waited for
      closed ??=
        !started && seq === 0 && failure === null
          ? worker.terminate().then(() => {})
          : failure
            ? Promise.resolve()
            : new Promise<void>((resolve, reject) => {
                onClosed = (error) => (error === null ? resolve() : reject(new Error(error)));
                worker.postMessage({
                  type: 'close',
                  restoreIndexes: options.restoreIndexes ?? false,
                } satisfies WriterRequest);
              });
      return closed;
    },
  };
}
