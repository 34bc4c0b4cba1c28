import { type Kysely } from 'kysely';
import { refType, withId } from './helpers.ts';

/*
 * Pending merges (docs/pipeline.md, "Merges and their fold"): a batch that meets an event stored
 * before appends one narrow row here (the report, the event, the occurrences and their time span)
 * instead of rewriting the ~700-byte events row, chosen at random, once per batch. When the report
 * is finished (done or failed), its rows are folded into `events` (count, first_seen, last_seen)
 * and `event_sources` in one pass, in the transaction that changes the report's state, then
 * deleted. Appending keeps a batch's writes sequential: the table's pages and its report index
 * grow at the end only.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const ref = refType(db);
  await withId(db, db.schema.createTable('event_merges'))
    .addColumn('raw_report_id', ref, (c) => c.notNull())
    .addColumn('event_id', ref, (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('first_seen', 'text', (c) => c.notNull())
    .addColumn('last_seen', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('event_merges_report_idx').on('event_merges').column('raw_report_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('event_merges').ifExists().execute();
}
