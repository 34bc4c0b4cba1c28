import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { DIALECTS, createTestDatabase, type TestDatabase } from '../../test/support/db.ts';
import { migrateTo, migrateToLatest } from './migrate.ts';

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

  it('keeps reports, their ids and their references when tracking numbers move to a unique index (0014)', async () => {
    const db = t.db;
    await sql`insert into branches (code, name_zh, name_en) values ('CN-BJ', '北京', 'Beijing')`.execute(db);
    const incident = await sql<{ id: number }>`
      insert into incidents (title, category, rsit, branch_code, opened_at, updated_at)
      values ('x', 'other', 'other/other', 'CN-BJ', 'a', 'a') returning id`.execute(db);
    const incidentId = Number(incident.rows[0]!.id);
    const report = (tracking: string) => sql<{ id: number }>`
      insert into reports (tracking_number, channel, received_at, description, incident_id, created_at)
      values (${tracking}, 'web', '2007-03-01T00:00:00.000Z', '钓鱼网站', ${incidentId}, 'a') returning id`;
    const kept = Number((await report('2007-AAAAA-AAAAA').execute(db)).rows[0]!.id);
    const gone = Number((await report('2007-BBBBB-BBBBB').execute(db)).rows[0]!.id);
    await sql`insert into observables (report_id, incident_id, kind, value) values (${kept}, ${incidentId}, 'domain', 'example.cn')`.execute(
      db,
    );
    await sql`delete from reports where id = ${gone}`.execute(db);
    const duplicateRejected = async () => {
      await expect(report('2007-AAAAA-AAAAA').execute(db)).rejects.toThrow(/tracking_number/);
    };

    await migrateTo(t, '0013_narrow_observable_value_index');
    await duplicateRejected();
    await migrateToLatest(t);
    await duplicateRejected();

    const rows = await sql<{ id: number; tracking_number: string; description: string }>`
      select id, tracking_number, description from reports order by id`.execute(db);
    expect(rows.rows.map((r) => [Number(r.id), r.tracking_number, r.description])).toEqual([
      [kept, '2007-AAAAA-AAAAA', '钓鱼网站'],
    ]);
    const observable = await sql<{ n: number }>`
      select count(*) as n from observables o join reports r on r.id = o.report_id where r.id = ${kept}`.execute(
      db,
    );
    expect(Number(observable.rows[0]!.n)).toBe(1);
    // the id of the deleted report is never given again
    const next = Number((await report('2007-CCCCC-CCCCC').execute(db)).rows[0]!.id);
    expect(next).toBeGreaterThan(gone);
    if (dialect === 'sqlite') {
      const h = t.sqlite!;
      expect(
        h
          .prepare("select count(*) from sqlite_master where name like 'sqlite_autoindex_reports%'")
          .pluck()
          .get(),
      ).toBe(0);
      expect(
        h.prepare("select sql from sqlite_master where name = 'reports_tracking_number_uq'").pluck().get(),
      ).toMatch(/^CREATE UNIQUE INDEX/);
      expect(
        h
          .prepare("select count(*) from sqlite_master where tbl_name = 'reports' and type = 'index'")
          .pluck()
          .get(),
      ).toBe(4);
      expect(h.pragma('foreign_keys', { simple: true })).toBe(1);
      // the observables' foreign key reaches the rebuilt table: deleting the report cascades
      h.prepare('delete from reports where id = ?').run(kept);
      expect(h.prepare('select count(*) from observables').pluck().get()).toBe(0);
    }
  });

  it('keeps events, their ids and their indexes when dedup keys move to a unique index (0016)', async () => {
    const db = t.db;
    const event = (key: string) => sql<{ id: number }>`
      insert into events (raw_report_id, feed, time_source, first_seen, last_seen, count, dedup_key, source_branch, created_at)
      values (1, 'f', 'a', 'a', 'a', 3, ${key}, 'CN-BJ', 'a') returning id`;
    await migrateTo(t, '0015_index_assigned_incidents_only');
    const kept = Number((await event('00000000000000aa').execute(db)).rows[0]!.id);
    const gone = Number((await event('00000000000000bb').execute(db)).rows[0]!.id);
    await sql`delete from events where id = ${gone}`.execute(db);
    const duplicateRejected = async () => {
      await expect(event('00000000000000aa').execute(db)).rejects.toThrow(/dedup_key/);
    };
    await duplicateRejected();
    await migrateToLatest(t);
    await duplicateRejected();

    const rows = await sql<{ id: number; dedup_key: string; count: number }>`
      select id, dedup_key, count from events order by id`.execute(db);
    expect(rows.rows.map((r) => [Number(r.id), r.dedup_key, Number(r.count)])).toEqual([
      [kept, '00000000000000aa', 3],
    ]);
    // the id of the deleted event is never given again
    expect(Number((await event('00000000000000cc').execute(db)).rows[0]!.id)).toBeGreaterThan(gone);
    if (dialect === 'sqlite') {
      const h = t.sqlite!;
      const indexes = h
        .prepare(
          "select name, sql from sqlite_master where tbl_name = 'events' and type = 'index' order by name",
        )
        .all() as { name: string; sql: string | null }[];
      expect(indexes.filter((i) => i.sql === null)).toEqual([]); // no automatic index left
      expect(indexes.find((i) => i.name === 'events_dedup_key_uq')?.sql).toMatch(/^CREATE UNIQUE INDEX/);
      // the secondary indexes of 0009 and 0010 are there again, on the rebuilt table
      expect(indexes.map((i) => i.name)).toEqual(
        expect.arrayContaining([
          'events_branch_idx',
          'events_source_ip_idx',
          'events_destination_branch_idx',
        ]),
      );
      expect(indexes).toHaveLength(9);
    }
  });
});
