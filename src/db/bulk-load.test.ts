import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from './database.ts';
import { deferIndexesIfEmpty, restoreDeferredIndexes } from './bulk-load.ts';
import { migrateToLatest } from './migrate.ts';

function indexSet(d: Database): string[] {
  return (
    d
      .sqlite!.prepare(
        "select name, sql from sqlite_master where type = 'index' and sql is not null order by name",
      )
      .all() as {
      name: string;
      sql: string;
    }[]
  ).map((r) => `${r.name}: ${r.sql}`);
}

describe('bulk load into an empty SQLite database', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'certops-bulk-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sets secondary indexes aside and rebuilds exactly the same ones', async () => {
    const d = openDatabase({ dialect: 'sqlite', file: path.join(dir, 'a.db') });
    await migrateToLatest(d);
    const before = indexSet(d);
    expect(deferIndexesIfEmpty(d.sqlite!)).toBe(true);
    const during = indexSet(d);
    expect(during.some((i) => i.startsWith('incidents_open_due_idx'))).toBe(false);
    // the tracking numbers' unique index too (repaired at the end should the load duplicate one)
    expect(during.some((i) => i.startsWith('reports_tracking_number_uq'))).toBe(false);
    expect(before.some((i) => i.startsWith('reports_tracking_number_uq'))).toBe(true);
    expect(restoreDeferredIndexes(d.sqlite!)).toBeGreaterThan(10);
    expect(indexSet(d)).toEqual(before);
    await d.close();
  });

  it('gives a duplicated tracking number written during the load a new one before its index is built', async () => {
    const d = openDatabase({ dialect: 'sqlite', file: path.join(dir, 'd.db') });
    await migrateToLatest(d);
    const h = d.sqlite!;
    expect(deferIndexesIfEmpty(h)).toBe(true);
    const insert = h.prepare(
      `insert into reports (tracking_number, channel, received_at, meta, created_at) values (?, 'web', ?, ?, 'x')`,
    );
    const imported = JSON.stringify({ imported: { source: 'old.jsonl', line: 1 } });
    // two imported reports share a number, and a web report filed during the load takes another's
    const a = insert.run('2007-AAAAA-AAAAA', '2007-02-01T00:00:00.000Z', imported).lastInsertRowid;
    const b = insert.run('2007-AAAAA-AAAAA', '2006-12-31T23:00:00.000Z', imported).lastInsertRowid;
    const c = insert.run('2026-BBBBB-BBBBB', '2026-11-01T00:00:00.000Z', imported).lastInsertRowid;
    const web = insert.run('2026-BBBBB-BBBBB', '2026-11-29T08:00:00.000Z', '{}').lastInsertRowid;
    const broken = insert.run('2026-BBBBB-BBBBB', '2026-11-29T09:00:00.000Z', 'not json').lastInsertRowid;
    expect(restoreDeferredIndexes(h)).toBeGreaterThan(10);
    const numbers = new Map(
      (
        h.prepare('select id, tracking_number from reports').all() as {
          id: number;
          tracking_number: string;
        }[]
      ).map((r) => [r.id, r.tracking_number]),
    );
    expect(numbers.get(Number(a))).toBe('2007-AAAAA-AAAAA'); // the earliest keeps it
    expect(numbers.get(Number(b))).toMatch(/^2006-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
    expect(numbers.get(Number(web))).toBe('2026-BBBBB-BBBBB'); // its reporter may have been told it
    expect(numbers.get(Number(c))).toMatch(/^2026-/);
    expect(numbers.get(Number(c))).not.toBe('2026-BBBBB-BBBBB');
    expect(numbers.get(Number(broken))).not.toBe('2026-BBBBB-BBBBB');
    expect(new Set(numbers.values()).size).toBe(5);
    expect(() => insert.run('2007-AAAAA-AAAAA', '2007-01-01T00:00:00.000Z', '{}')).toThrow(/UNIQUE/);
    await d.close();
  });

  it('does nothing when incidents exist', async () => {
    const d = openDatabase({ dialect: 'sqlite', file: path.join(dir, 'b.db') });
    await migrateToLatest(d);
    d.sqlite!.exec(
      `insert into branches (code, name_zh, name_en) values ('CN-NATIONAL', '国家中心', 'National')`,
    );
    d.sqlite!.exec(
      `insert into incidents (title, category, rsit, branch_code, opened_at, updated_at) values ('x', 'other', 'other/other', 'CN-NATIONAL', 'a', 'a')`,
    );
    const before = indexSet(d);
    expect(deferIndexesIfEmpty(d.sqlite!)).toBe(false);
    expect(indexSet(d)).toEqual(before);
    await d.close();
  });

  it('rebuilds the indexes of a load that crashed when the database is next opened', async () => {
    const file = path.join(dir, 'c.db');
    const d = openDatabase({ dialect: 'sqlite', file });
    await migrateToLatest(d);
    const before = indexSet(d);
    expect(deferIndexesIfEmpty(d.sqlite!)).toBe(true);
    await d.close(); // the process dies here, mid-load
    const again = openDatabase({ dialect: 'sqlite', file });
    await migrateToLatest(again);
    expect(indexSet(again)).toEqual(before);
    expect(again.sqlite!.prepare('select count(*) as n from certops_deferred_indexes').get()).toEqual({
      n: 0,
    });
    await again.close();
  });
});
