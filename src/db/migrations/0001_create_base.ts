import type { Kysely } from 'kysely';
import { blobType, byteOrdered, refType, withId } from './helpers.ts';

export async function up(db: Kysely<any>): Promise<void> {
  const ref = refType(db);

  await db.schema
    .createTable('branches')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('name_zh', 'text', (c) => c.notNull())
    .addColumn('name_en', 'text', (c) => c.notNull())
    .addColumn('short_zh', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('aliases', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('is_national', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('sort_order', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await withId(db, db.schema.createTable('organisations'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name_zh', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('name_en', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('abbreviation', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('country', 'text', (c) => c.notNull().defaultTo('CN'))
    .addColumn('branch_code', 'text', (c) => c.references('branches.code'))
    .addColumn('website', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('registered_in_community', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('support_role', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('language', 'text', (c) => c.notNull().defaultTo('zh-CN'))
    .addColumn('notify_interval', 'text', (c) => c.notNull().defaultTo('daily'))
    .addColumn('notes', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('organisations_kind_idx')
    .on('organisations')
    .columns(['kind', 'name_zh'])
    .execute();

  await withId(db, db.schema.createTable('contacts'))
    .addColumn('organisation_id', ref, (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull().defaultTo('abuse'))
    .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('email', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('phone', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('pgp_key', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('language', 'text', (c) => c.notNull().defaultTo('zh-CN'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('contacts_org_idx').on('contacts').column('organisation_id').execute();
  await db.schema.createIndex('contacts_email_idx').on('contacts').column('email').execute();

  await withId(db, db.schema.createTable('org_networks'))
    .addColumn('organisation_id', ref, (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('cidr', 'text', (c) => c.notNull())
    .addColumn('ip_start', 'text', byteOrdered(db))
    .addColumn('ip_end', 'text', byteOrdered(db))
    .execute();
  await db.schema
    .createIndex('org_networks_range_idx')
    .on('org_networks')
    .columns(['ip_start', 'ip_end'])
    .execute();
  await db.schema.createIndex('org_networks_org_idx').on('org_networks').column('organisation_id').execute();

  await withId(db, db.schema.createTable('org_asns'))
    .addColumn('organisation_id', ref, (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('asn', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('org_asns_asn_idx').on('org_asns').column('asn').execute();
  await db.schema.createIndex('org_asns_org_idx').on('org_asns').column('organisation_id').execute();

  await withId(db, db.schema.createTable('org_domains'))
    .addColumn('organisation_id', ref, (c) => c.notNull().references('organisations.id').onDelete('cascade'))
    .addColumn('domain', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('org_domains_domain_idx').on('org_domains').column('domain').execute();
  await db.schema.createIndex('org_domains_org_idx').on('org_domains').column('organisation_id').execute();

  await withId(db, db.schema.createTable('users'))
    .addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('display_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('email', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('password_hash', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('branch_code', 'text', (c) => c.references('branches.code'))
    .addColumn('language', 'text', (c) => c.notNull().defaultTo('zh-CN'))
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('must_change_password', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_login_at', 'text')
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', ref, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_user_idx').on('sessions').column('user_id').execute();

  await withId(db, db.schema.createTable('api_tokens'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('user_id', ref, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('branch_code', 'text', (c) => c.references('branches.code'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('revoked_at', 'text')
    .addColumn('last_used_at', 'text')
    .execute();

  await withId(db, db.schema.createTable('incidents'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('rsit', 'text', (c) => c.notNull())
    .addColumn('scanning', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('severity', 'text', (c) => c.notNull().defaultTo('medium'))
    .addColumn('tlp', 'text', (c) => c.notNull().defaultTo('amber'))
    .addColumn('branch_code', 'text', (c) => c.notNull().references('branches.code'))
    .addColumn('assignee_id', ref, (c) => c.references('users.id'))
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('new'))
    .addColumn('merged_into_id', ref, (c) => c.references('incidents.id'))
    .addColumn('opened_at', 'text', (c) => c.notNull())
    .addColumn('due_at', 'text')
    .addColumn('triaged_at', 'text')
    .addColumn('resolved_at', 'text')
    .addColumn('closed_at', 'text')
    .addColumn('created_by', ref, (c) => c.references('users.id'))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  // The queue: newest first per branch and state; stats: resolved per period.
  await db.schema
    .createIndex('incidents_queue_idx')
    .on('incidents')
    .columns(['branch_code', 'state', 'id'])
    .execute();
  await db.schema.createIndex('incidents_state_idx').on('incidents').columns(['state', 'id']).execute();
  await db.schema.createIndex('incidents_category_idx').on('incidents').columns(['category', 'id']).execute();
  await db.schema.createIndex('incidents_opened_idx').on('incidents').column('opened_at').execute();
  await db.schema.createIndex('incidents_resolved_idx').on('incidents').column('resolved_at').execute();
  await db.schema
    .createIndex('incidents_assignee_idx')
    .on('incidents')
    .columns(['assignee_id', 'state'])
    .execute();

  await db.schema
    .createTable('incident_red_users')
    .addColumn('incident_id', ref, (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('user_id', ref, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('incident_red_users_pk', ['incident_id', 'user_id'])
    .execute();

  await withId(db, db.schema.createTable('reports'))
    .addColumn('tracking_number', 'text', (c) => c.notNull().unique())
    .addColumn('status_secret_hash', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('reporter_type', 'text', (c) => c.notNull().defaultTo('individual'))
    .addColumn('reporter_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('reporter_email', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('reporter_phone', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('reporter_org_id', ref, (c) => c.references('organisations.id'))
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('category', 'text', (c) => c.notNull().defaultTo('other'))
    .addColumn('incident_id', ref, (c) => c.references('incidents.id'))
    .addColumn('language', 'text', (c) => c.notNull().defaultTo('zh-CN'))
    .addColumn('meta', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_by', ref, (c) => c.references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('reports_incident_idx').on('reports').column('incident_id').execute();
  await db.schema
    .createIndex('reports_received_idx')
    .on('reports')
    .columns(['received_at', 'category'])
    .execute();
  await db.schema.createIndex('reports_reporter_email_idx').on('reports').column('reporter_email').execute();

  await withId(db, db.schema.createTable('attachments'))
    .addColumn('report_id', ref, (c) => c.notNull().references('reports.id').onDelete('cascade'))
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('content', blobType(db), (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('attachments_report_idx').on('attachments').column('report_id').execute();

  await withId(db, db.schema.createTable('observables'))
    .addColumn('report_id', ref, (c) => c.references('reports.id').onDelete('cascade'))
    .addColumn('incident_id', ref, (c) => c.references('incidents.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('ip_key', 'text', byteOrdered(db))
    .execute();
  await db.schema.createIndex('observables_value_idx').on('observables').columns(['kind', 'value']).execute();
  await db.schema.createIndex('observables_ip_idx').on('observables').column('ip_key').execute();
  await db.schema.createIndex('observables_incident_idx').on('observables').column('incident_id').execute();
  await db.schema.createIndex('observables_report_idx').on('observables').column('report_id').execute();

  await withId(db, db.schema.createTable('actions'))
    .addColumn('incident_id', ref, (c) => c.notNull().references('incidents.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('branch_code', 'text', (c) => c.notNull().references('branches.code'))
    .addColumn('target_branch_code', 'text', (c) => c.references('branches.code'))
    .addColumn('counterpart_org_id', ref, (c) => c.references('organisations.id'))
    .addColumn('counterpart', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('occurred_at', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_by', ref, (c) => c.references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('actions_incident_idx')
    .on('actions')
    .columns(['incident_id', 'occurred_at'])
    .execute();
  await db.schema
    .createIndex('actions_branch_idx')
    .on('actions')
    .columns(['branch_code', 'occurred_at'])
    .execute();

  await withId(db, db.schema.createTable('audit_log'))
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor_id', ref)
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('entity', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('incident_id', ref)
    .addColumn('before', 'text')
    .addColumn('after', 'text')
    .addColumn('ip', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema.createIndex('audit_incident_idx').on('audit_log').columns(['incident_id', 'id']).execute();
  await db.schema.createIndex('audit_entity_idx').on('audit_log').columns(['entity', 'entity_id']).execute();

  await withId(db, db.schema.createTable('saved_views'))
    .addColumn('user_id', ref, (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('branch_code', 'text', (c) => c.references('branches.code'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('query', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'saved_views',
    'audit_log',
    'actions',
    'observables',
    'attachments',
    'reports',
    'incident_red_users',
    'incidents',
    'api_tokens',
    'sessions',
    'users',
    'org_domains',
    'org_asns',
    'org_networks',
    'contacts',
    'organisations',
    'branches',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
