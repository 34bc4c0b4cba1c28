import type BetterSqlite3 from 'better-sqlite3';

/** The tables a bulk import of reports writes. */
const BULK_TABLES = ['incidents', 'reports', 'observables', 'actions'];

/**
 * Bulk loading into an empty SQLite database (a CERT's first migration from its old tracker):
 * inserting into tables with ~20 secondary indexes costs several times more than inserting
 * without them and building each index once at the end (a sort). So when the tables are empty,
 * the secondary indexes (not primary keys, unique or foreign-key constraints) are set aside —
 * their definitions saved in `certops_deferred_indexes` in the same transaction that drops them —
 * and rebuilt when the load ends. If the process dies in between, `restoreDeferredIndexes` (run
 * on every open, after migrations) rebuilds them, so a crash costs time, never an index.
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
           and sql not like 'CREATE UNIQUE%'`,
        )
        .all(...tables) as { name: string; sql: string }[];
      const save = handle.prepare('insert into certops_deferred_indexes (name, definition) values (?, ?)');
      for (const i of indexes) {
        save.run(i.name, i.sql);
        handle.exec(`drop index "${i.name.replace(/"/g, '""')}"`);
      }
      return indexes.length > 0;
    })
    .immediate();
}

/** Builds every index set aside by a bulk load (the end of a load, or after a crash). */
export function restoreDeferredIndexes(
  handle: BetterSqlite3.Database,
  /** `keepCache`: build with the connection's page cache as it is (bounded memory). */
  options: { keepCache?: boolean } = {},
): number {
  const pendingCount = handle
    .prepare('select count(*) as n from certops_deferred_indexes')
    .pluck()
    .get() as number;
  if (pendingCount === 0) return 0;
  if (options.keepCache) return rebuild(handle);
  // each index is built by a sort over the whole table: give it the import's page cache, so that
  // the sort of a million-row table stays in memory (a ceiling, restored after)
  const cacheSize = handle.pragma('cache_size', { simple: true }) as number;
  handle.pragma('cache_size = -1048576');
  try {
    return rebuild(handle);
  } finally {
    handle.pragma(`cache_size = ${cacheSize}`);
  }
}

function rebuild(handle: BetterSqlite3.Database): number {
  return handle
    .transaction(() => {
      const pending = handle.prepare('select name, definition from certops_deferred_indexes').all() as {
        name: string;
        definition: string;
      }[];
      for (const p of pending) handle.exec(p.definition);
      handle.exec('delete from certops_deferred_indexes');
      // planner statistics for the new indexes, sampled (bounded time on a large table)
      if (pending.length > 0) handle.exec('pragma analysis_limit = 1000; analyze;');
      return pending.length;
    })
    .immediate();
}
