import type { Kysely } from 'kysely';

/**
 * Secondary indexes set aside during a bulk load into an empty SQLite database (see
 * db/bulk-load.ts): their definitions wait here until the load ends, and any left by a crashed
 * load are rebuilt when the database is next opened.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('certops_deferred_indexes')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('definition', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('certops_deferred_indexes').execute();
}
