import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { DIALECTS, createTestDatabase, type TestDatabase } from '../../test/support/db.ts';
import { migrateToLatest } from './migrate.ts';

describe.each(DIALECTS)('migrations on %s', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(dialect);
  });
  afterAll(async () => {
    await t.destroy();
  });

  it('creates every table and is idempotent', async () => {
    const again = await migrateToLatest(t);
    expect(again.applied).toEqual([]);
    const tables = await t.db.introspection.getTables();
    const names = tables.map((x) => x.name);
    for (const name of [
      'branches',
      'organisations',
      'incidents',
      'reports',
      'observables',
      'actions',
      'audit_log',
      'users',
    ]) {
      expect(names).toContain(name);
    }
    expect(await t.ping()).toBe(true);
  });

  it('orders IP range keys byte by byte', async () => {
    const org = await t.db
      .insertInto('organisations')
      .values({ kind: 'isp', name_zh: '测试', created_at: 'x', updated_at: 'x' } as never)
      .returning('id')
      .executeTakeFirstOrThrow();
    const rows = [
      '00000000000000000000ffff0a000000',
      '00000000000000000000ffffc0a80000',
      '20010db8000000000000000000000000',
    ];
    for (const k of rows.slice().reverse()) {
      await t.db
        .insertInto('org_networks')
        .values({ organisation_id: org.id, cidr: k, ip_start: k, ip_end: k })
        .execute();
    }
    const sorted = await t.db.selectFrom('org_networks').select('ip_start').orderBy('ip_start').execute();
    expect(sorted.map((r) => r.ip_start)).toEqual(rows);
    const hit = await sql<{
      n: number;
    }>`select count(*) as n from org_networks where ip_start <= ${'00000000000000000000ffffc0a80001'}`.execute(
      t.db,
    );
    expect(Number(hit.rows[0]!.n)).toBe(2);
  });
});
