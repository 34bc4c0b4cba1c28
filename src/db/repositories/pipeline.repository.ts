import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type SQLite from 'better-sqlite3';
import { NUMBER_FIELDS, STRING_FIELDS, type FeedEvent } from '../../core/events/event.ts';
import { ipKeyOf } from '../../core/directory/network-keys.ts';
import { createDedupKeySet, isDedupKey, type DedupKeySet } from '../../core/events/dedup.ts';
import type {
  BatchResult,
  BatchWrite,
  DeadLetterRecord,
  EventUpsert,
  FeedStateRecord,
  PipelinePort,
  RawReportRecord,
  RawReportSource,
  RawReportState,
} from '../../services/ports.ts';
import type { Database } from '../database.ts';
import { deferIndexesIfEmpty, restoreDeferredIndexes } from '../bulk-load.ts';
import { expandMergeRuns, foldSqliteMerges, MergeRunWriter } from '../merge-runs.ts';
import { startPipelineWriterThread, type PipelineWriterThread } from '../pipeline-writer.thread.ts';
import type { DB, EventsTable, RawReportsTable } from '../schema.ts';

/*
 * The pipeline store. The hot path is commitBatch: one transaction per batch that upserts the
 * deduplicated events, records each report's share (event_sources), stores dead letters and
 * moves the checkpoint. SQLite runs it through prepared multi-row statements on the raw handle
 * (synchronous, no per-row await); PostgreSQL through `unnest` of one array per column, so a
 * statement has ~45 parameters whatever the batch size.
 */

/** Event columns filled from FeedEvent fields, in insert order, with their PostgreSQL array type. */
const FIELD_COLUMNS: readonly (readonly [column: string, field: string, pgType: 'text' | 'int8'])[] = [
  ['classification_taxonomy', 'classification.taxonomy', 'text'],
  ['classification_type', 'classification.type', 'text'],
  ['classification_identifier', 'classification.identifier', 'text'],
  ['source_ip', 'source.ip', 'text'],
  ['source_port', 'source.port', 'int8'],
  ['source_asn', 'source.asn', 'int8'],
  ['source_as_name', 'source.as_name', 'text'],
  ['source_cc', 'source.geolocation.cc', 'text'],
  ['source_province', 'source.geolocation.province', 'text'],
  ['source_city', 'source.geolocation.city', 'text'],
  ['source_branch', 'source.branch', 'text'],
  ['source_fqdn', 'source.fqdn', 'text'],
  ['source_url', 'source.url', 'text'],
  ['source_org_id', 'source.org_id', 'int8'],
  ['destination_ip', 'destination.ip', 'text'],
  ['destination_port', 'destination.port', 'int8'],
  ['destination_asn', 'destination.asn', 'int8'],
  ['destination_cc', 'destination.geolocation.cc', 'text'],
  ['destination_province', 'destination.geolocation.province', 'text'],
  ['destination_branch', 'destination.branch', 'text'],
  ['destination_fqdn', 'destination.fqdn', 'text'],
  ['destination_url', 'destination.url', 'text'],
  ['destination_org_id', 'destination.org_id', 'int8'],
  ['malware_name', 'malware.name', 'text'],
  ['malware_family', 'malware.family', 'text'],
  ['protocol_transport', 'protocol.transport', 'text'],
  ['protocol_application', 'protocol.application', 'text'],
];

/** Fields with a column of their own (or implied by the row): not repeated in `fields`. */
const COLUMN_FIELDS: ReadonlySet<string> = new Set([
  ...FIELD_COLUMNS.map((c) => c[1]),
  'feed.name',
  'time.source',
  'extra',
  'raw',
]);

const OTHER_COLUMNS: readonly (readonly [string, 'text' | 'int8'])[] = [
  ['raw_report_id', 'int8'],
  ['line', 'int8'],
  ['feed', 'text'],
  ['time_source', 'text'],
  ['first_seen', 'text'],
  ['last_seen', 'text'],
  ['count', 'int8'],
  ['dedup_key', 'text'],
  ['source_ip_key', 'text'],
  ['destination_ip_key', 'text'],
  ['fields', 'text'],
  ['extra', 'text'],
  ['created_at', 'text'],
];

const ALL_COLUMNS = [...OTHER_COLUMNS.map((c) => c[0]), ...FIELD_COLUMNS.map((c) => c[0])];
const ALL_PG_TYPES = [...OTHER_COLUMNS.map((c) => c[1]), ...FIELD_COLUMNS.map((c) => c[2])];
const WIDTH = ALL_COLUMNS.length;

/** Rows per SQLite statement (parameters: rows × WIDTH stay below SQLite's 32,766). */
const SQLITE_ROWS = 200;
const SOURCE_ROWS = 500;
const FIND_ROWS = 500;

/** The 32-hex key of an address (fast for dotted IPv4); null when not an address. */
function keyOf(ip: unknown): string | null {
  if (typeof ip !== 'string' || ip === '') return null;
  return ipKeyOf(ip);
}

function textOrNull(v: unknown): string | null {
  if (v === undefined || v === null || v === '') return null;
  return typeof v === 'string' ? v : String(v);
}

function intOrNull(v: unknown): number | null {
  if (v === undefined || v === null || v === '') return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isSafeInteger(n) ? n : null;
}

/** One events row as positional values in ALL_COLUMNS order. */
function rowValues(u: EventUpsert, reportId: number, feed: string, at: string): unknown[] {
  const out: unknown[] = new Array(WIDTH);
  writeRowValues(out, 0, u, reportId, feed, at);
  return out;
}

/** Writes one events row's values, in ALL_COLUMNS order, into `out` from index `p` (writeRowValues). */
type RowWriter = (
  out: unknown[],
  p: number,
  u: EventUpsert,
  reportId: number,
  feed: string,
  at: string,
) => void;

/**
 * Fields an event may hold (event.ts) that have no column of their own: stored in `fields`.
 * (`extra` and `raw` are not among them: `extra` has a column, `raw` stays in the raw report.)
 */
const OTHER_FIELDS: readonly string[] = [...STRING_FIELDS, ...NUMBER_FIELDS].filter(
  (f) => !COLUMN_FIELDS.has(f),
);

/** How the row writer computes each column of OTHER_COLUMNS (in its scope: e, u, extra, fields, h). */
const ROW_VALUE: Record<string, string> = {
  raw_report_id: 'reportId',
  line: 'u.line',
  feed: 'feed',
  time_source: "h.textOrNull(e['time.source']) ?? u.firstSeen",
  first_seen: 'u.firstSeen',
  last_seen: 'u.lastSeen',
  count: 'u.count',
  dedup_key: 'u.dedupKey',
  source_ip_key: "h.keyOf(e['source.ip'])",
  destination_ip_key: "h.keyOf(e['destination.ip'])",
  fields: "fields === null ? '{}' : JSON.stringify(fields)",
  extra: "extra && h.hasKeys(extra) ? JSON.stringify(extra) : '{}'",
  created_at: 'at',
};
for (const [column] of OTHER_COLUMNS)
  if (!(column in ROW_VALUE)) throw new Error(`events: no row value for column ${column}`);

/**
 * The row writer, generated once with every field name written out: a property read with a
 * literal name is one inline-cached load on the events' shared shape, where a loop over the
 * event's keys was a dictionary look-up per field, ~60 per row. Measured: 100,000 rows in
 * 583–832 ms against 915–1,204 ms (docs/performance.md). Only the fields of event.ts are read,
 * which is all a FeedEvent may hold.
 */
const writeRowValues = new Function(
  'h',
  `return function writeRowValues(out, p, u, reportId, feed, at) {
    const e = u.event;
    let fields = null;
    let v;
${OTHER_FIELDS.map(
  (f) =>
    `    v = e[${JSON.stringify(f)}];
    if (v !== undefined && v !== null && v !== '') (fields ??= {})[${JSON.stringify(f)}] = v;`,
).join('\n')}
    const extra = e.extra;
${OTHER_COLUMNS.map(([column], i) => `    out[p + ${i}] = ${ROW_VALUE[column]};`).join('\n')}
${FIELD_COLUMNS.map(
  ([, field, type], i) =>
    `    out[p + ${OTHER_COLUMNS.length + i}] = h.${type === 'int8' ? 'intOrNull' : 'textOrNull'}(e[${JSON.stringify(field)}]);`,
).join('\n')}
  };`,
)({ textOrNull, intOrNull, keyOf, hasKeys }) as RowWriter;

function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

/** The stored row as the event the experts produced (its columns, `fields` and `extra`). */
function eventOfRow(r: Selectable<EventsTable>): FeedEvent {
  const row = r as unknown as Record<string, unknown>;
  const e: Record<string, unknown> = {};
  try {
    Object.assign(e, JSON.parse(r.fields) as Record<string, unknown>);
  } catch {
    // a row written by hand with broken JSON keeps its columns
  }
  for (const [column, field, type] of FIELD_COLUMNS) {
    const v = row[column];
    if (v !== null && v !== undefined) e[field] = type === 'int8' ? Number(v) : v;
  }
  e['feed.name'] = r.feed;
  e['time.source'] = r.time_source;
  try {
    const extra = JSON.parse(r.extra) as Record<string, unknown>;
    if (Object.keys(extra).length > 0) e.extra = extra;
  } catch {
    // as above
  }
  return e as FeedEvent;
}

function toRawReport(r: Selectable<RawReportsTable>): RawReportRecord {
  return {
    id: Number(r.id),
    feed: r.feed,
    fileName: r.file_name,
    source: r.source as RawReportSource,
    receivedAt: r.received_at,
    bytes: Number(r.bytes),
    sha256: r.sha256,
    state: r.state as RawReportState,
    claimedBy: r.claimed_by,
    claimedAt: r.claimed_at,
    attempts: Number(r.attempts),
    linesDone: Number(r.lines_done),
    rulesLine: Number(r.rules_line),
    eventsCount: Number(r.events_count),
    errorsCount: Number(r.errors_count),
    error: r.error,
    finishedAt: r.finished_at,
  };
}

function isRetryable(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return code === '40P01' || code === '40001';
}

class LostClaim extends Error {}

/**
 * A batch as the SQLite writer takes it: the upserts as parallel arrays, and the row values of
 * those that may be new (WIDTH values each, in ALL_COLUMNS order) in one flat array. Built on the
 * caller's thread (`packBatch`); a batch handed to the writer thread is copied in this form, a few
 * arrays of strings and numbers instead of an object per event.
 */
export interface PackedBatch extends Omit<BatchWrite, 'events'> {
  keys: string[];
  counts: number[];
  firstSeen: string[];
  lastSeen: string[];
  /** The same times in milliseconds since the epoch (merge runs, db/merge-runs.ts). */
  firstMs: number[];
  lastMs: number[];
  /** Per upsert: where its values start in `rows`, or -1 for a key the report stored already. */
  rowAt: number[];
  /** Per upsert: its event's id when the worker knows it, else 0. */
  ids: number[];
  rows: unknown[];
}

export function packBatch(b: BatchWrite): PackedBatch {
  const n = b.events.length;
  const keys: string[] = new Array(n);
  const counts: number[] = new Array(n);
  const firstSeen: string[] = new Array(n);
  const lastSeen: string[] = new Array(n);
  const firstMs: number[] = new Array(n);
  const lastMs: number[] = new Array(n);
  const rowAt: number[] = new Array(n);
  const ids: number[] = new Array(n);
  let newRows = 0;
  for (const u of b.events) if (!u.stored) newRows++;
  // sized once and filled in place (an array grown by appending is copied each time it doubles)
  const rows: unknown[] = new Array(newRows * WIDTH);
  let filled = 0;
  for (let i = 0; i < n; i++) {
    const u = b.events[i]!;
    keys[i] = u.dedupKey;
    counts[i] = u.count;
    firstSeen[i] = u.firstSeen;
    lastSeen[i] = u.lastSeen;
    firstMs[i] = u.firstMs ?? Date.parse(u.firstSeen);
    lastMs[i] = u.lastMs ?? Date.parse(u.lastSeen);
    ids[i] = u.id ?? 0;
    if (u.stored) rowAt[i] = -1;
    else {
      rowAt[i] = filled;
      writeRowValues(rows, filled, u, b.reportId, b.feed, b.at);
      filled += WIDTH;
    }
  }
  return {
    reportId: b.reportId,
    workerId: b.workerId,
    feed: b.feed,
    at: b.at,
    linesDone: b.linesDone,
    eventsProduced: b.eventsProduced,
    keys,
    counts,
    firstSeen,
    lastSeen,
    firstMs,
    lastMs,
    rowAt,
    ids,
    rows,
    deadLetters: b.deadLetters,
  };
}

/**
 * One IMMEDIATE transaction per batch on a SQLite connection. A claim lost meanwhile (another
 * worker took the report over) comes back as `committed: false`. Used on the caller's connection
 * and in the writer thread.
 */
export function writeSqliteBatchTransaction(handle: SQLite.Database): (batch: PackedBatch) => BatchResult {
  const st = prepareSqlite(handle);
  const writer: KeyWriter = { own: null };
  const tx = handle.transaction((b: PackedBatch) => writeSqliteBatch(st, b, writer));
  return (batch) => {
    try {
      return tx.immediate(batch);
    } catch (e) {
      // rolled back: the keys it noted may not be stored (the next batch would see it anyway)
      writer.own = null;
      if (e instanceof LostClaim) return { committed: false, inserted: 0 };
      throw e;
    }
  };
}

/** The events' unique dedup-key index, set aside by a report into an empty event store. */
const KEY_INDEX = 'events_dedup_key_uq';

/**
 * The keys a writer inserted while the events' key index is set aside (a report into an empty
 * event store, db/bulk-load.ts), each with its row's id. A writer that finds the index set aside
 * and the table empty starts them; while they are all the table holds, a key of a batch that is
 * not among them is new and is inserted without a look-up (which, without the index, would scan
 * the table). Each batch's transaction checks that this still holds: the highest id in the table
 * is the last one this writer inserted (ids are never given twice, so no other writer — another
 * worker, another process with the file open — has added a row since), and the batch fits in the
 * set. Otherwise the writer forgets them and builds the set-aside indexes before it looks up.
 */
interface OwnKeys {
  keys: DedupKeySet;
  /** The highest id this writer inserted; 0 while none (the table was empty). */
  lastId: number;
}

interface KeyWriter {
  own: OwnKeys | null;
}

interface SqliteStatements {
  handle: SQLite.Database;
  find: SQLite.Statement;
  findOne: SQLite.Statement;
  /** Multi-row inserts of SQLITE_ROWS rows by shape (shapedInsert). */
  shaped: Map<string, SQLite.Statement>;
  insertOne: SQLite.Statement;
  keyOfId: SQLite.Statement;
  keyIndexSetAside: SQLite.Statement;
  maxId: SQLite.Statement;
  merge: SQLite.Statement;
  mergeRun: SQLite.Statement;
  sources: SQLite.Statement;
  sourceOne: SQLite.Statement;
  deadLetter: SQLite.Statement;
  checkpoint: SQLite.Statement;
  touch: SQLite.Statement;
}

/*
 * Shaped inserts. better-sqlite3 spends most of a row's insert binding its ~40 parameters (a text
 * value is converted and copied twice), and many columns of a statement's rows hold one value —
 * the report, the feed, the insert time, the classification — or none. A multi-row insert is
 * therefore prepared per shape: a column null in all its rows is written as NULL, one with the
 * same value in all is bound once as a named parameter, and only the rest once per row.
 * Measured on the bench's 245,348 rows: 2.6–2.9 s against 3.2–3.7 s (docs/performance.md).
 */
const ROW_VALUE_KIND = 'r';
const NULL_KIND = 'n';
const SHARED_KIND = 's';
/** Shapes kept prepared per connection (a feed's batches have a few). */
const MAX_SHAPES = 64;

interface InsertShape {
  /** Per column: ROW_VALUE_KIND, NULL_KIND or SHARED_KIND. */
  kinds: string[];
  signature: string;
  /** The shared columns' values by parameter name, or null when none. */
  shared: Record<string, unknown> | null;
}

const shapeKinds: string[] = new Array(WIDTH);

/** The shape of `count` fresh rows from `from` (each row's values at rows[rowAt[fresh[j]]…]). */
function shapeOf(
  rows: readonly unknown[],
  rowAt: readonly number[],
  fresh: readonly number[],
  from: number,
  count: number,
): InsertShape {
  let shared: Record<string, unknown> | null = null;
  let signature = '';
  const first = rowAt[fresh[from]!]!;
  for (let c = 0; c < WIDTH; c++) {
    const v = rows[first + c];
    let same = true;
    for (let j = from + 1; j < from + count; j++)
      if (rows[rowAt[fresh[j]!]! + c] !== v) {
        same = false;
        break;
      }
    const kind = !same ? ROW_VALUE_KIND : v === null ? NULL_KIND : SHARED_KIND;
    if (kind === SHARED_KIND) (shared ??= {})[`c${c}`] = v;
    shapeKinds[c] = kind;
    signature += kind;
  }
  return { kinds: shapeKinds, signature, shared };
}

/** The prepared multi-row insert of a shape (SQLITE_ROWS rows). */
function shapedInsert(st: SqliteStatements, signature: string): SQLite.Statement {
  let stmt = st.shaped.get(signature);
  if (stmt === undefined) {
    const tuple = `(${[...signature]
      .map((kind, c) => (kind === NULL_KIND ? 'NULL' : kind === SHARED_KIND ? `:c${c}` : '?'))
      .join(',')})`;
    stmt = st.handle.prepare(
      `insert into events (${ALL_COLUMNS.join(',')}) values ${new Array(SQLITE_ROWS).fill(tuple).join(',')}`,
    );
    if (st.shaped.size >= MAX_SHAPES) st.shaped.clear();
    st.shaped.set(signature, stmt);
  }
  return stmt;
}

function eventInsertSql(rows: number): string {
  const tuple = `(${new Array(WIDTH).fill('?').join(',')})`;
  return `insert into events (${ALL_COLUMNS.join(',')}) values ${new Array(rows).fill(tuple).join(',')}`;
}

function sourcesSql(rows: number): string {
  return (
    `insert into event_sources (raw_report_id, event_id, count) values ${new Array(rows).fill('(?,?,?)').join(',')} ` +
    `on conflict (raw_report_id, event_id) do update set count = event_sources.count + excluded.count`
  );
}

function prepareSqlite(handle: SQLite.Database): SqliteStatements {
  return {
    handle,
    find: handle
      .prepare(
        `select id, dedup_key from events where dedup_key in (${new Array(FIND_ROWS).fill('?').join(',')})`,
      )
      .raw(),
    findOne: handle.prepare('select id, dedup_key from events where dedup_key = ?'),
    shaped: new Map(),
    insertOne: handle.prepare(eventInsertSql(1)),
    keyOfId: handle.prepare('select dedup_key from events where id = ?').pluck(),
    keyIndexSetAside: handle
      .prepare('select count(*) from certops_deferred_indexes where name = ?')
      .pluck()
      .bind(KEY_INDEX),
    maxId: handle.prepare('select coalesce(max(id), 0) from events').pluck(),
    merge: handle.prepare(
      'update events set count = count + ?, first_seen = min(first_seen, ?), last_seen = max(last_seen, ?) where id = ?',
    ),
    mergeRun: handle.prepare('insert into event_merge_runs (raw_report_id, data) values (?, ?)'),
    sources: handle.prepare(sourcesSql(SOURCE_ROWS)),
    sourceOne: handle.prepare(sourcesSql(1)),
    deadLetter: handle.prepare(
      'insert into dead_letters (raw_report_id, feed, line, raw, error, attempts, created_at) values (?,?,?,?,?,1,?)',
    ),
    checkpoint: handle.prepare(
      `update raw_reports set lines_done = ?, claimed_at = ?, events_count = events_count + ?, errors_count = errors_count + ?
       where id = ? and claimed_by = ? and state = 'processing'`,
    ),
    touch: handle.prepare(
      'update raw_reports set events_count = events_count + ?, errors_count = errors_count + ? where id = ?',
    ),
  };
}

/**
 * SQLite (one writer, inside an IMMEDIATE transaction, so nothing changes between the steps):
 * look the batch's keys up, record a pending merge for each row that exists (appended to
 * event_merges, folded into the row when the report ends: foldMerges), insert the new ones (the
 * full row) and record the report's share of each new row. A dead-letter retry (it moves no
 * checkpoint) writes into a finished report and merges at once.
 */
function writeSqliteBatch(st: SqliteStatements, b: PackedBatch, writer: KeyWriter): BatchResult {
  if (b.linesDone !== null) {
    const res = st.checkpoint.run(
      b.linesDone,
      b.at,
      b.eventsProduced,
      b.deadLetters.length,
      b.reportId,
      b.workerId,
    );
    if (res.changes !== 1) throw new LostClaim();
  } else {
    st.touch.run(b.eventsProduced, b.deadLetters.length, b.reportId);
  }
  const all = b.keys;
  // each upsert's id: given (a repeat whose id the worker knows) or looked up by key; 0: new
  const ids = b.ids.slice();
  const unknown: number[] = [];
  for (let u = 0; u < all.length; u++) if (ids[u] === 0) unknown.push(u);
  // the key index set aside (a report into an empty store): this writer's own keys are all the
  // table holds, or the index is built before any look-up (OwnKeys)
  let own: OwnKeys | null = null;
  if ((st.keyIndexSetAside.get() as number) === 0) writer.own = null;
  else {
    const maxId = st.maxId.get() as number;
    if (maxId === 0) writer.own = { keys: createDedupKeySet(), lastId: 0 };
    own = writer.own;
    if (
      own === null ||
      own.lastId !== maxId ||
      own.keys.size + unknown.length > own.keys.capacity ||
      // a key the set cannot hold (not made by dedupKey): only the index can tell
      !unknown.every((u) => isDedupKey(all[u]!))
    ) {
      writer.own = own = null;
      restoreDeferredIndexes(st.handle);
    }
  }
  if (own) {
    for (const u of unknown) ids[u] = own.keys.idOf(all[u]!);
    unknown.length = 0;
  }
  const existing = new Map<string, number>();
  const keys: string[] = [];
  let i = 0;
  for (; i + FIND_ROWS <= unknown.length; i += FIND_ROWS) {
    keys.length = 0;
    for (let j = i; j < i + FIND_ROWS; j++) keys.push(all[unknown[j]!]!);
    // rows as [id, dedup_key] arrays: no object per row
    for (const r of st.find.all(keys) as [number, string][]) existing.set(r[1], r[0]);
  }
  for (; i < unknown.length; i++) {
    const r = st.findOne.get(all[unknown[i]!]!) as { id: number; dedup_key: string } | undefined;
    if (r) existing.set(r.dedup_key, r.id);
  }
  for (const u of unknown) ids[u] = existing.get(all[u]!) ?? 0;
  // parameter arrays of the multi-row statements, sized once and refilled in place (emptying an
  // array frees its storage, and appending grows it again, for every statement)
  const src: unknown[] = new Array(SOURCE_ROWS * 3);
  let n = 0;
  // the batch's merges into rows stored before, packed into one row (db/merge-runs.ts)
  const run = new MergeRunWriter(all.length);
  const addSource = (id: number, count: number) => {
    const p = n * 3;
    src[p] = b.reportId;
    src[p + 1] = id;
    src[p + 2] = count;
    if (++n === SOURCE_ROWS) {
      st.sources.run(src);
      n = 0;
    }
  };
  /** Indexes of the upserts to insert. */
  const fresh: number[] = [];
  // a dead-letter retry (no checkpoint) writes into a finished report, which is never folded
  // again: its few merges go straight into the rows and the report's shares
  const direct = b.linesDone === null;
  for (let u = 0; u < all.length; u++) {
    const id = ids[u]!;
    if (id === 0) {
      // stored by an earlier batch of this report, so it must be there: never store it unenriched
      if (b.rowAt[u] === -1) throw new Error(`events: key ${all[u]} of an earlier batch is not stored`);
      fresh.push(u);
    } else if (direct) {
      st.merge.run(b.counts[u], b.firstSeen[u], b.lastSeen[u], id);
      addSource(id, b.counts[u]!);
    } else {
      run.add(id, b.counts[u]!, b.firstMs[u]!, b.lastMs[u]!);
    }
  }
  if (run.size > 0) st.mergeRun.run(b.reportId, run.bytes());
  // The ids of a multi-row insert: AUTOINCREMENT gives the rows of one statement consecutive ids
  // in VALUES order (max + 1 each; no other writer inside this IMMEDIATE transaction), so they
  // follow from the last one without RETURNING (which cost ~7 µs a row); the first and last ids
  // are checked against their keys all the same, so a surprise aborts the batch, never misfiles.
  // one parameter array per statement size, filled in place (not regrown for every statement)
  const many: unknown[] = new Array(SQLITE_ROWS * WIDTH);
  const one: unknown[] = new Array(WIDTH);
  const rows = b.rows;
  const insertRows = (from: number, count: number) => {
    let info: SQLite.RunResult;
    if (count === 1) {
      const at = b.rowAt[fresh[from]!]!;
      for (let c = 0; c < WIDTH; c++) one[c] = rows[at + c];
      info = st.insertOne.run(one);
    } else {
      const shape = shapeOf(rows, b.rowAt, fresh, from, count);
      let p = 0;
      for (let j = from; j < from + count; j++) {
        const at = b.rowAt[fresh[j]!]!;
        for (let c = 0; c < WIDTH; c++) if (shape.kinds[c] === ROW_VALUE_KIND) many[p++] = rows[at + c];
      }
      many.length = p;
      const stmt = shapedInsert(st, shape.signature);
      info = shape.shared === null ? stmt.run(many) : stmt.run(many, shape.shared);
    }
    const last = Number(info.lastInsertRowid);
    const first = last - count + 1;
    if (
      info.changes !== count ||
      st.keyOfId.get(first) !== all[fresh[from]!] ||
      st.keyOfId.get(last) !== all[fresh[from + count - 1]!]
    )
      throw new Error('events insert: the new rows did not get consecutive ids');
    for (let j = 0; j < count; j++) {
      ids[fresh[from + j]!] = first + j;
      addSource(first + j, b.counts[fresh[from + j]!]!);
    }
    if (own) {
      for (let j = 0; j < count; j++) {
        const key = all[fresh[from + j]!]!;
        own.keys.add(key);
        own.keys.setId(key, first + j);
      }
      own.lastId = last;
      // an id the set cannot hold: keys are looked up from the next batch on
      if (last > 0xffffffff) writer.own = null;
    }
  };
  let k = 0;
  for (; k + SQLITE_ROWS <= fresh.length; k += SQLITE_ROWS) insertRows(k, SQLITE_ROWS);
  for (; k < fresh.length; k++) insertRows(k, 1);
  for (let j = 0; j < n; j++) st.sourceOne.run(src[j * 3], src[j * 3 + 1], src[j * 3 + 2]);
  for (const d of b.deadLetters) st.deadLetter.run(b.reportId, b.feed, d.line, d.raw, d.error, b.at);
  return { committed: true, inserted: fresh.length, ids };
}

async function writePgBatch(trx: Transaction<DB>, b: BatchWrite): Promise<BatchResult> {
  if (b.linesDone !== null) {
    const res = await trx
      .updateTable('raw_reports')
      .set((eb) => ({
        lines_done: b.linesDone!,
        claimed_at: b.at,
        events_count: eb('events_count', '+', b.eventsProduced),
        errors_count: eb('errors_count', '+', b.deadLetters.length),
      }))
      .where('id', '=', b.reportId)
      .where('claimed_by', '=', b.workerId)
      .where('state', '=', 'processing')
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) throw new LostClaim();
  } else {
    await trx
      .updateTable('raw_reports')
      .set((eb) => ({
        events_count: eb('events_count', '+', b.eventsProduced),
        errors_count: eb('errors_count', '+', b.deadLetters.length),
      }))
      .where('id', '=', b.reportId)
      .execute();
  }
  let inserted = 0;
  let ids: number[] = [];
  if (b.events.length > 0) {
    // Sorted keys: concurrent workers take the unique index's locks in one order (no deadlock cycles).
    const events = [...b.events].sort((x, y) =>
      x.dedupKey < y.dedupKey ? -1 : x.dedupKey > y.dedupKey ? 1 : 0,
    );
    // the ids the worker knows (repeats of this report's events) need no look-up
    const existing = new Map<string, number>();
    for (const u of events) if (u.id) existing.set(u.dedupKey, u.id);
    for (const [k, id] of await findPgIds(
      trx,
      events.filter((u) => !u.id).map((u) => u.dedupKey),
    ))
      existing.set(k, id);
    let fresh = events.filter((u) => !existing.has(u.dedupKey));
    // stored by an earlier batch of this report, so it must be there: never store it unenriched
    const lost = fresh.find((u) => u.stored);
    if (lost) throw new Error(`events: key ${lost.dedupKey} of an earlier batch is not stored`);
    const newIds: number[] = [];
    const newCounts: number[] = [];
    const insertedIds = new Map<string, number>();
    if (fresh.length > 0) {
      const columns: unknown[][] = ALL_COLUMNS.map(() => new Array(fresh.length));
      for (let r = 0; r < fresh.length; r++) {
        const values = rowValues(fresh[r]!, b.reportId, b.feed, b.at);
        for (let c = 0; c < WIDTH; c++) columns[c]![r] = values[c];
      }
      const unnest = sql.join(columns.map((col, c) => sql`${col}::${sql.raw(ALL_PG_TYPES[c]!)}[]`));
      // DO NOTHING takes no row lock and rewrites nothing: a key another worker stored meanwhile
      // (its insert committed while this one waited on the unique index) becomes a merge below.
      const returned = await sql<{ id: string | number; dedup_key: string }>`
        insert into events (${sql.raw(ALL_COLUMNS.join(','))})
        select * from unnest(${unnest})
        on conflict (dedup_key) do nothing
        returning id, dedup_key`.execute(trx);
      const freshByKey = new Map<string, EventUpsert>();
      for (const u of fresh) freshByKey.set(u.dedupKey, u);
      for (const r of returned.rows) {
        newIds.push(Number(r.id));
        insertedIds.set(r.dedup_key, Number(r.id));
        newCounts.push(freshByKey.get(r.dedup_key)!.count);
        freshByKey.delete(r.dedup_key);
      }
      inserted = returned.rows.length;
      fresh = [...freshByKey.values()];
      if (fresh.length > 0)
        for (const [k, id] of await findPgIds(
          trx,
          fresh.map((u) => u.dedupKey),
        ))
          existing.set(k, id);
      // neither inserted nor found: deleted by a concurrent reprocess in between; start over
      if (fresh.some((u) => !existing.has(u.dedupKey)))
        throw Object.assign(new Error('events: a key was neither inserted nor found; retrying the batch'), {
          code: '40001',
        });
    }
    if (newIds.length > 0) {
      const order = newIds.map((_, k) => k).sort((x, y) => newIds[x]! - newIds[y]!);
      await sql`
        insert into event_sources (raw_report_id, event_id, count)
        select ${b.reportId}::int8, e, c from unnest(${order.map((k) => newIds[k])}::int8[], ${order.map((k) => newCounts[k])}::int8[]) as t(e, c)
        on conflict (raw_report_id, event_id) do update set count = event_sources.count + excluded.count`.execute(
        trx,
      );
    }
    ids = b.events.map((u) => existing.get(u.dedupKey) ?? insertedIds.get(u.dedupKey)!);
    const merged = events.filter((u) => existing.has(u.dedupKey));
    if (merged.length > 0 && b.linesDone === null) {
      // a dead-letter retry into a finished report (never folded again): merged at once, in id order
      merged.sort((x, y) => existing.get(x.dedupKey)! - existing.get(y.dedupKey)!);
      const ids = merged.map((u) => existing.get(u.dedupKey)!);
      const counts = merged.map((u) => u.count);
      await sql`
        update events set count = events.count + t.c,
          first_seen = least(events.first_seen, t.f), last_seen = greatest(events.last_seen, t.l)
        from unnest(${ids}::int8[], ${counts}::int8[], ${merged.map((u) => u.firstSeen)}::text[],
          ${merged.map((u) => u.lastSeen)}::text[]) as t(e, c, f, l)
        where events.id = t.e`.execute(trx);
      await sql`
        insert into event_sources (raw_report_id, event_id, count)
        select ${b.reportId}::int8, e, c from unnest(${ids}::int8[], ${counts}::int8[]) as t(e, c)
        on conflict (raw_report_id, event_id) do update set count = event_sources.count + excluded.count`.execute(
        trx,
      );
    } else if (merged.length > 0)
      await sql`
        insert into event_merges (raw_report_id, event_id, count, first_seen, last_seen)
        select ${b.reportId}::int8, e, c, f, l
        from unnest(${merged.map((u) => existing.get(u.dedupKey)!)}::int8[], ${merged.map((u) => u.count)}::int8[],
          ${merged.map((u) => u.firstSeen)}::text[], ${merged.map((u) => u.lastSeen)}::text[]) as t(e, c, f, l)`.execute(
        trx,
      );
  }
  if (b.deadLetters.length > 0) {
    await sql`
      insert into dead_letters (raw_report_id, feed, line, raw, error, attempts, created_at)
      select ${b.reportId}::int8, ${b.feed}, l, r, e, 1, ${b.at}
      from unnest(${b.deadLetters.map((d) => d.line)}::int8[], ${b.deadLetters.map((d) => d.raw)}::text[],
        ${b.deadLetters.map((d) => d.error)}::text[]) as t(l, r, e)`.execute(trx);
  }
  return { committed: true, inserted, ids };
}

/** Ids of the stored events with these dedup keys (PostgreSQL). */
async function findPgIds(trx: Transaction<DB>, keys: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (keys.length === 0) return out;
  const rows = await sql<{ id: string | number; dedup_key: string }>`
    select id, dedup_key from events where dedup_key = any(${keys}::text[])`.execute(trx);
  for (const r of rows.rows) out.set(r.dedup_key, Number(r.id));
  return out;
}

/**
 * Folds a report's pending merges on PostgreSQL (event_merges rows) into its events and its shares
 * (event_sources), in event-id order, and deletes them: run once per report, in the transaction
 * that finishes it. SQLite's fold (both forms of its pending merges) is `foldSqliteMerges`.
 */
async function foldMerges(trx: Transaction<DB>, reportId: number): Promise<void> {
  // one statement: the grouping runs once and feeds both writes
  await sql`
    with d as (select event_id, sum(count) as c, min(first_seen) as f, max(last_seen) as l
      from event_merges where raw_report_id = ${reportId} group by event_id),
    u as (update events set count = events.count + d.c,
      first_seen = least(events.first_seen, d.f), last_seen = greatest(events.last_seen, d.l)
      from d where events.id = d.event_id)
    insert into event_sources (raw_report_id, event_id, count)
    select ${reportId}::int8, event_id, c from d order by event_id
    on conflict (raw_report_id, event_id) do update set count = event_sources.count + excluded.count`.execute(
    trx,
  );
  await trx.deleteFrom('event_merges').where('raw_report_id', '=', reportId).execute();
}

/** Waits until no other (Kysely) transaction is open on the shared SQLite connection. */
async function whenSqliteIdle(handle: SQLite.Database): Promise<void> {
  while (handle.inTransaction) await new Promise((r) => setTimeout(r, 1));
}

/**
 * Page cache (KiB) of a SQLite connection while it processes a report: batches append, so a
 * larger cache buys no speed (measured: 32 MiB as fast as 64 MiB at 1,000,000 lines) and only
 * raises the worker's peak memory. Restored when the report is finished or released.
 */
const PROCESSING_CACHE_KIB = 32_768;
/**
 * Page cache (KiB) while a report finishes on SQLite. Its fold groups the report's merges in one
 * sort, whose sorted runs are the cache's size: with small runs the connection's sorter threads
 * (SORT_THREADS, db/database.ts) sort them on the other core while the merges are read. Measured
 * on the bench's 734,943 merges: the grouping 0.61–0.65 s with 4 MiB against 1.03–1.42 s with
 * 16 MiB and no threads; the fold 2.05–2.20 s against 2.53–3.27 s (docs/performance.md).
 */
const FINISH_CACHE_KIB = 4096;

/** Sets a connection's page cache to at most `kib` (freeing pages beyond it); returns the undo. */
function shrinkCache(handle: SQLite.Database, kib: number): () => void {
  const before = handle.pragma('cache_size', { simple: true }) as number;
  // negative: KiB; positive: pages of the file's page size
  const pageKib = (handle.pragma('page_size', { simple: true }) as number) / 1024;
  const beforeKib = before < 0 ? -before : before * pageKib;
  if (beforeKib <= kib) return () => {};
  handle.pragma(`cache_size = ${-kib}`);
  return () => handle.pragma(`cache_size = ${before}`);
}

/** Tables whose secondary indexes a report into an empty event store defers. */
const EVENT_TABLES = ['events'];

const CHUNK_SELECT = 'select data from raw_report_chunks where report_id = ? and seq = ?';

export interface PipelineRepositoryOptions {
  /**
   * SQLite files: commit batches in a thread of its own (db/pipeline-writer.thread.ts) with its
   * own connection, so that the report processor parses and enriches the next batch while this
   * one is written. `never` (default: measured slower on a busy 2-core machine, where copying each
   * batch to the thread costs more than the overlap saves, docs/performance.md); `auto`: a report's
   * first batch is written on the caller's
   * connection and the thread takes over from its second, so a small report never waits for a
   * thread to start (a first load into an empty store excepted: the thread writes all of it);
   * `always`; `never`. In-memory databases never do.
   */
  writerThread?: 'auto' | 'always' | 'never';
}

export function createPipelineRepository(
  database: Pick<Database, 'db' | 'sqlite' | 'dialect'>,
  options: PipelineRepositoryOptions = {},
): PipelinePort {
  const db: Kysely<DB> = database.db;
  const handle = database.sqlite;
  const mode = options.writerThread ?? 'never';
  const threaded = handle !== null && mode !== 'never' && !handle.memory && handle.name !== '';
  let writeHere: ((batch: PackedBatch) => BatchResult) | null = null;
  let thread: PipelineWriterThread | null = null;
  let lastReport = -1;
  /** Set while this repository has the events table's secondary indexes set aside. */
  let deferred = false;
  /** Builds the indexes set aside by a report's first batch, once the report is finished or released. */
  /** Undoes the processing page cache (set at a claim, undone at finish or release). */
  let restoreProcessingCache: (() => void) | null = null;
  const useProcessingCache = () => {
    if (handle && !restoreProcessingCache) restoreProcessingCache = shrinkCache(handle, PROCESSING_CACHE_KIB);
  };
  const useNormalCache = () => {
    restoreProcessingCache?.();
    restoreProcessingCache = null;
  };
  const restoreIndexes = () => {
    if (!handle || !deferred) return;
    deferred = false;
    // with a small page cache and sorted runs (bulk-load.ts): the worker's memory stays bounded
    restoreDeferredIndexes(handle);
  };

  async function refreshFeedTotals(
    executor: Kysely<DB> | Transaction<DB>,
    feed: string,
    at: string,
    status: string,
    error: string | null,
  ) {
    const totals = await executor
      .selectFrom('raw_reports')
      .select((eb) => [
        eb.fn.countAll<number>().as('reports'),
        eb.fn.coalesce(eb.fn.sum<number>('events_count'), sql<number>`0`).as('events'),
        eb.fn.coalesce(eb.fn.sum<number>('errors_count'), sql<number>`0`).as('errors'),
      ])
      .where('feed', '=', feed)
      .where('state', 'in', ['pending', 'processing', 'done', 'failed'])
      .executeTakeFirstOrThrow();
    const values = {
      last_run_at: at,
      last_status: status,
      last_error: error,
      reports_total: Number(totals.reports),
      events_total: Number(totals.events),
      errors_total: Number(totals.errors),
    };
    await executor
      .insertInto('feed_state')
      .values({ feed, ...values })
      .onConflict((oc) => oc.column('feed').doUpdateSet(values))
      .execute();
  }

  /** The state change of finishRawReport and the fold of the report's merges, one transaction. */
  function finishOnce(
    reportId: number,
    workerId: string,
    outcome: { state: 'done' | 'failed'; error: string | null; at: string },
    pg: boolean,
  ): Promise<boolean> {
    return db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('raw_reports')
        .set({
          state: outcome.state,
          error: outcome.error,
          finished_at: outcome.at,
          claimed_by: null,
          claimed_at: null,
        })
        .where('id', '=', reportId)
        .where('claimed_by', '=', workerId)
        .where('state', '=', 'processing')
        .returning('feed')
        .executeTakeFirst();
      if (!row) return false;
      // the report's merges become visible with its state change, never half of them (SQLite:
      // on the same connection, inside this transaction)
      if (pg) await foldMerges(trx, reportId);
      else if (handle) foldSqliteMerges(handle, reportId);
      await refreshFeedTotals(
        trx,
        row.feed,
        outcome.at,
        outcome.state === 'done' ? 'ok' : 'error',
        outcome.error,
      );
      return true;
    });
  }

  return {
    async createRawReport(input) {
      const row = await db
        .insertInto('raw_reports')
        .values({
          feed: input.feed,
          file_name: input.fileName,
          source: input.source,
          received_at: input.receivedAt,
          bytes: 0,
          sha256: '',
          state: 'receiving',
          attempts: 0,
          lines_done: 0,
          events_count: 0,
          errors_count: 0,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return Number(row.id);
    },

    async appendRawChunk(reportId, seq, data) {
      await db.insertInto('raw_report_chunks').values({ report_id: reportId, seq, data }).execute();
    },

    async completeRawReport(reportId, info) {
      await db
        .updateTable('raw_reports')
        .set({ bytes: info.bytes, sha256: info.sha256, state: 'pending' })
        .where('id', '=', reportId)
        .where('state', '=', 'receiving')
        .execute();
    },

    async deleteRawReport(reportId) {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('raw_report_chunks').where('report_id', '=', reportId).execute();
        await trx.deleteFrom('raw_reports').where('id', '=', reportId).execute();
      });
    },

    async findRawReportBySha(feed, sha256) {
      const row = await db
        .selectFrom('raw_reports')
        .select('id')
        .where('feed', '=', feed)
        .where('sha256', '=', sha256)
        .where('state', '!=', 'receiving')
        .orderBy('id')
        .limit(1)
        .executeTakeFirst();
      return row ? Number(row.id) : null;
    },

    async *readRawContent(reportId) {
      if (handle) {
        const stmt = handle.prepare(CHUNK_SELECT).pluck();
        for (let seq = 0; ; seq++) {
          const data = stmt.get(reportId, seq) as Buffer | undefined;
          if (!data) return;
          yield data;
        }
      }
      for (let seq = 0; ; seq++) {
        const row = await db
          .selectFrom('raw_report_chunks')
          .select('data')
          .where('report_id', '=', reportId)
          .where('seq', '=', seq)
          .executeTakeFirst();
        if (!row) return;
        yield Buffer.from(row.data);
      }
    },

    async getRawReport(reportId) {
      const row = await db
        .selectFrom('raw_reports')
        .selectAll()
        .where('id', '=', reportId)
        .executeTakeFirst();
      return row ? toRawReport(row) : null;
    },

    async listRawReports(q) {
      let query = db.selectFrom('raw_reports').selectAll();
      if (q.feed !== undefined) query = query.where('feed', '=', q.feed);
      if (q.state !== undefined) query = query.where('state', '=', q.state);
      if (q.beforeId !== undefined) query = query.where('id', '<', q.beforeId);
      const rows = await query.orderBy('id', 'desc').limit(q.limit).execute();
      return rows.map(toRawReport);
    },

    async claimRawReport(req) {
      const pg = database.dialect === 'postgres';
      let pick = db
        .selectFrom('raw_reports')
        .select('id')
        .where((eb) =>
          eb.or([
            eb('state', '=', 'pending'),
            eb.and([eb('state', '=', 'processing'), eb('claimed_at', '<', req.leaseExpiredBefore)]),
          ]),
        );
      if (req.reportId !== undefined) pick = pick.where('id', '=', req.reportId);
      if (req.feeds !== undefined) {
        if (req.feeds.length === 0) return null;
        pick = pick.where('feed', 'in', [...req.feeds]);
      }
      pick = pick.orderBy('id').limit(1);
      const picked = pg ? pick.forUpdate().skipLocked() : pick;
      const row = await db
        .updateTable('raw_reports')
        .set((eb) => ({
          state: 'processing',
          claimed_by: req.workerId,
          claimed_at: req.now,
          attempts: eb('attempts', '+', 1),
        }))
        .where('id', '=', (eb) => eb.selectFrom(picked.as('p')).select('p.id'))
        .returningAll()
        .executeTakeFirst();
      if (!row) return null;
      useProcessingCache();
      return toRawReport(row);
    },

    async countLiveClaims(workerId, leaseExpiredBefore) {
      const row = await db
        .selectFrom('raw_reports')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('state', '=', 'processing')
        .where('claimed_by', '!=', workerId)
        .where('claimed_at', '>=', leaseExpiredBefore)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async commitBatch(batch) {
      if (handle) {
        const again = batch.reportId === lastReport;
        lastReport = batch.reportId;
        // Into an empty event store (a new installation's first, often largest, report), the
        // secondary indexes are built once when the report ends instead of row by row
        // (db/bulk-load.ts: crash-safe, a crashed load's indexes are rebuilt on the next open).
        if (!again && batch.linesDone !== null && !deferred) {
          await whenSqliteIdle(handle);
          deferred = deferIndexesIfEmpty(handle, EVENT_TABLES);
        }
        const packed = packBatch(batch);
        // `auto` writes a report's first batch here, so that a small report never starts a thread
        // — but not a first load into an empty store: the thread must write from its first batch
        // to know every key stored (OwnKeys) and keep the indexes set aside to the end
        if (threaded && (mode === 'always' || again || thread || deferred)) {
          thread ??= startPipelineWriterThread(handle.name);
          return thread.write(packed);
        }
        await whenSqliteIdle(handle);
        writeHere ??= writeSqliteBatchTransaction(handle);
        return writeHere(packed);
      }
      for (let attempt = 0; ; attempt++) {
        try {
          return await db.transaction().execute((trx) => writePgBatch(trx, batch));
        } catch (e) {
          if (e instanceof LostClaim) return { committed: false, inserted: 0 };
          if (isRetryable(e) && attempt < 5) {
            await new Promise((r) => setTimeout(r, 20 * (attempt + 1) + Math.random() * 50));
            continue;
          }
          throw e;
        }
      }
    },

    async finishRawReport(reportId, workerId, outcome) {
      // SQLite: the index builds and the fold are sorts whose memory follows the page cache; with
      // a smaller cache for them the worker's peak stays where the batches kept it
      const restoreCache = handle ? shrinkCache(handle, FINISH_CACHE_KIB) : () => {};
      try {
        restoreIndexes();
        const pg = database.dialect === 'postgres';
        // PostgreSQL: two workers folding into shared events at once may deadlock; the victim retries
        for (let attempt = 0; ; attempt++) {
          try {
            return await finishOnce(reportId, workerId, outcome, pg);
          } catch (e) {
            if (pg && isRetryable(e) && attempt < 5) {
              await new Promise((r) => setTimeout(r, 20 * (attempt + 1) + Math.random() * 50));
              continue;
            }
            throw e;
          }
        }
      } finally {
        restoreCache();
        useNormalCache();
      }
    },

    async markRulesDone(reportId, workerId, line) {
      await db
        .updateTable('raw_reports')
        .set({ rules_line: line })
        .where('id', '=', reportId)
        .where('claimed_by', '=', workerId)
        .where('rules_line', '<', line)
        .execute();
    },

    async eventsAwaitingRules(reportId, lines, page) {
      // the events this report stored first in those lines (its share rows lead to them); events
      // of other reports it only merged into were through the rules when they were stored
      const rows = await db
        .selectFrom('event_sources as s')
        .innerJoin('events as e', 'e.id', 's.event_id')
        .selectAll('e')
        .where('s.raw_report_id', '=', reportId)
        .where('e.raw_report_id', '=', reportId)
        .where('e.line', '>', lines.after)
        .where('e.line', '<=', lines.through)
        .where('e.id', '>', page.afterId)
        .orderBy('e.id')
        .limit(page.limit)
        .execute();
      return rows.map((r) => ({ id: Number(r.id), dedupKey: r.dedup_key, event: eventOfRow(r) }));
    },

    async releaseRawReport(reportId, workerId) {
      restoreIndexes();
      useNormalCache();
      await db
        .updateTable('raw_reports')
        .set({ state: 'pending', claimed_by: null, claimed_at: null })
        .where('id', '=', reportId)
        .where('claimed_by', '=', workerId)
        .where('state', '=', 'processing')
        .execute();
    },

    async resetRawReport(reportId) {
      return db.transaction().execute(async (trx) => {
        // SQLite's packed merge runs read as rows below (db/merge-runs.ts)
        if (handle) expandMergeRuns(handle);
        const updated = await sql`
          update events set count = events.count - s.count
          from event_sources s
          where s.raw_report_id = ${reportId} and s.event_id = events.id`.execute(trx);
        // an event left with nothing is deleted, unless another report's merge into it is still
        // pending (that report's fold gives it its share back)
        const deleted = await trx
          .deleteFrom('events')
          .where('id', 'in', (eb) =>
            eb.selectFrom('event_sources').select('event_id').where('raw_report_id', '=', reportId),
          )
          .where('count', '<=', 0)
          .where('id', 'not in', (eb) =>
            eb.selectFrom('event_merges').select('event_id').where('raw_report_id', '!=', reportId),
          )
          .executeTakeFirst();
        // events the report touched only through merges still pending: their share (never added)
        // goes too, so they count as reduced
        const pendingOnly = await trx
          .selectFrom('event_merges')
          .select((eb) => eb.fn.count<number | string | bigint>('event_id').distinct().as('n'))
          .where('raw_report_id', '=', reportId)
          .where('event_id', 'not in', (eb) =>
            eb.selectFrom('event_sources').select('event_id').where('raw_report_id', '=', reportId),
          )
          .executeTakeFirstOrThrow();
        await trx.deleteFrom('event_sources').where('raw_report_id', '=', reportId).execute();
        // the report's own merges never reached its events: dropped with it
        await trx.deleteFrom('event_merges').where('raw_report_id', '=', reportId).execute();
        const dl = await trx
          .deleteFrom('dead_letters')
          .where('raw_report_id', '=', reportId)
          .executeTakeFirst();
        await trx
          .updateTable('raw_reports')
          .set({
            state: 'pending',
            attempts: 0,
            lines_done: 0,
            rules_line: 0,
            events_count: 0,
            errors_count: 0,
            claimed_by: null,
            claimed_at: null,
            error: null,
            finished_at: null,
          })
          .where('id', '=', reportId)
          .execute();
        const eventsDeleted = Number(deleted.numDeletedRows);
        return {
          eventsDeleted,
          eventsReduced: Number(updated.numAffectedRows ?? 0) - eventsDeleted + Number(pendingOnly.n),
          deadLettersDeleted: Number(dl.numDeletedRows),
        };
      });
    },

    async listDeadLetters(q) {
      let query = db.selectFrom('dead_letters').selectAll();
      if (q.feed !== undefined) query = query.where('feed', '=', q.feed);
      if (q.reportId !== undefined) query = query.where('raw_report_id', '=', q.reportId);
      if (q.ids !== undefined) {
        if (q.ids.length === 0) return [];
        query = query.where('id', 'in', [...q.ids]);
      }
      if (!q.includeRetried) query = query.where('retried_at', 'is', null);
      if (q.beforeId !== undefined) query = query.where('id', '<', q.beforeId);
      const rows = await query.orderBy('id', 'desc').limit(q.limit).execute();
      return rows.map((r): DeadLetterRecord => ({
        id: Number(r.id),
        rawReportId: Number(r.raw_report_id),
        feed: r.feed,
        line: Number(r.line),
        raw: r.raw,
        error: r.error,
        attempts: Number(r.attempts),
        createdAt: r.created_at,
        retriedAt: r.retried_at,
      }));
    },

    async markDeadLetters(outcome, at) {
      await db.transaction().execute(async (trx) => {
        if (outcome.succeeded.length > 0)
          await trx
            .updateTable('dead_letters')
            .set((eb) => ({ retried_at: at, attempts: eb('attempts', '+', 1) }))
            .where('id', 'in', [...outcome.succeeded])
            .execute();
        for (const f of outcome.failed)
          await trx
            .updateTable('dead_letters')
            .set((eb) => ({ error: f.error, attempts: eb('attempts', '+', 1) }))
            .where('id', '=', f.id)
            .execute();
      });
    },

    async getFeedState(feed) {
      const row = await db.selectFrom('feed_state').selectAll().where('feed', '=', feed).executeTakeFirst();
      return row ? toFeedState(row) : null;
    },

    async listFeedStates() {
      const rows = await db.selectFrom('feed_state').selectAll().orderBy('feed').execute();
      return rows.map(toFeedState);
    },

    async recordFetch(u) {
      const values: {
        last_fetch_at: string;
        last_status: string;
        last_error: string | null;
        etag?: string | null;
        last_modified?: string | null;
      } = { last_fetch_at: u.at, last_status: u.status, last_error: u.error ?? null };
      if (u.etag !== undefined) values.etag = u.etag;
      if (u.lastModified !== undefined) values.last_modified = u.lastModified;
      await db
        .insertInto('feed_state')
        .values({ feed: u.feed, reports_total: 0, events_total: 0, errors_total: 0, ...values })
        .onConflict((oc) => oc.column('feed').doUpdateSet(values))
        .execute();
    },

    async countEvents(feed) {
      let query = db
        .selectFrom('events')
        .select((eb) => [
          eb.fn.countAll<number>().as('rows'),
          eb.fn.coalesce(eb.fn.sum<number>('count'), sql<number>`0`).as('occurrences'),
        ]);
      if (feed !== undefined) query = query.where('feed', '=', feed);
      const row = await query.executeTakeFirstOrThrow();
      return { rows: Number(row.rows), occurrences: Number(row.occurrences) };
    },
  };
}

function toFeedState(r: Selectable<DB['feed_state']>): FeedStateRecord {
  return {
    feed: r.feed,
    lastRunAt: r.last_run_at,
    lastStatus: r.last_status,
    lastError: r.last_error,
    lastFetchAt: r.last_fetch_at,
    etag: r.etag,
    lastModified: r.last_modified,
    reportsTotal: Number(r.reports_total),
    eventsTotal: Number(r.events_total),
    errorsTotal: Number(r.errors_total),
  };
}
