import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from './database.ts';
import { deferIndexesIfEmpty, restoreDeferredIndexes } from './bulk-load.ts';
import { migrateToLatest } from './migrate.ts';
import { MergeRunWriter } from './merge-runs.ts';

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

  it("sets the events' key index aside for a report into an empty event store, and merges events a defect duplicated", async () => {
    const d = openDatabase({ dialect: 'sqlite', file: path.join(dir, 'e.db') });
    await migrateToLatest(d);
    const h = d.sqlite!;
    expect(deferIndexesIfEmpty(h, ['events'])).toBe(true);
    expect(indexSet(d).some((i) => i.startsWith('events_'))).toBe(false);
    const event = h.prepare(
      `insert into events (raw_report_id, feed, time_source, first_seen, last_seen, count, dedup_key, created_at)
       values (?, 'f', 'a', ?, ?, ?, ?, 'x')`,
    );
    const keep = Number(event.run(1, '2026-11-01T02:00', '2026-11-01T03:00', 2, 'aaaa').lastInsertRowid);
    const other = Number(event.run(1, '2026-11-01T05:00', '2026-11-01T05:00', 1, 'bbbb').lastInsertRowid);
    const dup = Number(event.run(2, '2026-11-01T01:00', '2026-11-01T04:00', 3, 'aaaa').lastInsertRowid);
    const share = h.prepare('insert into event_sources (raw_report_id, event_id, count) values (?, ?, ?)');
    share.run(1, keep, 2);
    share.run(1, other, 1);
    share.run(1, dup, 1); // report 1 met the key in both rows
    share.run(2, dup, 2);
    h.prepare(
      `insert into event_merges (raw_report_id, event_id, count, first_seen, last_seen) values (3, ?, 1, 'z', 'z')`,
    ).run(dup);
    // a pending merge packed in a run (a SQLite batch's form) moves too
    const run = new MergeRunWriter(1);
    run.add(dup, 2, Date.parse('2026-11-01T06:00:00.000Z'), Date.parse('2026-11-01T07:00:00.000Z'));
    h.prepare('insert into event_merge_runs (raw_report_id, data) values (4, ?)').run(run.bytes());
    h.prepare(
      `insert into rule_matches (rule_id, match_key, event_id, created_at, updated_at) values ('r', 'm', ?, 'x', 'x')`,
    ).run(dup);

    expect(restoreDeferredIndexes(h)).toBe(9);
    const rows = h.prepare('select id, count, first_seen, last_seen from events order by id').raw().all();
    expect(rows).toEqual([
      [keep, 5, '2026-11-01T01:00', '2026-11-01T04:00'],
      [other, 1, '2026-11-01T05:00', '2026-11-01T05:00'],
    ]);
    expect(
      h.prepare('select raw_report_id, event_id, count from event_sources order by 1, 2').raw().all(),
    ).toEqual([
      [1, keep, 3],
      [1, other, 1],
      [2, keep, 2],
    ]);
    expect(
      h.prepare('select raw_report_id, event_id, count from event_merges order by id').raw().all(),
    ).toEqual([
      [3, keep, 1],
      [4, keep, 2],
    ]);
    expect(h.prepare('select count(*) from event_merge_runs').pluck().get()).toBe(0);
    expect(h.prepare('select event_id from rule_matches').pluck().all()).toEqual([keep]);
    expect(indexSet(d).some((i) => i.startsWith('events_dedup_key_uq: CREATE UNIQUE INDEX'))).toBe(true);
    expect(() => event.run(4, 'a', 'a', 1, 'bbbb')).toThrow(/UNIQUE/);
    await d.close();
  });

  it('builds an index larger than one sorted run whole, and gives the connection back its cache and threads', async () => {
    const d = openDatabase({ dialect: 'sqlite', file: path.join(dir, 'e.db') });
    await migrateToLatest(d);
    const h = d.sqlite!;
    h.pragma('cache_size = -20000');
    h.pragma('threads = 0');
    expect(deferIndexesIfEmpty(h)).toBe(true);
    // ~9 MB of e-mail keys: more than two of the build's 4 MiB runs, sorted apart and merged
    const rows = 60_000;
    const insert = h.prepare(
      `insert into reports (tracking_number, channel, reporter_email, received_at, meta, created_at)
       values (?, 'web', ?, '2007-01-01T00:00:00.000Z', '{}', 'x')`,
    );
    h.transaction(() => {
      for (let i = 0; i < rows; i++) {
        // keys in no particular order (a multiplicative scramble of i)
        const k = ((i * 2_654_435_761) % 2 ** 32).toString(16).padStart(8, '0');
        insert.run(`2007-${String(i).padStart(10, '0')}`, `${k}-${'x'.repeat(130)}@example.org`);
      }
    })();
    expect(restoreDeferredIndexes(h)).toBeGreaterThan(10);
    expect(h.pragma('integrity_check', { simple: true })).toBe('ok');
    const viaIndex = h
      .prepare(
        `select reporter_email from reports indexed by reports_reporter_email_idx where reporter_email <> '' order by reporter_email`,
      )
      .pluck()
      .all() as string[];
    expect(viaIndex).toHaveLength(rows);
    expect(viaIndex).toEqual([...viaIndex].sort());
    expect(h.pragma('cache_size', { simple: true })).toBe(-20000);
    expect(h.pragma('threads', { simple: true })).toBe(0);
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
