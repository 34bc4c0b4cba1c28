import type { Kysely } from 'kysely';

/** Indexes for the auth tables: purging expired sessions, listing a user's tokens. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('sessions_expires_idx').on('sessions').column('expires_at').execute();
  await db.schema.createIndex('api_tokens_user_idx').on('api_tokens').columns(['user_id', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('api_tokens_user_idx').ifExists().execute();
  await db.schema.dropIndex('sessions_expires_idx').ifExists().execute();
}
