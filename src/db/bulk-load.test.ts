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
    // unique constraints stay: tracking numbers are checked during the load too
    expect(
      d
        .sqlite!.prepare(
          "select count(*) as n from sqlite_master where name like 'sqlite_autoindex_reports%'",
        )
        .get(),
    ).toEqual({ n: 1 });
    expect(restoreDeferredIndexes(d.sqlite!)).toBeGreaterThan(10);
    expect(indexSet(d)).toEqual(before);
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
