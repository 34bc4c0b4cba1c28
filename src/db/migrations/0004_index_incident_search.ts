import { sql, type Kysely, type SqlBool } from 'kysely';
import { dialectOf } from '../database.ts';
import { byteOrdered } from './helpers.ts';

/**
 * Indexes for the incident queue and search at a million incidents (bench/incident-queries.ts):
 *  - RED incidents (partial index): the access rule excludes "RED incidents you are not named
 *    on" as a small set, so no query has to read a row just to look at its TLP;
 *  - covering indexes for the two common walks, a branch's incidents by id and a category's
 *    incidents by id, holding the filter columns, so capped counts and filtered pages are answered
 *    from the index alone (the category one replaces 0001's (category, id), its prefix);
 *  - a partial index over open incidents by due time (overdue lists);
 *  - observables: `domain_key` (labels reversed, `com.example.www.`) so a domain search finds its
 *    subdomains with an index range scan; covering (key, incident_id) indexes so IP/CIDR, domain
 *    and value lookups never touch the table;
 *  - on PostgreSQL with pg_trgm available: trigram indexes for substring text search (Chinese
 *    and English) on titles, descriptions and report texts. Without it search still works, by scan.
 */

// Literal, not bound: SQLite uses a partial index only when the query repeats this exact term.
const OPEN_STATES_SQL = sql.raw<SqlBool>(`state in ('new', 'triaged', 'assigned', 'in_progress')`);

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('observables').addColumn('domain_key', 'text', byteOrdered(db)).execute();

  await db.schema.dropIndex('observables_value_idx').execute();
  await db.schema.dropIndex('observables_ip_idx').execute();
  await db.schema
    .createIndex('observables_value_incident_idx')
    .on('observables')
    .columns(['kind', 'value', 'incident_id'])
    .execute();
  await db.schema
    .createIndex('observables_ip_incident_idx')
    .on('observables')
    .columns(['ip_key', 'incident_id'])
    .execute();
  await db.schema
    .createIndex('observables_domain_incident_idx')
    .on('observables')
    .columns(['domain_key', 'incident_id'])
    .execute();

  await db.schema
    .createIndex('incidents_red_idx')
    .on('incidents')
    .column('id')
    .where(sql<SqlBool>`tlp = 'red'`)
    .execute();
  await db.schema
    .createIndex('incidents_branch_cover_idx')
    .on('incidents')
    .columns(['branch_code', 'id', 'state', 'category', 'severity', 'assignee_id', 'opened_at'])
    .execute();
  await db.schema.dropIndex('incidents_category_idx').execute();
  await db.schema
    .createIndex('incidents_category_cover_idx')
    .on('incidents')
    .columns(['category', 'id', 'state', 'branch_code', 'severity', 'opened_at'])
    .execute();
  await db.schema
    .createIndex('incidents_open_due_idx')
    .on('incidents')
    .columns(['due_at', 'id'])
    .where(OPEN_STATES_SQL)
    .execute();

  if (dialectOf(db) === 'postgres') {
    // Needs the contrib package and the right to create it; absent either, search falls back to scans.
    await sql`do $$ begin create extension if not exists pg_trgm; exception when others then null; end $$`.execute(
      db,
    );
    await sql`do $$ begin
      if exists (select 1 from pg_extension where extname = 'pg_trgm') then
        create index incidents_title_trgm_idx on incidents using gin (title gin_trgm_ops);
        create index incidents_description_trgm_idx on incidents using gin (description gin_trgm_ops);
        create index reports_subject_trgm_idx on reports using gin (subject gin_trgm_ops);
        create index reports_description_trgm_idx on reports using gin (description gin_trgm_ops);
      end if;
    end $$`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of [
    'incidents_title_trgm_idx',
    'incidents_description_trgm_idx',
    'reports_subject_trgm_idx',
    'reports_description_trgm_idx',
    'incidents_open_due_idx',
    'incidents_category_cover_idx',
    'incidents_branch_cover_idx',
    'incidents_red_idx',
    'observables_domain_incident_idx',
    'observables_ip_incident_idx',
    'observables_value_incident_idx',
  ]) {
    await db.schema.dropIndex(name).ifExists().execute();
  }
  await db.schema.createIndex('incidents_category_idx').on('incidents').columns(['category', 'id']).execute();
  await db.schema.createIndex('observables_value_idx').on('observables').columns(['kind', 'value']).execute();
  await db.schema.createIndex('observables_ip_idx').on('observables').column('ip_key').execute();
  await db.schema.alterTable('observables').dropColumn('domain_key').execute();
}
