import type { Kysely } from 'kysely';
import { refType, withId } from './helpers.ts';

/*
 * Outbound mail: the outbox (every outgoing message, its delivery state and retries), template
 * overrides per action kind and language, bulk-notification items (unique per recipient, kind and
 * referenced id, so one event never goes to one contact twice) and organisations' suppression flag.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const ref = refType(db);

  await withId(db, db.schema.createTable('outbound_mail'))
    // incident | ack | notification | test | other
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('incident_id', ref, (c) => c.references('incidents.id'))
    .addColumn('action_id', ref, (c) => c.references('actions.id'))
    .addColumn('from_addr', 'text', (c) => c.notNull())
    .addColumn('to_addr', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('text_body', 'text', (c) => c.notNull())
    .addColumn('html_body', 'text')
    .addColumn('headers', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('message_id', 'text', (c) => c.notNull().unique())
    .addColumn('in_reply_to', 'text')
    .addColumn('refs', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('attachments', 'text', (c) => c.notNull().defaultTo('[]'))
    // queued | sending | sent | failed
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('queued'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text')
    .addColumn('locked_until', 'text')
    .addColumn('last_error', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('response', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_by', ref, (c) => c.references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .execute();
  await db.schema
    .createIndex('outbound_mail_due_idx')
    .on('outbound_mail')
    .columns(['state', 'next_attempt_at'])
    .execute();
  await db.schema
    .createIndex('outbound_mail_incident_idx')
    .on('outbound_mail')
    .columns(['incident_id', 'id'])
    .execute();
  await db.schema
    .createIndex('outbound_mail_kind_to_idx')
    .on('outbound_mail')
    .columns(['kind', 'to_addr', 'created_at'])
    .execute();

  await db.schema
    .createTable('mail_templates')
    .addColumn('action_kind', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', ref, (c) => c.references('users.id'))
    .addPrimaryKeyConstraint('mail_templates_pk', ['action_kind', 'language'])
    .execute();

  await withId(db, db.schema.createTable('notification_items'))
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('org_id', ref, (c) => c.references('organisations.id').onDelete('set null'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('ref_id', 'bigint', (c) => c.notNull())
    .addColumn('classification_type', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('row', 'text', (c) => c.notNull())
    .addColumn('queued_at', 'text', (c) => c.notNull())
    // queued | sent | suppressed
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('queued'))
    .addColumn('outbox_id', ref, (c) => c.references('outbound_mail.id'))
    .addColumn('processed_at', 'text')
    .addUniqueConstraint('notification_items_unique', ['recipient', 'kind', 'ref_id'])
    .execute();
  await db.schema
    .createIndex('notification_items_pending_idx')
    .on('notification_items')
    .columns(['state', 'recipient', 'id'])
    .execute();

  await db.schema
    .createTable('org_notify_settings')
    .addColumn('organisation_id', ref, (c) =>
      c.primaryKey().references('organisations.id').onDelete('cascade'),
    )
    .addColumn('suppress', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('org_notify_settings').execute();
  await db.schema.dropTable('notification_items').execute();
  await db.schema.dropTable('mail_templates').execute();
  await db.schema.dropTable('outbound_mail').execute();
}
