import { sql, type Kysely, type SqlBool } from 'kysely';

/*
 * The (kind, value, incident_id) index of observables leaves IP addresses out: they are searched
 * through `ip_key` (observables_ip_incident_idx), never by value, and were ~46 % of the index's
 * rows — a tenth of a million-report import's index building, and a write on every report. The
 * searches by value (URL, e-mail, hash, exact domain) repeat this exact term so that SQLite uses
 * the partial index (incidents.repository.ts, valueKindsSql).
 */
const NOT_IP_SQL = sql.raw<SqlBool>(`kind not in ('ipv4', 'ipv6')`);

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('observables_value_incident_idx').execute();
  await db.schema
    .createIndex('observables_value_incident_idx')
    .on('observables')
    .columns(['kind', 'value', 'incident_id'])
    .where(NOT_IP_SQL)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('observables_value_incident_idx').execute();
  await db.schema
    .createIndex('observables_value_incident_idx')
    .on('observables')
    .columns(['kind', 'value', 'incident_id'])
    .execute();
}
