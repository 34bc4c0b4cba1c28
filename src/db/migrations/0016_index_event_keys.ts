import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../database.ts';
import { rebuildSqliteTable } from './helpers.ts';

/*
 * Events' dedup keys are unique through a named index (`events_dedup_key_uq`) instead of a UNIQUE
 * column constraint: same rule, but SQLite cannot drop the automatic index of a column constraint,
 * and a report into an empty event store now sets this one aside with the events' other indexes
 * and builds it when the report ends (db/bulk-load.ts, ADR 0013). Dedup keys are hashes, so each
 * insert into a live index lands on a random page: at a million lines the index cost ~10 % of the
 * ingest. On SQLite the table is rebuilt (rows, ids, indexes and the autoincrement sequence kept).
 */

const CONSTRAINED = '"dedup_key" text not null unique';
const PLAIN = '"dedup_key" text not null';

export async function up(db: Kysely<any>): Promise<void> {
  if (dialectOf(db) === 'postgres')
    await sql`alter table events drop constraint events_dedup_key_key`.execute(db);
  else await rebuildSqliteTable(db, 'events', CONSTRAINED, PLAIN);
  await db.schema.createIndex('events_dedup_key_uq').on('events').column('dedup_key').unique().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('events_dedup_key_uq').execute();
  if (dialectOf(db) === 'postgres') {
    await sql`alter table events add constraint events_dedup_key_key unique (dedup_key)`.execute(db);
    return;
  }
  await rebuildSqliteTable(db, 'events', PLAIN, CONSTRAINED);
}
