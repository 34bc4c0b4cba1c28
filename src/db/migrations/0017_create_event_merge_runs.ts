import { type Kysely } from 'kysely';
import { blobType, refType, withId } from './helpers.ts';

/*
 * Pending merges packed per batch (ADR 0015, db/merge-runs.ts): on SQLite a batch that meets
 * events stored before appends one row here, its merges packed in `data` (event id, occurrences,
 * first and last seen), instead of one `event_merges` row per merge. The report's fold reads them
 * back when it finishes, adds them to `events` and `event_sources`, and deletes them. PostgreSQL
 * has the table too (one schema) but keeps writing `event_merges` rows.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await withId(db, db.schema.createTable('event_merge_runs'))
    .addColumn('raw_report_id', refType(db), (c) => c.notNull())
    .addColumn('data', blobType(db), (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('event_merge_runs_report_idx')
    .on('event_merge_runs')
    .column('raw_report_id')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('event_merge_runs').ifExists().execute();
}
