import { sql, type Kysely, type SqlBool } from 'kysely';

/**
 * Fewer index writes per report, for bulk intake (import, feeds): every report writes an incident,
 * a report and a few observables, and each index is one more B-tree insert.
 *  - incidents_queue_idx (branch_code, state, id) is a prefix of incidents_branch_cover_idx
 *    (branch_code, id, state, …), which serves the same queries;
 *  - the IP and domain keys exist only on IP, domain and URL observables: partial indexes skip the
 *    other rows (a range condition on the key implies IS NOT NULL, so both dialects still use them);
 *  - most reports carry no reporter e-mail address (phone, fax, anonymous web).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('incidents_queue_idx').execute();

  await db.schema.dropIndex('observables_ip_incident_idx').execute();
  await db.schema
    .createIndex('observables_ip_incident_idx')
    .on('observables')
    .columns(['ip_key', 'incident_id'])
    .where(sql<SqlBool>`ip_key is not null`)
    .execute();
  await db.schema.dropIndex('observables_domain_incident_idx').execute();
  await db.schema
    .createIndex('observables_domain_incident_idx')
    .on('observables')
    .columns(['domain_key', 'incident_id'])
    .where(sql<SqlBool>`domain_key is not null`)
    .execute();

  await db.schema.dropIndex('reports_reporter_email_idx').execute();
  await db.schema
    .createIndex('reports_reporter_email_idx')
    .on('reports')
    .column('reporter_email')
    .where(sql<SqlBool>`reporter_email <> ''`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('reports_reporter_email_idx').execute();
  await db.schema.createIndex('reports_reporter_email_idx').on('reports').column('reporter_email').execute();
  await db.schema.dropIndex('observables_domain_incident_idx').execute();
  await db.schema
    .createIndex('observables_domain_incident_idx')
    .on('observables')
    .columns(['domain_key', 'incident_id'])
    .execute();
  await db.schema.dropIndex('observables_ip_incident_idx').execute();
  await db.schema
    .createIndex('observables_ip_incident_idx')
    .on('observables')
    .columns(['ip_key', 'incident_id'])
    .execute();
  await db.schema
    .createIndex('incidents_queue_idx')
    .on('incidents')
    .columns(['branch_code', 'state', 'id'])
    .execute();
}
