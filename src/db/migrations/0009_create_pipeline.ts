import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../database.ts';
import { blobType, byteOrdered, refType, withId } from './helpers.ts';

/*
 * The pipeline store (docs/pipeline.md, ADR 0006): raw reports and their content in chunks,
 * the deduplicated event store, each report's contribution to every event (for exact
 * reprocessing), dead letters and the per-feed collector state.
 *
 * The events table keeps a deliberately small index set: it is written at 50,000+ rows/s.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const ref = refType(db);

  await withId(db, db.schema.createTable('raw_reports'))
    .addColumn('feed', 'text', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('file')) // file | dir | http | upload | mail
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('sha256', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('receiving'))
    .addColumn('claimed_by', 'text')
    .addColumn('claimed_at', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lines_done', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('events_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('errors_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema.createIndex('raw_reports_state_idx').on('raw_reports').columns(['state', 'id']).execute();
  await db.schema
    .createIndex('raw_reports_feed_idx')
    .on('raw_reports')
    .columns(['feed', 'received_at'])
    .execute();
  await db.schema.createIndex('raw_reports_sha_idx').on('raw_reports').columns(['feed', 'sha256']).execute();

  await db.schema
    .createTable('raw_report_chunks')
    .addColumn('report_id', ref, (c) => c.notNull().references('raw_reports.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('data', blobType(db), (c) => c.notNull())
    .addPrimaryKeyConstraint('raw_report_chunks_pk', ['report_id', 'seq'])
    .execute();

  await withId(db, db.schema.createTable('events'))
    .addColumn('raw_report_id', ref, (c) => c.notNull())
    .addColumn('line', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('feed', 'text', (c) => c.notNull())
    .addColumn('classification_taxonomy', 'text')
    .addColumn('classification_type', 'text')
    .addColumn('classification_identifier', 'text')
    .addColumn('time_source', 'text', (c) => c.notNull())
    .addColumn('first_seen', 'text', (c) => c.notNull())
    .addColumn('last_seen', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('dedup_key', 'text', (c) => c.notNull().unique())
    .addColumn('source_ip', 'text')
    .addColumn('source_ip_key', 'text', byteOrdered(db))
    .addColumn('source_port', 'integer')
    .addColumn('source_asn', 'bigint')
    .addColumn('source_as_name', 'text')
    .addColumn('source_cc', 'text')
    .addColumn('source_province', 'text')
    .addColumn('source_city', 'text')
    .addColumn('source_branch', 'text')
    .addColumn('source_fqdn', 'text')
    .addColumn('source_url', 'text')
    .addColumn('source_org_id', ref)
    .addColumn('destination_ip', 'text')
    .addColumn('destination_ip_key', 'text', byteOrdered(db))
    .addColumn('destination_port', 'integer')
    .addColumn('destination_asn', 'bigint')
    .addColumn('destination_cc', 'text')
    .addColumn('destination_province', 'text')
    .addColumn('destination_branch', 'text')
    .addColumn('destination_fqdn', 'text')
    .addColumn('destination_url', 'text')
    .addColumn('destination_org_id', ref)
    .addColumn('malware_name', 'text')
    .addColumn('malware_family', 'text')
    .addColumn('protocol_transport', 'text')
    .addColumn('protocol_application', 'text')
    .addColumn('fields', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('events_time_class_idx')
    .on('events')
    .columns(['time_source', 'classification_type'])
    .execute();
  await db.schema.createIndex('events_source_ip_idx').on('events').column('source_ip_key').execute();
  await db.schema
    .createIndex('events_destination_ip_idx')
    .on('events')
    .column('destination_ip_key')
    .execute();
  await db.schema.createIndex('events_source_asn_idx').on('events').column('source_asn').execute();
  await db.schema
    .createIndex('events_branch_idx')
    .on('events')
    .columns(['source_branch', 'time_source'])
    .execute();
  await db.schema.createIndex('events_malware_idx').on('events').column('malware_name').execute();
  await db.schema.createIndex('events_feed_idx').on('events').columns(['feed', 'time_source']).execute();

  // How much each raw report contributed to each event (count), so that reprocessing a report
  // subtracts exactly its share. Keyed by report first: reprocess reads one report's rows.
  await db.schema
    .createTable('event_sources')
    .addColumn('raw_report_id', ref, (c) => c.notNull())
    .addColumn('event_id', ref, (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('event_sources_pk', ['raw_report_id', 'event_id'])
    // SQLite: the primary key is the table (one B-tree per row written, not two)
    .$call((t) => (dialectOf(db) === 'sqlite' ? t.modifyEnd(sql`without rowid`) : t))
    .execute();

  await withId(db, db.schema.createTable('dead_letters'))
    .addColumn('raw_report_id', ref, (c) => c.notNull())
    .addColumn('feed', 'text', (c) => c.notNull())
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('raw', 'text', (c) => c.notNull())
    .addColumn('error', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('retried_at', 'text')
    .execute();
  await db.schema
    .createIndex('dead_letters_report_idx')
    .on('dead_letters')
    .columns(['raw_report_id', 'line'])
    .execute();
  await db.schema.createIndex('dead_letters_feed_idx').on('dead_letters').columns(['feed', 'id']).execute();

  await db.schema
    .createTable('feed_state')
    .addColumn('feed', 'text', (c) => c.primaryKey())
    .addColumn('last_run_at', 'text')
    .addColumn('last_status', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('last_error', 'text')
    .addColumn('last_fetch_at', 'text')
    .addColumn('etag', 'text')
    .addColumn('last_modified', 'text')
    .addColumn('reports_total', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('events_total', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('errors_total', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'feed_state',
    'dead_letters',
    'event_sources',
    'events',
    'raw_report_chunks',
    'raw_reports',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
