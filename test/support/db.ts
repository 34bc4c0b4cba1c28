import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase, type Database, type Dialect } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';

/**
 * The dialects every repository test runs on. PostgreSQL joins when CERTOPS_TEST_PG_URL points to a
 * server (npm run test:all starts a throwaway cluster and sets it); CERTOPS_TEST_REQUIRE_PG=1 makes its
 * absence an error instead of a shorter list, so the full suite can never silently drop a dialect.
 */
export const DIALECTS: Dialect[] = (() => {
  const url = process.env.CERTOPS_TEST_PG_URL;
  if (!url && process.env.CERTOPS_TEST_REQUIRE_PG === '1') {
    throw new Error('CERTOPS_TEST_REQUIRE_PG=1 but CERTOPS_TEST_PG_URL is not set');
  }
  return url ? ['sqlite', 'postgres'] : ['sqlite'];
})();

export interface TestDatabase extends Database {
  /** Drops the database (PostgreSQL) or removes the file (SQLite). */
  destroy(): Promise<void>;
}

/** A fresh, migrated database of the given dialect, private to the caller. */
export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'certops-test-'));
    const database = openDatabase({ dialect: 'sqlite', file: path.join(dir, 'certops.db') });
    await migrateToLatest(database);
    return {
      ...database,
      async destroy() {
        await database.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const pg = await createPgDatabaseUrl();
  // the drop below terminates idle pooled connections: expected here
  const database = openDatabase({ dialect: 'postgres', url: pg.url }, { poolSize: 4, onIdleError: () => {} });
  await migrateToLatest(database);
  return {
    ...database,
    async destroy() {
      await database.close();
      await pg.drop();
    },
  };
}

/** The URL of a fresh empty PostgreSQL database for process-level tests (CLI, workers). */
export async function createPgDatabaseUrl(): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = process.env.CERTOPS_TEST_PG_URL;
  if (!adminUrl) throw new Error('CERTOPS_TEST_PG_URL is not set');
  const name = `certops_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
