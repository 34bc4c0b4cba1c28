import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../database.ts';
import { rebuildSqliteTable } from './helpers.ts';

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
  else await rebuildSqliteTable(db, 'reports', CONSTRAINED, PLAIN);
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
  await rebuildSqliteTable(db, 'reports', PLAIN, CONSTRAINED);
}
