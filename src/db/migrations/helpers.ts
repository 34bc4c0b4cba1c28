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
