import { mkdirSync } from 'node:fs';
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

/**
 * Kysely's SQLite driver prepares every query afresh; preparing costs about as much as running a
 * small statement. Keep the most recently used statements by SQL text (better-sqlite3 statements
 * are reusable and re-prepare themselves after a schema change). A statement still iterating (a
 * streamed query) is busy: then a fresh one is prepared for that call.
 */
function withStatementCache(handle: SQLite.Database, max = 512): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => handle.close(),
    prepare(text) {
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
}

export function openDatabase(target: DatabaseTarget, options: OpenOptions = {}): Database {
  let db: Kysely<DB>;
  let sqliteHandle: SQLite.Database | null = null;
  if (target.dialect === 'sqlite') {
    if (target.file !== ':memory:') mkdirSync(path.dirname(target.file), { recursive: true });
    const handle = new SQLite(target.file);
    handle.pragma('journal_mode = WAL');
    handle.pragma('synchronous = NORMAL');
    handle.pragma('foreign_keys = ON');
    handle.pragma('busy_timeout = 5000');
    handle.pragma('cache_size = -65536');
    // SQLite plans without statistics until ANALYZE has run; this gathers them where it pays
    // (cheap on a small database, bounded on a large one), as SQLite recommends at connection open.
    handle.pragma('optimize = 0x10002');
    sqliteHandle = handle;
    db = new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(handle) }) });
  } else {
    const pool = new pg.Pool({ connectionString: target.url, max: options.poolSize ?? 10 });
    pool.on('error', (error) => options.onIdleError?.(error));
    db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  }
  return {
    db,
    dialect: target.dialect,
    sqlite: sqliteHandle,
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
