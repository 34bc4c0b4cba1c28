import { sql, type Kysely, type SqlBool } from 'kysely';

/*
 * The (assignee_id, state) index of incidents leaves unassigned incidents out. It serves "assigned
 * to this person" (`assignee_id = ?` implies the index's term; a repository test checks that
 * SQLite's plan uses it); "unassigned" is answered through the state and branch indexes. Every incident of an
 * import is unassigned: at a million reports the index took 1.1–1.6 s of the build at the end of
 * the load, and 0.2 s now (docs/performance.md).
 */
const ASSIGNED_SQL = sql.raw<SqlBool>('assignee_id is not null');

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('incidents_assignee_idx').execute();
  await db.schema
    .createIndex('incidents_assignee_idx')
    .on('incidents')
    .columns(['assignee_id', 'state'])
    .where(ASSIGNED_SQL)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('incidents_assignee_idx').execute();
  await db.schema
    .createIndex('incidents_assignee_idx')
    .on('incidents')
    .columns(['assignee_id', 'state'])
    .execute();
}
