import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../database.ts';

/*
 * Tracking numbers are unique through a named index (`reports_tracking_number_uq`) instead of a
 * UNIQUE column constraint. Same rule, same error; but SQLite cannot drop the automatic index of
 * a column constraint, and a bulk import into an empty database now sets this one aside with the
 * other indexes and builds it at the end (db/bulk-load.ts, ADR 0012): tracking numbers are random,
 * so each insert into a live index lands on a random page, and at a million reports that cost
 * 9–22 % of the load's time. On SQLite the table is rebuilt (its only way to drop a constraint), rows,
 * ids and indexes kept; other tables' foreign keys name the table, not its storage, and hold.
 */

const CONSTRAINED = '"tracking_number" text not null unique';
const PLAIN = '"tracking_number" text not null';

export async function up(db: Kysely<any>): Promise<void> {
  if (dialectOf(db) === 'postgres')
    await sql`alter table reports drop constraint reports_tracking_number_key`.execute(db);
  else await rebuildSqliteReports(db, CONSTRAINED, PLAIN);
  await db.schema
    .createIndex('reports_tracking_number_uq')
    .on('reports')
    .column('tracking_number')
    .unique()
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('reports_tracking_number_uq').execute();
  if (dialectOf(db) === 'postgres') {
    await sql`alter table reports add constraint reports_tracking_number_key unique (tracking_number)`.execute(
      db,
    );
    return;
  }
  await rebuildSqliteReports(db, PLAIN, CONSTRAINED);
}

/**
 * SQLite's way to change a table's constraints: a new table from the old definition with `from`
 * replaced by `to`, the rows copied (ids kept, so the autoincrement sequence holds), the old table
 * dropped and the new one renamed, its indexes and its autoincrement sequence (ids of deleted rows
 * are never given again) restored — in one transaction, with foreign-key enforcement off meanwhile
 * (it cannot change inside a transaction) and the table's foreign keys checked before the commit.
 */
async function rebuildSqliteReports(db: Kysely<any>, from: string, to: string): Promise<void> {
  const table = await sql<{ sql: string }>`
    select sql from sqlite_master where type = 'table' and name = 'reports'`.execute(db);
  const definition = table.rows[0]?.sql ?? '';
  if (!definition.includes(from)) throw new Error(`reports: expected ${from} in its definition`);
  const indexes = await sql<{ sql: string }>`
    select sql from sqlite_master where type = 'index' and tbl_name = 'reports' and sql is not null`.execute(
    db,
  );
  const sequence = await sql<{ seq: number }>`
    select seq from sqlite_sequence where name = 'reports'`.execute(db);
  const enforced =
    (await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db)).rows[0]?.foreign_keys === 1;
  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await sql`begin immediate`.execute(db);
    try {
      await sql
        .raw(
          definition.replace(/^CREATE TABLE "reports"/, 'CREATE TABLE "reports_rebuilt"').replace(from, to),
        )
        .execute(db);
      await sql`insert into reports_rebuilt select * from reports`.execute(db);
      await sql`drop table reports`.execute(db);
      await sql`alter table reports_rebuilt rename to reports`.execute(db);
      for (const i of indexes.rows) await sql.raw(i.sql).execute(db);
      const seq = sequence.rows[0]?.seq ?? 0;
      await sql`update sqlite_sequence set seq = max(seq, ${seq}) where name = 'reports'`.execute(db);
      if (seq > 0)
        await sql`insert into sqlite_sequence (name, seq) select 'reports', ${seq}
          where not exists (select 1 from sqlite_sequence where name = 'reports')`.execute(db);
      const broken = await sql`pragma foreign_key_check(reports)`.execute(db);
      if (broken.rows.length > 0)
        throw new Error(`reports: ${broken.rows.length} broken foreign keys after the rebuild`);
      await sql`commit`.execute(db);
    } catch (e) {
      await sql`rollback`.execute(db);
      throw e;
    }
  } finally {
    if (enforced) await sql`pragma foreign_keys = on`.execute(db);
  }
}
