import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/db.ts';
import { expandMergeRuns, foldSqliteMerges, MergeRunWriter, readMergeRun } from './merge-runs.ts';

const T = (s: string) => Date.parse(`2026-11-01T${s}.000Z`);

describe('merge runs: the packing', () => {
  it('gives back every merge it packed, in order, exactly (ids, counts and millisecond times)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
            fc.integer({ min: 1, max: 1_000_000 }),
            fc.integer({ min: -8.64e15, max: 8.64e15 }),
            fc.integer({ min: -8.64e15, max: 8.64e15 }),
          ),
          { maxLength: 50 },
        ),
        (merges) => {
          const w = new MergeRunWriter(merges.length);
          for (const m of merges) w.add(...m);
          expect(w.size).toBe(merges.length);
          const back: number[][] = [];
          readMergeRun(w.bytes(), (...m) => back.push(m));
          expect(back).toEqual(merges);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses a time that is not one, and data that is not whole merges', () => {
    const w = new MergeRunWriter(1);
    expect(() => w.add(7, 1, NaN, T('00:00:00'))).toThrow(/event merge: not a time .* event 7/);
    expect(() => readMergeRun(new Uint8Array(33), () => {})).toThrow(/33 bytes is not whole merges/);
  });
});

describe('merge runs: fold and expansion (sqlite)', () => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await createTestDatabase('sqlite');
  });
  afterEach(async () => t.destroy());

  const event = (key: string, first: string) =>
    Number(
      t
        .sqlite!.prepare(
          `insert into events (raw_report_id, feed, time_source, first_seen, last_seen, count, dedup_key, created_at)
           values (1, 'f', ?, ?, ?, 1, ?, ?)`,
        )
        .run(first, first, first, key, first).lastInsertRowid,
    );
  const run = (reportId: number, merges: [number, number, number, number][]) => {
    const w = new MergeRunWriter(merges.length);
    for (const m of merges) w.add(...m);
    t.sqlite!.prepare('insert into event_merge_runs (raw_report_id, data) values (?, ?)').run(
      reportId,
      w.bytes(),
    );
  };
  /** An events row's count and span as the fold leaves it (times of 2026-11-01). */
  const stored = (count: number, first: string, last: string) => ({
    count,
    first_seen: `2026-11-01T${first}.000Z`,
    last_seen: `2026-11-01T${last}.000Z`,
  });
  const row = (id: number) =>
    t.sqlite!.prepare('select count, first_seen, last_seen from events where id = ?').get(id);
  const shares = () =>
    t.sqlite!.prepare('select raw_report_id, event_id, count from event_sources order by 1, 2').raw().all();

  it("adds a report's runs to its events and shares, in any number of passes, and leaves other reports' runs", () => {
    const a = event('a', '2026-11-01T06:00:00.000Z');
    const b = event('b', '2026-11-01T06:00:00.000Z');
    const c = event('c', '2026-11-01T06:00:00.000Z');
    run(2, [
      [b, 2, T('07:00:00'), T('08:00:00')],
      [a, 1, T('05:00:00'), T('05:00:00')],
    ]);
    run(3, [[a, 5, T('01:00:00'), T('23:00:00')]]);
    run(2, [
      [c, 1, T('06:30:00'), T('06:30:00')],
      [a, 3, T('04:00:00'), T('09:00:00')],
      [b, 1, T('08:30:00'), T('08:30:00')],
    ]);
    // two distinct events at a time: `a` comes back after a pass and is updated again
    expect(foldSqliteMerges(t.sqlite!, 2, 2)).toBe(5);
    expect(row(a)).toEqual(stored(5, '04:00:00', '09:00:00'));
    expect(row(b)).toEqual(stored(4, '06:00:00', '08:30:00'));
    expect(row(c)).toEqual(stored(2, '06:00:00', '06:30:00'));
    expect(shares()).toEqual([
      [2, a, 4],
      [2, b, 3],
      [2, c, 1],
    ]);
    // report 3's run stays until its own fold
    expect(t.sqlite!.prepare('select raw_report_id from event_merge_runs').pluck().all()).toEqual([3]);
    expect(foldSqliteMerges(t.sqlite!, 3)).toBe(1);
    expect(row(a)).toMatchObject({ count: 10, first_seen: '2026-11-01T01:00:00.000Z' });
    expect(t.sqlite!.prepare('select count(*) from event_merge_runs').pluck().get()).toBe(0);
    expect(foldSqliteMerges(t.sqlite!, 3)).toBe(0);
  });

  it('expands every run into event_merges rows, one per merge, and keeps none', () => {
    const a = event('a', '2026-11-01T06:00:00.000Z');
    run(2, [[a, 2, T('07:00:00'), T('08:00:00')]]);
    run(3, [[a, 1, T('05:00:00'), T('05:00:00')]]);
    expect(expandMergeRuns(t.sqlite!)).toBe(2);
    expect(
      t
        .sqlite!.prepare(
          'select raw_report_id, event_id, count, first_seen, last_seen from event_merges order by id',
        )
        .raw()
        .all(),
    ).toEqual([
      [2, a, 2, '2026-11-01T07:00:00.000Z', '2026-11-01T08:00:00.000Z'],
      [3, a, 1, '2026-11-01T05:00:00.000Z', '2026-11-01T05:00:00.000Z'],
    ]);
    expect(t.sqlite!.prepare('select count(*) from event_merge_runs').pluck().get()).toBe(0);
    expect(expandMergeRuns(t.sqlite!)).toBe(0);
  });

  it("folds a report's event_merges rows with its runs, and leaves other reports' rows", () => {
    const a = event('a', '2026-11-01T06:00:00.000Z');
    const b = event('b', '2026-11-01T06:00:00.000Z');
    const mergeRow = t.sqlite!.prepare(
      'insert into event_merges (raw_report_id, event_id, count, first_seen, last_seen) values (?, ?, ?, ?, ?)',
    );
    run(2, [[a, 2, T('07:00:00'), T('08:00:00')]]);
    // rows as a reset or an older worker leaves them (a's earliest time only in a row)
    mergeRow.run(2, a, 3, '2026-11-01T03:00:00.000Z', '2026-11-01T07:30:00.000Z');
    mergeRow.run(2, b, 1, '2026-11-01T10:00:00.000Z', '2026-11-01T10:00:00.000Z');
    mergeRow.run(3, b, 4, '2026-11-01T02:00:00.000Z', '2026-11-01T02:00:00.000Z');
    expect(foldSqliteMerges(t.sqlite!, 2)).toBe(3);
    expect(row(a)).toEqual(stored(6, '03:00:00', '08:00:00'));
    expect(row(b)).toEqual(stored(2, '06:00:00', '10:00:00'));
    expect(shares()).toEqual([
      [2, a, 5],
      [2, b, 1],
    ]);
    expect(t.sqlite!.prepare('select raw_report_id, count from event_merges').raw().all()).toEqual([[3, 4]]);
    expect(t.sqlite!.prepare('select count(*) from event_merge_runs').pluck().get()).toBe(0);
    // rows alone (no runs) fold too
    expect(foldSqliteMerges(t.sqlite!, 3)).toBe(1);
    expect(row(b)).toMatchObject({ count: 6, first_seen: '2026-11-01T02:00:00.000Z' });
    expect(t.sqlite!.prepare('select count(*) from event_merges').pluck().get()).toBe(0);
  });
});
