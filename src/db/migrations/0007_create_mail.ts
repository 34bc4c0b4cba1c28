import type { Kysely } from 'kysely';
import { blobType, refType, withId } from './helpers.ts';

/**
 * E-mail intake (docs/mail.md): every message received over SMTP (or imported from a file) is
 * stored raw before it is acknowledged, then processed into reports; Message-IDs seen in either
 * direction thread replies to incidents; acknowledgements sent are counted per address (loop breaker).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const ref = refType(db);
  await withId(db, db.schema.createTable('mail_messages'))
    .addColumn('received_at', 'text', (c) => c.notNull())
    /** smtp | file | api */
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('smtp'))
    .addColumn('mail_from', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('rcpt_to', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('branch_code', 'text', (c) => c.notNull())
    .addColumn('remote_ip', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('helo', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('raw', blobType(db), (c) => c.notNull())
    /** received | processing | processed | failed | failed_format */
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('received'))
    .addColumn('claimed_at', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('message_id', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('subject', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('from_address', 'text', (c) => c.notNull().defaultTo(''))
    /** '' | report | machine | correspondence | duplicate */
    .addColumn('outcome', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('incident_id', ref, (c) => c.references('incidents.id'))
    .addColumn('report_ids', 'text', (c) => c.notNull().defaultTo('[]'))
    /** '' | sent | suppressed | failed, with the reason in ack_note */
    .addColumn('ack_state', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('ack_note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('processed_at', 'text')
    .execute();
  await db.schema
    .createIndex('mail_messages_state_idx')
    .on('mail_messages')
    .columns(['state', 'id'])
    .execute();

  await withId(db, db.schema.createTable('mail_message_ids'))
    .addColumn('message_id', 'text', (c) => c.notNull().unique())
    .addColumn('incident_id', ref, (c) => c.references('incidents.id'))
    /** in | out */
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('mail_message_id', ref, (c) => c.references('mail_messages.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('mail_message_ids_incident_idx')
    .on('mail_message_ids')
    .column('incident_id')
    .execute();

  await withId(db, db.schema.createTable('mail_auto_acks'))
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text', (c) => c.notNull())
    .addColumn('mail_message_id', ref, (c) => c.references('mail_messages.id'))
    .execute();
  await db.schema
    .createIndex('mail_auto_acks_address_idx')
    .on('mail_auto_acks')
    .columns(['address', 'sent_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('mail_auto_acks').ifExists().execute();
  await db.schema.dropTable('mail_message_ids').ifExists().execute();
  await db.schema.dropTable('mail_messages').ifExists().execute();
}
