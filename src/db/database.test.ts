import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabaseUrl, DIALECTS } from '../../test/support/db.ts';
import { openDatabase, type Database } from './database.ts';

describe.runIf(DIALECTS.includes('postgres'))('PostgreSQL connection pool', () => {
  let url: string;
  let drop: () => Promise<void>;
  let database: Database;
  const idleErrors: Error[] = [];

  beforeAll(async () => {
    ({ url, drop } = await createPgDatabaseUrl());
    database = openDatabase(
      { dialect: 'postgres', url },
      { poolSize: 2, onIdleError: (e) => idleErrors.push(e) },
    );
  });
  afterAll(async () => {
    await database.close();
    await drop();
  });

  it('survives the server ending an idle connection, and reconnects', async () => {
    const before = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(database.db);
    const pid = before.rows[0]!.pid;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query('select pg_terminate_backend($1)', [pid]);
    await admin.end();
    await expect.poll(() => idleErrors.length, { timeout: 5000 }).toBeGreaterThan(0);
    expect(idleErrors[0]!.message).toMatch(/terminat/i);
    const after = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(database.db);
    expect(after.rows[0]!.pid).not.toBe(pid);
    expect(await database.ping()).toBe(true);
  });
});
