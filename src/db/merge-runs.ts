import type BetterSqlite3 from 'better-sqlite3';

/*
 * A SQLite batch's pending merges as one packed row (ADR 0015): `event_merge_runs(raw_report_id,
 * data)`, where `data` holds MERGE_FIELDS little-endian float64 values per merge: the event's id,
 * the occurrences, and the first and last time seen as milliseconds since the epoch (the events'
 * times are canonical ISO text, `Date#toISOString`, so the milliseconds give the text back). A
 * batch of 10,000 events writes one row of ~240 KB instead of ~7,500 rows of five parameters
 * each; the report's fold reads them back in order. PostgreSQL keeps one `event_merges` row per
 * merge (written with `unnest`, one statement a batch).
 */

/** float64 values per merge: id, count, first seen (ms), last seen (ms). */
export const MERGE_FIELDS = 4;
const BYTES = MERGE_FIELDS * 8;

/** A batch's merges being packed, then written as one run. */
export class MergeRunWriter {
  private view: DataView;
  private n = 0;

  constructor(capacity: number) {
    this.view = new DataView(new ArrayBuffer(Math.max(1, capacity) * BYTES));
  }

  get size(): number {
    return this.n;
  }

  add(id: number, count: number, firstMs: number, lastMs: number): void {
    if (!Number.isFinite(firstMs) || !Number.isFinite(lastMs))
      throw new Error(`event merge: not a time (${firstMs}, ${lastMs}) for event ${id}`);
    const v = this.view;
    const p = this.n * BYTES;
    v.setFloat64(p, id, true);
    v.setFloat64(p + 8, count, true);
    v.setFloat64(p + 16, firstMs, true);
    v.setFloat64(p + 24, lastMs, true);
    this.n++;
  }

  /** The packed merges (a view of the writer's memory: written before the next `add`). */
  bytes(): Buffer {
    return Buffer.from(this.view.buffer, 0, this.n * BYTES);
  }
}

/** Calls `each` for every merge packed in a run's data. */
export function readMergeRun(
  data: Uint8Array,
  each: (id: number, count: number, firstMs: number, lastMs: number) => void,
): void {
  if (data.byteLength % BYTES !== 0)
    throw new Error(`event_merge_runs: a run of ${data.byteLength} bytes is not whole merges`);
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let p = 0; p < data.byteLength; p += BYTES)
    each(
      v.getFloat64(p, true),
      v.getFloat64(p + 8, true),
      v.getFloat64(p + 16, true),
      v.getFloat64(p + 24, true),
    );
}

/** Runs read per query while folding (a page of rows; each is one batch's merges). */
const RUNS_PER_PAGE = 16;
/** `event_merges` rows read per query while folding (one merge each). */
const ROWS_PER_PAGE = 10_000;
/** Distinct events aggregated in memory before they are written (bounds the fold's memory). */
const FOLD_EVENTS = 1 << 18;
/** The temporary table a pass's sums go through (SQLite then walks the events in id order). */
const FOLD_TABLE = 'certops_merge_fold';
/** Rows per statement filling the fold's table. */
const FOLD_ROWS = 200;

/**
 * The ISO text of a time in milliseconds, remembering the texts already made (a report's times
 * repeat: one a second at most for a day's file; formatting a date was the dearest step of the
 * fold's own work). Forgets them all past 131,072.
 */
function createIsoCache(): (ms: number) => string {
  const texts = new Map<number, string>();
  return (ms) => {
    let t = texts.get(ms);
    if (t === undefined) {
      t = new Date(ms).toISOString();
      if (texts.size >= 1 << 17) texts.clear();
      texts.set(ms, t);
    }
    return t;
  };
}

/**
 * Folds a report's pending merges on SQLite, both forms (runs from batches, and `event_merges`
 * rows from a reset, a duplicate-key repair or an older worker), into its events (count,
 * first_seen, last_seen) and its shares (event_sources), then deletes them. The merges are summed
 * per event in memory, at most FOLD_EVENTS events a pass; each pass's sums go into a temporary
 * table keyed by event id, from which one UPDATE and one upsert walk the events and shares in id
 * order (an event that comes back in a later pass is updated again: the updates add up). Runs
 * inside the caller's transaction. Returns the number of merges folded.
 */
export function foldSqliteMerges(
  handle: BetterSqlite3.Database,
  reportId: number,
  foldEvents: number = FOLD_EVENTS,
): number {
  const pending = (table: string) =>
    handle.prepare(`select 1 from ${table} where raw_report_id = ? limit 1`).get(reportId) !== undefined;
  const runs = pending('event_merge_runs');
  const rows = pending('event_merges');
  if (!runs && !rows) return 0;
  // each pass's sums, keyed by event id: the writes below walk the events in id order
  handle.exec(`drop table if exists temp.${FOLD_TABLE};
    create temp table ${FOLD_TABLE} (event_id integer primary key, c integer not null, f text not null, l text not null)`);
  const fillMany = handle.prepare(
    `insert into temp.${FOLD_TABLE} (event_id, c, f, l) values ${new Array(FOLD_ROWS).fill('(?,?,?,?)').join(',')}`,
  );
  const fillOne = handle.prepare(`insert into temp.${FOLD_TABLE} (event_id, c, f, l) values (?,?,?,?)`);
  const update = handle.prepare(
    `update events set count = events.count + d.c, first_seen = min(events.first_seen, d.f),
       last_seen = max(events.last_seen, d.l)
     from temp.${FOLD_TABLE} as d where events.id = d.event_id`,
  );
  const shares = handle.prepare(
    `insert into event_sources (raw_report_id, event_id, count)
     select ?, event_id, c from temp.${FOLD_TABLE} where true order by event_id
     on conflict (raw_report_id, event_id) do update set count = event_sources.count + excluded.count`,
  );
  const clear = handle.prepare(`delete from temp.${FOLD_TABLE}`);
  const isoOf = createIsoCache();
  const slotOf = new Map<number, number>();
  const ids = new Float64Array(foldEvents);
  const counts = new Float64Array(foldEvents);
  const firsts = new Float64Array(foldEvents);
  const lasts = new Float64Array(foldEvents);
  const params: unknown[] = new Array(FOLD_ROWS * 4);
  let merges = 0;
  const flush = () => {
    const n = slotOf.size;
    if (n === 0) return;
    const order = ids.slice(0, n).sort();
    const row = (k: number, out: unknown[], p: number) => {
      const id = order[k]!;
      const s = slotOf.get(id)!;
      out[p] = id;
      out[p + 1] = counts[s];
      out[p + 2] = isoOf(firsts[s]!);
      out[p + 3] = isoOf(lasts[s]!);
    };
    let i = 0;
    for (; i + FOLD_ROWS <= n; i += FOLD_ROWS) {
      for (let k = 0; k < FOLD_ROWS; k++) row(i + k, params, k * 4);
      fillMany.run(params);
    }
    const one: unknown[] = new Array(4);
    for (; i < n; i++) {
      row(i, one, 0);
      fillOne.run(one);
    }
    update.run();
    shares.run(reportId);
    clear.run();
    slotOf.clear();
  };
  const add = (id: number, count: number, firstMs: number, lastMs: number) => {
    merges++;
    let s = slotOf.get(id);
    if (s === undefined) {
      if (slotOf.size === foldEvents) flush();
      s = slotOf.size;
      slotOf.set(id, s);
      ids[s] = id;
      counts[s] = count;
      firsts[s] = firstMs;
      lasts[s] = lastMs;
      return;
    }
    counts[s]! += count;
    if (firstMs < firsts[s]!) firsts[s] = firstMs;
    if (lastMs > lasts[s]!) lasts[s] = lastMs;
  };
  if (runs) {
    const page = handle.prepare(
      'select id, data from event_merge_runs where raw_report_id = ? and id > ? order by id limit ?',
    );
    for (let after = 0; ;) {
      const got = page.all(reportId, after, RUNS_PER_PAGE) as { id: number; data: Buffer }[];
      for (const r of got) readMergeRun(r.data, add);
      if (got.length < RUNS_PER_PAGE) break;
      after = got[got.length - 1]!.id;
    }
  }
  if (rows) {
    // one merge a row; its times are ISO text as the processor stores them (a valid time: the
    // processor sends a line whose time does not parse to the dead letters)
    const page = handle.prepare(
      `select id, event_id, count, first_seen, last_seen from event_merges
       where raw_report_id = ? and id > ? order by id limit ?`,
    );
    for (let after = 0; ;) {
      const got = page.all(reportId, after, ROWS_PER_PAGE) as {
        id: number;
        event_id: number;
        count: number;
        first_seen: string;
        last_seen: string;
      }[];
      for (const r of got) add(r.event_id, r.count, Date.parse(r.first_seen), Date.parse(r.last_seen));
      if (got.length < ROWS_PER_PAGE) break;
      after = got[got.length - 1]!.id;
    }
  }
  flush();
  handle.exec(`drop table temp.${FOLD_TABLE}`);
  if (runs) deleteReportRows(handle, 'event_merge_runs', reportId);
  if (rows) deleteReportRows(handle, 'event_merges', reportId);
  return merges;
}

/** Deletes a report's rows of a pending-merge table. */
function deleteReportRows(handle: BetterSqlite3.Database, table: string, reportId: number): void {
  const span = handle
    .prepare(`select min(raw_report_id) as lo, max(raw_report_id) as hi from ${table}`)
    .get() as { lo: number | null; hi: number | null };
  // the report's rows are all there is (one worker): an unqualified DELETE frees the pages at once
  if (span.lo === reportId && span.hi === reportId) handle.exec(`delete from ${table}`);
  else handle.prepare(`delete from ${table} where raw_report_id = ?`).run(reportId);
}

/**
 * Turns every pending merge run into `event_merges` rows (one per merge), for the rare paths that
 * read pending merges row by row: a report's reset, the repair of duplicate dedup keys. Runs inside
 * the caller's transaction; the fold handles both forms.
 */
export function expandMergeRuns(handle: BetterSqlite3.Database): number {
  const runs = handle.prepare('select id, raw_report_id, data from event_merge_runs order by id').all() as {
    id: number;
    raw_report_id: number;
    data: Buffer;
  }[];
  if (runs.length === 0) return 0;
  const insert = handle.prepare(
    'insert into event_merges (raw_report_id, event_id, count, first_seen, last_seen) values (?, ?, ?, ?, ?)',
  );
  let n = 0;
  for (const r of runs)
    readMergeRun(r.data, (id, count, firstMs, lastMs) => {
      insert.run(r.raw_report_id, id, count, new Date(firstMs).toISOString(), new Date(lastMs).toISOString());
      n++;
    });
  handle.exec('delete from event_merge_runs');
  return n;
}
