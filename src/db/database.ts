import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresAdapter, PostgresDialect, SqliteDialect, sql, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import type { DB } from './schema.ts';

export type Dialect = 'sqlite' | 'postgres';

export type DatabaseTarget = { dialect: 'sqlite'; file: string } | { dialect: 'postgres'; url: string };

export interface Database {
  readonly db: Kysely<DB>;
  readonly dialect: Dialect;
  /**
   * The SQLite handle under `db`, for the few bulk paths that run prepared statements directly
   * (bulk import); null on PostgreSQL. Only db/ code may use it.
   */
  readonly sqlite: SQLite.Database | null;
  /**
   * Group commit on SQLite (null on PostgreSQL): while a group is open, every write on this
   * connection — including Kysely transactions, which become savepoints inside it — commits with
   * the group, once. For a connection with one user that batches its own work (the mail processor
   * thread); callers answer anyone waiting for durability only after `commit()`.
   */
  readonly group: CommitGroup | null;
  /** Database reachable (for /readyz). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

// Return BIGINT/NUMERIC counts from PostgreSQL as numbers (COUNT(*) is int8).
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

export interface OpenOptions {
  poolSize?: number;
  /**
   * Errors of idle pooled PostgreSQL connections (server restart, failover, terminated backend).
   * node-postgres emits them on the pool, where an unhandled one would end the process; the
   * pool drops the broken client and the next query opens a new one.
   */
  onIdleError?: (error: Error) => void;
}

export interface CommitGroup {
  readonly open: boolean;
  /** BEGIN IMMEDIATE: takes the write lock now (waits up to busy_timeout for another writer). */
  begin(): void;
  /** Commits everything since `begin()`. If SQLite already rolled the group back, throws. */
  commit(): void;
  /** Undoes everything since `begin()` (no-op when SQLite already did). */
  rollback(): void;
}

/** A statement Kysely can run (`run` only: it checks `reader` first) doing `run` of its own. */
function commandStatement(run: () => void): SQLite.Statement {
  return {
    reader: false,
    busy: false,
    run() {
      run();
      return { changes: 0, lastInsertRowid: 0 };
    },
  } as unknown as SQLite.Statement;
}

/**
 * Kysely's SQLite driver prepares every query afresh; preparing costs about as much as running a
 * small statement. Keep the most recently used statements by SQL text (better-sqlite3 statements
 * are reusable and re-prepare themselves after a schema change). A statement still iterating (a
 * streamed query) is busy: then a fresh one is prepared for that call.
 */
function withStatementCache(
  handle: SQLite.Database,
  max = 512,
): { database: SqliteDatabase; group: CommitGroup } {
  const cache = new Map<string, SQLite.Statement>();
  // Inside a commit group Kysely's own transactions become savepoints of the group.
  let open = false;
  let unitStatements: Record<'savepoint' | 'release' | 'rollbackTo', SQLite.Statement> | null = null;
  const units = () =>
    (unitStatements ??= {
      savepoint: handle.prepare('savepoint certops_unit'),
      release: handle.prepare('release certops_unit'),
      rollbackTo: handle.prepare('rollback to certops_unit'),
    });
  const unit = {
    begin: commandStatement(() => units().savepoint.run()),
    commit: commandStatement(() => units().release.run()),
    rollback: commandStatement(() => {
      units().rollbackTo.run();
      units().release.run();
    }),
  };
  const group: CommitGroup = {
    get open() {
      return open;
    },
    begin() {
      if (open) throw new Error('commit group already open');
      handle.exec('begin immediate');
      open = true;
    },
    commit() {
      if (!open) throw new Error('no commit group open');
      open = false;
      if (!handle.inTransaction) throw new Error('the commit group was rolled back by SQLite');
      handle.exec('commit');
    },
    rollback() {
      if (!open) return;
      open = false;
      if (handle.inTransaction) handle.exec('rollback');
    },
  };
  const database: SqliteDatabase = {
    close: () => handle.close(),
    prepare(text) {
      if (open) {
        if (text === 'begin') return unit.begin;
        if (text === 'commit') return unit.commit;
        if (text === 'rollback') return unit.rollback;
      }
      const hit = cache.get(text);
      if (hit && !hit.busy) {
        cache.delete(text);
        cache.set(text, hit);
        return hit;
      }
      const statement = handle.prepare(text);
      if (!hit) {
        cache.set(text, statement);
        if (cache.size > max) cache.delete(cache.keys().next().value as string);
      }
      return statement;
    },
  };
  return { database, group };
}

/** Page size of a new SQLite file (ADR 0010). */
export const PAGE_SIZE = 16_384;

/**
 * Helper threads SQLite's sorter may use (`PRAGMA threads`, one per other core, at most 4; SQLite
 * caps it at 8). A sort larger than the page cache is cut into sorted runs of about the cache's
 * size; with helper threads the runs are sorted, and merged, on the other cores while the
 * statement goes on reading. Only such large sorts start threads: index builds after a bulk
 * load, a report's fold of its merges, the GROUP BY of statistics over millions of events.
 */
export const SORT_THREADS = Math.min(Math.max(availableParallelism() - 1, 1), 4);

export function openDatabase(target: DatabaseTarget, options: OpenOptions = {}): Database {
  let db: Kysely<DB>;
  let sqliteHandle: SQLite.Database | null = null;
  let group: CommitGroup | null = null;
  if (target.dialect === 'sqlite') {
    if (target.file !== ':memory:') mkdirSync(path.dirname(target.file), { recursive: true });
    const handle = new SQLite(target.file);
    // 16 KiB pages for a new file (ADR 0010; an existing file keeps its own): set before WAL mode,
    // which fixes the page size once the file has content
    handle.pragma(`page_size = ${PAGE_SIZE}`);
    handle.pragma('journal_mode = WAL');
    handle.pragma('synchronous = NORMAL');
    handle.pragma('foreign_keys = ON');
    handle.pragma('busy_timeout = 5000');
    handle.pragma('cache_size = -65536');
    handle.pragma(`threads = ${SORT_THREADS}`);
    // SQLite plans without statistics until ANALYZE has run; this gathers them where it pays
    // (cheap on a small database, bounded on a large one), as SQLite recommends at connection open.
    handle.pragma('optimize = 0x10002');
    sqliteHandle = handle;
    const cached = withStatementCache(handle);
    group = cached.group;
    db = new Kysely<DB>({ dialect: new SqliteDialect({ database: cached.database }) });
  } else {
    const pool = new pg.Pool({ connectionString: target.url, max: options.poolSize ?? 10 });
    pool.on('error', (error) => options.onIdleError?.(error));
    db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  }
  return {
    db,
    dialect: target.dialect,
    sqlite: sqliteHandle,
    group,
    async ping() {
      try {
        await sql`select 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await db.destroy();
    },
  };
}

/** Which dialect a Kysely instance speaks (migrations and repositories branch on it sparingly). */
export function dialectOf(db: Kysely<any>): Dialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}
