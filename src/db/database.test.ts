import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabaseUrl, DIALECTS } from '../../test/support/db.ts';
import { openDatabase, PAGE_SIZE, type Database } from './database.ts';

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

describe('SQLite commit group', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'certops-group-'));
  const file = path.join(dir, 'group.db');
  let a: Database;
  let b: Database;
  const count = async (d: Database) =>
    Number((await sql<{ n: number }>`select count(*) as n from t`.execute(d.db)).rows[0]!.n);

  beforeAll(async () => {
    a = openDatabase({ dialect: 'sqlite', file });
    b = openDatabase({ dialect: 'sqlite', file });
    await sql`create table t (v text not null unique)`.execute(a.db);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exists on SQLite connections, closed until begun', () => {
    expect(a.group).not.toBeNull();
    expect(a.group!.open).toBe(false);
  });

  it('commits all writes at once, Kysely transactions inside it included', async () => {
    await sql`delete from t`.execute(a.db);
    a.group!.begin();
    expect(a.group!.open).toBe(true);
    await a.db
      .insertInto('t' as never)
      .values({ v: 'plain' } as never)
      .execute();
    await a.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('t' as never)
        .values({ v: 'in-transaction' } as never)
        .execute();
    });
    // another connection sees nothing before the group commits
    expect(await count(b)).toBe(0);
    a.group!.commit();
    expect(a.group!.open).toBe(false);
    expect(await count(b)).toBe(2);
  });

  it('undoes a failed Kysely transaction inside it alone (a savepoint), keeping the rest', async () => {
    await sql`delete from t`.execute(a.db);
    a.group!.begin();
    await a.db
      .insertInto('t' as never)
      .values({ v: 'kept' } as never)
      .execute();
    await expect(
      a.db.transaction().execute(async (tx) => {
        await tx
          .insertInto('t' as never)
          .values({ v: 'undone' } as never)
          .execute();
        await tx
          .insertInto('t' as never)
          .values({ v: 'kept' } as never)
          .execute(); // unique violation
      }),
    ).rejects.toThrow(/UNIQUE/);
    await a.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('t' as never)
        .values({ v: 'after' } as never)
        .execute();
    });
    a.group!.commit();
    const rows = await sql<{ v: string }>`select v from t order by v`.execute(b.db);
    expect(rows.rows.map((r) => r.v)).toEqual(['after', 'kept']);
  });

  it('rolls everything back on rollback()', async () => {
    await sql`delete from t`.execute(a.db);
    a.group!.begin();
    await a.db
      .insertInto('t' as never)
      .values({ v: 'gone' } as never)
      .execute();
    a.group!.rollback();
    expect(a.group!.open).toBe(false);
    expect(await count(a)).toBe(0);
    // outside a group Kysely transactions are real transactions again
    await a.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('t' as never)
        .values({ v: 'own' } as never)
        .execute();
    });
    expect(await count(b)).toBe(1);
  });

  it('refuses to open twice or to commit when none is open', () => {
    expect(() => a.group!.commit()).toThrow(/no commit group/);
    a.group!.begin();
    expect(() => a.group!.begin()).toThrow(/already open/);
    a.group!.rollback();
  });
});

describe('SQLite file page size', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'certops-pages-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a new file with 16 KiB pages', async () => {
    const d = openDatabase({ dialect: 'sqlite', file: path.join(dir, 'new.db') });
    try {
      expect(PAGE_SIZE).toBe(16_384);
      expect(d.sqlite!.pragma('page_size', { simple: true })).toBe(PAGE_SIZE);
      expect(d.sqlite!.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      await d.close();
    }
  });

  it('keeps the page size of an existing file, and its rows', async () => {
    const file = path.join(dir, 'old.db');
    const old = new SQLite(file);
    old.pragma('page_size = 4096');
    old.pragma('journal_mode = WAL');
    old.exec("create table t (x text); insert into t values ('kept')");
    old.close();
    const d = openDatabase({ dialect: 'sqlite', file });
    try {
      expect(d.sqlite!.pragma('page_size', { simple: true })).toBe(4096);
      expect(d.sqlite!.prepare('select x from t').pluck().get()).toBe('kept');
    } finally {
      await d.close();
    }
  });
});
