import type { Kysely } from 'kysely';
import { DEFAULT_BRANCHES } from '../../src/core/directory/defaults.ts';
import type { DB } from '../../src/db/schema.ts';

/** Inserts the default branches (CN-NATIONAL and the 31 provinces) when the table is empty. */
export async function seedTestBranches(db: Kysely<DB>): Promise<void> {
  const existing = await db.selectFrom('branches').select('code').limit(1).execute();
  if (existing.length > 0) return;
  await db
    .insertInto('branches')
    .values(
      DEFAULT_BRANCHES.map((b) => ({
        code: b.code,
        name_zh: b.nameZh,
        name_en: b.nameEn,
        short_zh: b.shortZh,
        aliases: JSON.stringify(b.aliases),
        is_national: b.isNational ? 1 : 0,
        sort_order: b.sortOrder,
      })),
    )
    .execute();
}
