import type BetterSqlite3 from 'better-sqlite3';
import { SORT_THREADS } from './database.ts';
import { drawTrackingNumber } from './tracking-numbers.ts';
import { expandMergeRuns } from './merge-runs.ts';

/** The tables a bulk import of reports writes. */
const BULK_TABLES = ['incidents', 'reports', 'observables', 'actions'];

/**
 * Bulk loading into an empty SQLite database (a CERT's first migration from its old tracker):
 * inserting into tables with ~20 secondary indexes costs several times more than inserting
 * without them and building each index once at the end (a sort). So when the tables are empty,
 * the secondary indexes (not primary keys, foreign-key constraints or unique indexes, except those
 * in UNIQUE_REPAIRS) are set aside — their definitions saved in `certops_deferred_indexes` in the
 * same transaction that drops them — and rebuilt when the load ends. If the process dies in
 * between, `restoreDeferredIndexes` (run on every open, after migrations) rebuilds them, so a
 * crash costs time, never an index.
 */
export function deferIndexesIfEmpty(
  handle: BetterSqlite3.Database,
  /** The tables whose indexes are set aside; the first must be empty (default: the import's). */
  tables: readonly string[] = BULK_TABLES,
): boolean {
  return handle
    .transaction(() => {
      const rows = handle
        .prepare(`select count(*) as n from (select 1 from "${tables[0]}" limit 1)`)
        .get() as {
        n: number;
      };
      if (rows.n > 0) return false;
      const indexes = handle
        .prepare(
          `select name, sql from sqlite_master where type = 'index' and sql is not null
           and tbl_name in (${tables.map(() => '?').join(', ')})
           and (sql not like 'CREATE UNIQUE%' or name in (${DEFERRABLE_UNIQUE.map(() => '?').join(', ')}))`,
        )
        .all(...tables, ...DEFERRABLE_UNIQUE) as { name: string; sql: string }[];
      const save = handle.prepare('insert into certops_deferred_indexes (name, definition) values (?, ?)');
      for (const i of indexes) {
        save.run(i.name, i.sql);
        handle.exec(`drop index "${i.name.replace(/"/g, '""')}"`);
      }
      return indexes.length > 0;
    })
    .immediate();
}

/**
 * Page cache (KiB) while set-aside indexes are built. It also sets the size of each sorted run of
 * an index's sort (SQLite's sorter cuts the keys into runs of about the cache's size, and never
 * below 250 pages): with small runs and SORT_THREADS, helper threads sort each run while the table
 * is still being scanned, and merge them after, so the build uses the other cores. Measured on the
 * 18 indexes of a 1,000,000-report import (2 cores): 10.0–12.7 s with 4 MiB and helper threads,
 * 16.4–17.2 s in one sort held in a 1 GiB (or 16 MiB) cache (docs/performance.md).
 */
const BUILD_CACHE_KIB = 4096;

/**
 * Builds every index set aside by a bulk load (the end of a load, or after a crash), with a small
 * page cache and the sorter's helper threads (BUILD_CACHE_KIB), both restored after. Its memory is
 * bounded by the cache and the sorted runs, whatever the table's size.
 */
export function restoreDeferredIndexes(handle: BetterSqlite3.Database): number {
  const pendingCount = handle
    .prepare('select count(*) as n from certops_deferred_indexes')
    .pluck()
    .get() as number;
  if (pendingCount === 0) return 0;
  const cacheSize = handle.pragma('cache_size', { simple: true }) as number;
  const threads = handle.pragma('threads', { simple: true }) as number;
  handle.pragma(`cache_size = -${BUILD_CACHE_KIB}`);
  handle.pragma(`threads = ${SORT_THREADS}`);
  try {
    return rebuild(handle);
  } finally {
    handle.pragma(`cache_size = ${cacheSize}`);
    handle.pragma(`threads = ${threads}`);
  }
}

/**
 * Unique indexes a bulk load may set aside, each with the repair that makes its column unique
 * again should the load have written a duplicate after all.
 *
 * Tracking numbers: a bulk import generates them (the year and 50 random bits, never taken from
 * the input), so a duplicate is a coincidence of ~1 in 2,000 per million reports, or a report
 * filed through the web while the load ran. A random key inserted into a live index lands on a
 * random page (at a million reports 9–22 % of the load's time, ADR 0012). The repair gives
 * every holder of a number but one a new number: a report from outside the import keeps it (its
 * reporter may have been told it), else the earliest. The import prints no numbers, so nobody
 * has been told one of the load's yet.
 */
const UNIQUE_REPAIRS: Record<string, (handle: BetterSqlite3.Database) => number> = {
  reports_tracking_number_uq: (handle) => {
    const others = handle
      .prepare(
        `select id, received_at from (
           select id, received_at, count(*) over (partition by tracking_number) as holders,
             row_number() over (partition by tracking_number
               order by case when json_valid(meta) then json_extract(meta, '$.imported') is not null else 0 end, id) as rank
           from reports)
         where holders > 1 and rank > 1`,
      )
      .all() as { id: number; received_at: string }[];
    const taken = handle.prepare('select 1 from reports where tracking_number = ?').pluck();
    const renumber = handle.prepare('update reports set tracking_number = ? where id = ?');
    for (const r of others) {
      let number: string;
      do number = drawTrackingNumber(r.received_at);
      while (taken.get(number) !== undefined);
      renumber.run(number, r.id);
    }
    return others.length;
  },

  /*
   * Dedup keys: a report into an empty event store inserts its new keys without the index, knowing
   * them all itself (pipeline.repository.ts: it checks, in each batch's transaction, that no other
   * writer added a row meanwhile, and builds the index first when it cannot be sure). A duplicate
   * is therefore a defect, never an expected case; should one happen, the events sharing a key
   * become the earliest of them: counts summed, span widened, the reports' shares, pending merges
   * and rule matches moved to it.
   */
  events_dedup_key_uq: (handle) => {
    // pending merges packed per batch are moved below as rows
    expandMergeRuns(handle);
    handle.exec(`
      drop table if exists temp.event_key_dups;
      create temp table event_key_dups as
        select e.id as id, k.keep as keep from events e
        join (select dedup_key, min(id) as keep from events group by dedup_key having count(*) > 1) k
          on k.dedup_key = e.dedup_key
        where e.id <> k.keep;
      update events set
        count = count + (select sum(d.count) from events d join temp.event_key_dups x on x.id = d.id where x.keep = events.id),
        first_seen = min(first_seen, (select min(d.first_seen) from events d join temp.event_key_dups x on x.id = d.id where x.keep = events.id)),
        last_seen = max(last_seen, (select max(d.last_seen) from events d join temp.event_key_dups x on x.id = d.id where x.keep = events.id))
      where id in (select keep from temp.event_key_dups);
      insert into event_sources (raw_report_id, event_id, count)
        select s.raw_report_id, x.keep, sum(s.count) from event_sources s
        join temp.event_key_dups x on x.id = s.event_id where true group by s.raw_report_id, x.keep
        on conflict (raw_report_id, event_id) do update set count = event_sources.count + excluded.count;
      delete from event_sources where event_id in (select id from temp.event_key_dups);
      update event_merges set event_id = (select keep from temp.event_key_dups x where x.id = event_merges.event_id)
        where event_id in (select id from temp.event_key_dups);
      update rule_matches set event_id = (select keep from temp.event_key_dups x where x.id = rule_matches.event_id)
        where event_id in (select id from temp.event_key_dups);
      delete from events where id in (select id from temp.event_key_dups);
    `);
    const merged = handle.prepare('select count(*) from temp.event_key_dups').pluck().get() as number;
    handle.exec('drop table temp.event_key_dups');
    return merged;
  },
};
const DEFERRABLE_UNIQUE = Object.keys(UNIQUE_REPAIRS);

/** A unique index's build that failed on a duplicate key (SQLITE_CONSTRAINT_UNIQUE). */
const isDuplicate = (e: unknown) => (e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE';

function rebuild(handle: BetterSqlite3.Database): number {
  return handle
    .transaction(() => {
      const pending = handle.prepare('select name, definition from certops_deferred_indexes').all() as {
        name: string;
        definition: string;
      }[];
      for (const p of pending) {
        const repair = UNIQUE_REPAIRS[p.name];
        try {
          handle.exec(p.definition);
        } catch (e) {
          if (!repair || !isDuplicate(e)) throw e;
          repair(handle);
          handle.exec(p.definition);
        }
      }
      handle.exec('delete from certops_deferred_indexes');
      // planner statistics for the new indexes, sampled (bounded time on a large table)
      if (pending.length > 0) handle.exec('pragma analysis_limit = 1000; analyze;');
      return pending.length;
    })
    .immediate();
}
