import type { ColumnDefinitionBuilder, CreateTableBuilder, Kysely } from 'kysely';
import { sql } from 'kysely';
import { dialectOf } from '../database.ts';

/** Auto-increment integer primary key in either dialect. */
export function withId<T extends string>(
  db: Kysely<any>,
  table: CreateTableBuilder<T, never>,
): CreateTableBuilder<T, 'id'> {
  return dialectOf(db) === 'postgres'
    ? table.addColumn('id', 'bigserial', (c) => c.primaryKey())
    : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}

/** Text compared byte by byte (IP range keys, hex): PostgreSQL needs the C collation for that. */
export function byteOrdered(db: Kysely<any>) {
  return (c: ColumnDefinitionBuilder) => (dialectOf(db) === 'postgres' ? c.modifyFront(sql`collate "C"`) : c);
}

export function blobType(db: Kysely<any>): 'bytea' | 'blob' {
  return dialectOf(db) === 'postgres' ? 'bytea' : 'blob';
}

/** Foreign-key integer columns match bigserial ids on PostgreSQL. */
export function refType(db: Kysely<any>): 'bigint' | 'integer' {
  return dialectOf(db) === 'postgres' ? 'bigint' : 'integer';
}

/**
 * SQLite's way to change a table's constraints: a new table from the old definition with `from`
 * replaced by `to`, the rows copied (ids kept, so the autoincrement sequence holds), the old table
 * dropped and the new one renamed, its indexes and its autoincrement sequence (ids of deleted rows
 * are never given again) restored — in one transaction, with foreign-key enforcement off meanwhile
 * (it cannot change inside a transaction) and the table's foreign keys checked before the commit.
 */
export async function rebuildSqliteTable(
  db: Kysely<any>,
  name: string,
  from: string,
  to: string,
): Promise<void> {
  const table = await sql<{ sql: string }>`
    select sql from sqlite_master where type = 'table' and name = ${name}`.execute(db);
  const definition = table.rows[0]?.sql ?? '';
  if (!definition.includes(from)) throw new Error(`${name}: expected ${from} in its definition`);
  const indexes = await sql<{ sql: string }>`
    select sql from sqlite_master where type = 'index' and tbl_name = ${name} and sql is not null`.execute(
    db,
  );
  const sequence = await sql<{ seq: number }>`
    select seq from sqlite_sequence where name = ${name}`.execute(db);
  const enforced =
    (await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db)).rows[0]?.foreign_keys === 1;
  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await sql`begin immediate`.execute(db);
    try {
      const rebuilt = `${name}_rebuilt`;
      const head = `CREATE TABLE "${name}"`;
      if (!definition.startsWith(head)) throw new Error(`${name}: expected its definition to start ${head}`);
      await sql
        .raw(`CREATE TABLE "${rebuilt}"${definition.slice(head.length).replace(from, to)}`)
        .execute(db);
      await sql`insert into ${sql.table(rebuilt)} select * from ${sql.table(name)}`.execute(db);
      await sql`drop table ${sql.table(name)}`.execute(db);
      await sql`alter table ${sql.table(rebuilt)} rename to ${sql.table(name)}`.execute(db);
      for (const i of indexes.rows) await sql.raw(i.sql).execute(db);
      const seq = sequence.rows[0]?.seq ?? 0;
      await sql`update sqlite_sequence set seq = max(seq, ${seq}) where name = ${name}`.execute(db);
      if (seq > 0)
        await sql`insert into sqlite_sequence (name, seq) select ${name}, ${seq}
          where not exists (select 1 from sqlite_sequence where name = ${name})`.execute(db);
      const broken = await sql.raw(`pragma foreign_key_check("${name}")`).execute(db);
      if (broken.rows.length > 0)
        throw new Error(`${name}: ${broken.rows.length} broken foreign keys after the rebuild`);
      await sql`commit`.execute(db);
    } catch (e) {
      await sql`rollback`.execute(db);
      throw e;
    }
  } finally {
    if (enforced) await sql`pragma foreign_keys = on`.execute(db);
  }
}
