import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, createTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import type { FeedEvent } from '../../core/events/event.ts';
import type { EventUpsert, PipelinePort } from '../../services/ports.ts';
import SQLite from 'better-sqlite3';
import { openDatabase, SORT_THREADS } from '../database.ts';
import { createPipelineRepository } from './pipeline.repository.ts';
import { readMergeRun } from '../merge-runs.ts';

const T0 = '2026-11-01T00:00:00.000Z';
const LEASE = '2026-10-01T00:00:00.000Z';

function upsert(
  key: string,
  count: number,
  firstSeen: string,
  lastSeen: string,
  ip = '192.0.2.1',
): EventUpsert {
  const event: FeedEvent = {
    'feed.name': 'f',
    'time.source': firstSeen,
    'classification.type': 'infected-system',
    'source.ip': ip,
  } as FeedEvent;
  return { dedupKey: key, line: 1, count, firstSeen, lastSeen, event };
}

/*
 * Merges into stored events are pending (event_merges) until their report is finished; the
 * fold runs in the transaction that finishes it (docs/pipeline.md, "Merges and their fold").
 */
describe.each(DIALECTS)('pipeline repository: merges and their fold (%s)', (dialect) => {
  let t: TestDatabase;
  let repo: PipelinePort;
  beforeEach(async () => {
    t = await createTestDatabase(dialect);
    repo = createPipelineRepository(t);
  });
  afterEach(async () => t.destroy());

  async function claimed(workerId = 'w1'): Promise<number> {
    const id = await repo.createRawReport({ feed: 'f', fileName: 'x.csv', source: 'file', receivedAt: T0 });
    await repo.completeRawReport(id, { bytes: 1, sha256: `sha-${id}` });
    const r = await repo.claimRawReport({ workerId, now: T0, leaseExpiredBefore: LEASE, reportId: id });
    expect(r?.id).toBe(id);
    return id;
  }

  async function commit(reportId: number, events: EventUpsert[], linesDone: number, workerId = 'w1') {
    return repo.commitBatch({
      reportId,
      workerId,
      feed: 'f',
      at: T0,
      linesDone,
      eventsProduced: events.reduce((n, e) => n + e.count, 0),
      events,
      deadLetters: [],
    });
  }

  async function stored(key: string) {
    return t.db
      .selectFrom('events')
      .select(['id', 'count', 'first_seen', 'last_seen'])
      .where('dedup_key', '=', key)
      .executeTakeFirst()
      .then((r) => r && { id: Number(r.id), count: Number(r.count), first: r.first_seen, last: r.last_seen });
  }

  async function shares() {
    const rows = await t.db
      .selectFrom('event_sources')
      .select(['raw_report_id', 'event_id', 'count'])
      .orderBy('raw_report_id')
      .orderBy('event_id')
      .execute();
    return rows.map((r) => [Number(r.raw_report_id), Number(r.event_id), Number(r.count)]);
  }

  /** Merges not folded yet: `event_merges` rows and, on SQLite, merges packed in runs. */
  async function pendingMerges() {
    const r = await t.db
      .selectFrom('event_merges')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    let packed = 0;
    for (const run of await t.db.selectFrom('event_merge_runs').select('data').execute())
      readMergeRun(run.data, () => packed++);
    return Number(r.n) + packed;
  }

  const done = { state: 'done' as const, error: null, at: '2026-11-01T01:00:00.000Z' };

  it('stores each field in its column, every other field in `fields`, `extra` as it is, and leaves empty values out', async () => {
    const a = await claimed();
    const event = {
      ...upsert('row', 1, T0, T0).event,
      'feed.code': 'event4_sinkhole',
      'feed.accuracy': 90,
      'classification.taxonomy': 'malicious-code',
      'source.ip': '192.0.2.7',
      'source.port': '4455', // a number field still holding text: stored as an integer
      'source.asn': 4134,
      'source.geolocation.cc': 'CN',
      'source.geolocation.province': '江苏省',
      'source.geolocation.source': 'ip2region',
      'source.reverse_dns': '',
      'destination.ip': '2001:db8::1',
      'destination.as_name': 'China Telecom',
      'malware.name': 'zeus',
      comment: null,
      status: undefined,
      extra: { infection: 'zeus', public_source: 'bench' },
    } as unknown as FeedEvent;
    await commit(a, [{ dedupKey: 'row', line: 7, count: 2, firstSeen: T0, lastSeen: T0, event }], 7);
    const row = await t.db
      .selectFrom('events')
      .selectAll()
      .where('dedup_key', '=', 'row')
      .executeTakeFirstOrThrow();
    expect({
      line: Number(row.line),
      count: Number(row.count),
      feed: row.feed,
      taxonomy: row.classification_taxonomy,
      type: row.classification_type,
      ip: row.source_ip,
      ipKey: row.source_ip_key,
      port: Number(row.source_port),
      asn: Number(row.source_asn),
      cc: row.source_cc,
      province: row.source_province,
      destination: row.destination_ip,
      destinationKey: row.destination_ip_key,
      malware: row.malware_name,
      city: row.source_city,
    }).toEqual({
      line: 7,
      count: 2,
      feed: 'f',
      taxonomy: 'malicious-code',
      type: 'infected-system',
      ip: '192.0.2.7',
      ipKey: '00000000000000000000ffffc0000207',
      port: 4455,
      asn: 4134,
      cc: 'CN',
      province: '江苏省',
      destination: '2001:db8::1',
      destinationKey: '20010db8000000000000000000000001',
      malware: 'zeus',
      city: null,
    });
    // in the order of the field list (event.ts), without the empty ones
    expect(row.fields).toBe(
      JSON.stringify({
        'feed.code': 'event4_sinkhole',
        'source.geolocation.source': 'ip2region',
        'destination.as_name': 'China Telecom',
        'feed.accuracy': 90,
      }),
    );
    expect(JSON.parse(row.extra)).toEqual({ infection: 'zeus', public_source: 'bench' });
  });

  it('stores many rows a statement whatever their shape: columns empty in all, alike in all, or different', async () => {
    const a = await claimed();
    // 450 rows: two statements of 200 and 50 single rows; the second statement's rows differ in
    // columns the first's share, and the other way round
    const events: EventUpsert[] = [];
    for (let i = 0; i < 450; i++) {
      const u = upsert(`shape-${i}`, 1 + (i % 3), T0, T0, `192.0.2.${i % 250}`);
      const late = i >= 200;
      Object.assign(u.event, {
        'classification.taxonomy': 'malicious-code',
        'malware.name': late ? `m${i % 7}` : 'zeus',
        'source.port': late ? 80 : 1000 + i,
        'destination.ip': late ? '203.0.113.9' : undefined,
        'source.geolocation.province': i % 2 === 0 ? '江苏省' : undefined,
      });
      u.line = i + 1;
      events.push(u);
    }
    const result = await commit(a, events, 450);
    expect(result).toMatchObject({ committed: true, inserted: 450 });
    const stored = await t.db
      .selectFrom('events')
      .select(['id', 'dedup_key', 'line', 'count', 'source_ip', 'source_port', 'malware_name'])
      .select(['destination_ip', 'source_province', 'classification_taxonomy', 'feed', 'raw_report_id'])
      .where('dedup_key', 'like', 'shape-%')
      .execute();
    // in the batch's order (PostgreSQL inserts in key order, SQLite in the batch's)
    const byKey = new Map(stored.map((r) => [r.dedup_key, r]));
    const rows = events.map((u) => byKey.get(u.dedupKey)!);
    expect(rows.map((r) => Number(r.id))).toEqual(result.ids);
    expect(
      rows.map((r) => [
        r.dedup_key,
        Number(r.line),
        Number(r.count),
        r.source_ip,
        Number(r.source_port),
        r.malware_name,
        r.destination_ip,
        r.source_province,
        r.classification_taxonomy,
        r.feed,
        Number(r.raw_report_id),
      ]),
    ).toEqual(
      events.map((u, i) => [
        `shape-${i}`,
        i + 1,
        1 + (i % 3),
        `192.0.2.${i % 250}`,
        i >= 200 ? 80 : 1000 + i,
        i >= 200 ? `m${i % 7}` : 'zeus',
        i >= 200 ? '203.0.113.9' : null,
        i % 2 === 0 ? '江苏省' : null,
        'malicious-code',
        'f',
        a,
      ]),
    );
  });

  it('a merge stays pending until its report is done, then count, span and share move at once', async () => {
    const a = await claimed();
    const first = await commit(
      a,
      [upsert('k1', 2, '2026-11-01T00:10:00.000Z', '2026-11-01T00:20:00.000Z')],
      2,
    );
    // the same report meets its own event again in a later batch
    const again = await commit(
      a,
      [upsert('k1', 1, '2026-11-01T00:30:00.000Z', '2026-11-01T00:30:00.000Z')],
      3,
    );
    const k1 = (await stored('k1'))!;
    expect(first).toEqual({ committed: true, inserted: 1, ids: [k1.id] });
    expect(again).toEqual({ committed: true, inserted: 0, ids: [k1.id] });
    expect(k1).toMatchObject({ count: 2, last: '2026-11-01T00:20:00.000Z' });
    expect(await pendingMerges()).toBe(1);
    // SQLite packs a batch's merges into one run; PostgreSQL writes a row per merge
    const runs = await t.db.selectFrom('event_merge_runs').select('raw_report_id').execute();
    const rows = await t.db.selectFrom('event_merges').select('event_id').execute();
    if (dialect === 'sqlite') {
      expect(runs.map((r) => Number(r.raw_report_id))).toEqual([a]);
      expect(rows).toEqual([]);
    } else {
      expect(runs).toEqual([]);
      expect(rows.map((r) => Number(r.event_id))).toEqual([k1.id]);
    }
    expect(await repo.finishRawReport(a, 'w1', done)).toBe(true);
    expect(await stored('k1')).toMatchObject({
      count: 3,
      first: '2026-11-01T00:10:00.000Z',
      last: '2026-11-01T00:30:00.000Z',
    });
    expect(await shares()).toEqual([[a, k1.id, 3]]);
    expect(await pendingMerges()).toBe(0);

    const b = await claimed();
    await commit(
      b,
      [
        upsert('k1', 4, '2026-11-01T00:05:00.000Z', '2026-11-01T00:06:00.000Z'),
        upsert('k2', 1, '2026-11-01T00:07:00.000Z', '2026-11-01T00:07:00.000Z'),
      ],
      5,
    );
    expect(await stored('k1')).toMatchObject({ count: 3 });
    expect(await stored('k2')).toMatchObject({ count: 1 });
    expect(await repo.countEvents()).toEqual({ rows: 2, occurrences: 4 });
    expect(await repo.finishRawReport(b, 'w1', { ...done, state: 'failed', error: 'parser died' })).toBe(
      true,
    );
    // a failed report keeps (and folds) what it committed, as before
    expect(await stored('k1')).toMatchObject({
      count: 7,
      first: '2026-11-01T00:05:00.000Z',
      last: '2026-11-01T00:30:00.000Z',
    });
    expect(await repo.countEvents()).toEqual({ rows: 2, occurrences: 8 });
    const k2 = (await stored('k2'))!;
    expect(await shares()).toEqual([
      [a, k1.id, 3],
      [b, k1.id, 4],
      [b, k2.id, 1],
    ]);
  });

  if (dialect === 'sqlite')
    it("processes with a smaller page cache, finishes with a smaller one still (its sorts stay bounded, in runs the sorter's threads sort), then gives the connection its own back", async () => {
      const handle = t.sqlite!;
      const before = handle.pragma('cache_size', { simple: true });
      expect(before).toBe(-65536);
      const a = await claimed();
      // processing a report: a smaller cache (batches append; the memory bound matters more)
      expect(handle.pragma('cache_size', { simple: true })).toBe(-32768);
      await commit(a, [upsert('k1', 1, T0, T0)], 1);
      await commit(a, [upsert('k1', 1, T0, T0)], 2);
      let during: unknown = null;
      let threads: unknown = null;
      // the cache while the fold runs, seen from inside the finishing transaction's first query
      const prepare = handle.prepare.bind(handle);
      handle.prepare = ((text: string) => {
        if (during === null && /event_merge/.test(text)) {
          during = handle.pragma('cache_size', { simple: true });
          threads = handle.pragma('threads', { simple: true });
        }
        return prepare(text);
      }) as typeof handle.prepare;
      try {
        expect(await repo.finishRawReport(a, 'w1', done)).toBe(true);
      } finally {
        handle.prepare = prepare;
      }
      expect(during).toBe(-4096);
      expect(threads).toBe(SORT_THREADS);
      expect(SORT_THREADS).toBeGreaterThanOrEqual(1);
      expect(handle.pragma('cache_size', { simple: true })).toBe(before);
      expect(await stored('k1')).toMatchObject({ count: 2 });
    });

  if (dialect === 'sqlite')
    it("reads a page cache given in pages by the file's page size (16 KiB pages: 3,000 pages are 48,000 KiB)", async () => {
      const handle = t.sqlite!;
      expect(handle.pragma('page_size', { simple: true })).toBe(16_384);
      // 3,000 pages of 16 KiB are more than the processing cache: it shrinks, and comes back after
      handle.pragma('cache_size = 3000');
      const a = await claimed();
      expect(handle.pragma('cache_size', { simple: true })).toBe(-32768);
      await repo.releaseRawReport(a, 'w1');
      expect(handle.pragma('cache_size', { simple: true })).toBe(3000);
      // 1,000 pages (16,000 KiB) are less: left as they are
      handle.pragma('cache_size = 1000');
      const b = await claimed();
      expect(handle.pragma('cache_size', { simple: true })).toBe(1000);
      await repo.releaseRawReport(b, 'w1');
      handle.pragma('cache_size = -65536');
    });

  if (dialect === 'sqlite')
    it('gives the connection its page cache back when a report is released', async () => {
      const handle = t.sqlite!;
      const a = await claimed();
      expect(handle.pragma('cache_size', { simple: true })).toBe(-32768);
      await repo.releaseRawReport(a, 'w1');
      expect(handle.pragma('cache_size', { simple: true })).toBe(-65536);
    });

  it('a repeat the worker marks as stored merges; one that is not stored aborts its batch, never stored unenriched', async () => {
    const a = await claimed();
    await commit(a, [upsert('k1', 1, '2026-11-01T00:10:00.000Z', '2026-11-01T00:10:00.000Z')], 2);
    const repeat = {
      ...upsert('k1', 2, '2026-11-01T00:20:00.000Z', '2026-11-01T00:30:00.000Z'),
      stored: true,
    };
    const fresh = upsert('k2', 1, '2026-11-01T00:20:00.000Z', '2026-11-01T00:20:00.000Z');
    const k1 = (await stored('k1'))!;
    const second = await commit(a, [repeat, fresh], 3);
    expect(second).toEqual({ committed: true, inserted: 1, ids: [k1.id, (await stored('k2'))!.id] });
    expect(await pendingMerges()).toBe(1);
    // a repeat with its id: merged into that row without a look-up by key (here a key the row
    // does not have, which a look-up would not find: only the id is used)
    const byId = {
      ...upsert('k-unknown', 1, '2026-11-01T00:35:00.000Z', '2026-11-01T00:35:00.000Z'),
      stored: true,
    };
    expect(await commit(a, [{ ...byId, id: k1.id }], 4)).toEqual({
      committed: true,
      inserted: 0,
      ids: [k1.id],
    });
    expect(await pendingMerges()).toBe(2);
    const missing = {
      ...upsert('k3', 1, '2026-11-01T00:40:00.000Z', '2026-11-01T00:40:00.000Z'),
      stored: true,
    };
    const other = upsert('k4', 1, '2026-11-01T00:40:00.000Z', '2026-11-01T00:40:00.000Z');
    await expect(commit(a, [other, missing], 5)).rejects.toThrow(/key k3 of an earlier batch is not stored/);
    expect(await stored('k3')).toBeUndefined();
    expect(await stored('k4')).toBeUndefined();
    expect(await pendingMerges()).toBe(2);
    expect((await repo.getRawReport(a))?.linesDone).toBe(4);
    expect(await repo.finishRawReport(a, 'w1', done)).toBe(true);
    expect(await stored('k1')).toMatchObject({ count: 4, last: '2026-11-01T00:35:00.000Z' });
  });

  it('a dead-letter retry (no checkpoint) into a finished report merges at once: nothing is left to fold', async () => {
    const a = await claimed();
    await commit(a, [upsert('k1', 2, '2026-11-01T00:10:00.000Z', '2026-11-01T00:10:00.000Z')], 2);
    await repo.finishRawReport(a, 'w1', done);
    const k1 = (await stored('k1'))!;
    const r = await repo.commitBatch({
      reportId: a,
      workerId: 'retry',
      feed: 'f',
      at: T0,
      linesDone: null,
      eventsProduced: 3,
      events: [
        upsert('k1', 2, '2026-11-01T00:01:00.000Z', '2026-11-01T00:02:00.000Z'),
        upsert('k4', 1, '2026-11-01T00:03:00.000Z', '2026-11-01T00:03:00.000Z'),
      ],
      deadLetters: [],
    });
    expect(r).toEqual({ committed: true, inserted: 1, ids: [k1.id, (await stored('k4'))!.id] });
    expect(await pendingMerges()).toBe(0);
    expect(await stored('k1')).toMatchObject({
      count: 4,
      first: '2026-11-01T00:01:00.000Z',
      last: '2026-11-01T00:10:00.000Z',
    });
    const k4 = (await stored('k4'))!;
    expect(await shares()).toEqual([
      [a, k1.id, 4],
      [a, k4.id, 1],
    ]);
    // and reprocessing subtracts the retried share too
    await repo.resetRawReport(a);
    expect(await repo.countEvents()).toEqual({ rows: 0, occurrences: 0 });
  });

  it('a worker that lost its claim neither finishes nor folds; the new holder folds everything once', async () => {
    const a = await claimed();
    await commit(a, [upsert('k1', 1, T0, T0)], 1);
    await repo.finishRawReport(a, 'w1', done);
    const b = await claimed('w1');
    await commit(b, [upsert('k1', 2, T0, T0)], 2, 'w1');
    // w1's lease expires; w2 takes the report over and continues from the checkpoint
    const taken = await repo.claimRawReport({
      workerId: 'w2',
      now: T0,
      leaseExpiredBefore: '2026-11-02T00:00:00.000Z',
      reportId: b,
    });
    expect(taken?.linesDone).toBe(2);
    expect((await commit(b, [upsert('k1', 5, T0, T0)], 3, 'w1')).committed).toBe(false);
    expect(await repo.finishRawReport(b, 'w1', done)).toBe(false);
    expect(await stored('k1')).toMatchObject({ count: 1 });
    await commit(b, [upsert('k1', 3, T0, T0)], 4, 'w2');
    expect(await repo.finishRawReport(b, 'w2', done)).toBe(true);
    expect(await stored('k1')).toMatchObject({ count: 6 });
    expect(await pendingMerges()).toBe(0);
  });

  it('reprocess: an event another report still has pending merges into survives, and gets that share', async () => {
    const a = await claimed();
    await commit(a, [upsert('k1', 2, T0, T0), upsert('k2', 1, T0, T0)], 2);
    await repo.finishRawReport(a, 'w1', done);
    const b = await claimed();
    await commit(b, [upsert('k1', 3, T0, T0)], 3);
    // a's share leaves: k2 (a's alone) is deleted, k1 waits with 0 for b's pending merge
    expect(await repo.resetRawReport(a)).toEqual({
      eventsDeleted: 1,
      eventsReduced: 1,
      deadLettersDeleted: 0,
    });
    expect(await stored('k2')).toBeUndefined();
    expect(await stored('k1')).toMatchObject({ count: 0 });
    await repo.finishRawReport(b, 'w1', done);
    expect(await stored('k1')).toMatchObject({ count: 3 });
    expect(await repo.countEvents()).toEqual({ rows: 1, occurrences: 3 });
    // and b's reset removes the rest exactly
    expect(await repo.resetRawReport(b)).toEqual({
      eventsDeleted: 1,
      eventsReduced: 0,
      deadLettersDeleted: 0,
    });
    expect(await repo.countEvents()).toEqual({ rows: 0, occurrences: 0 });
    expect(await shares()).toEqual([]);
  });

  it('reprocess of an abandoned report drops its pending merges: only the folded shares remain', async () => {
    const a = await claimed();
    await commit(a, [upsert('k1', 2, T0, T0)], 2);
    await repo.finishRawReport(a, 'w1', done);
    const b = await claimed();
    await commit(b, [upsert('k1', 3, T0, T0), upsert('k3', 1, T0, T0)], 3);
    expect(await pendingMerges()).toBe(1);
    // k3 (b's own) is deleted; k1 loses b's share, which was still a pending merge
    expect(await repo.resetRawReport(b)).toEqual({
      eventsDeleted: 1,
      eventsReduced: 1,
      deadLettersDeleted: 0,
    });
    expect(await pendingMerges()).toBe(0);
    expect(await stored('k1')).toMatchObject({ count: 2 });
    expect(await stored('k3')).toBeUndefined();
    // processed again from line 0: the same end result as if it had run once
    await repo.claimRawReport({ workerId: 'w1', now: T0, leaseExpiredBefore: LEASE, reportId: b });
    await commit(b, [upsert('k1', 3, T0, T0), upsert('k3', 1, T0, T0)], 3);
    await repo.finishRawReport(b, 'w1', done);
    expect(await stored('k1')).toMatchObject({ count: 5 });
    expect(await repo.countEvents()).toEqual({ rows: 2, occurrences: 6 });
  });
});

/*
 * A report into an empty SQLite event store sets the key index aside with the others; the writer
 * then knows every key the table holds and looks none up, until anything else writes a row
 * (pipeline.repository.ts, OwnKeys).
 */
describe('pipeline repository: the key index of an empty event store (SQLite)', () => {
  const opened: { destroy(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const o of opened.splice(0).reverse()) await o.destroy();
  });
  const key = (n: number) => n.toString(16).padStart(16, '0');

  async function setUp() {
    const t = await createTestDatabase('sqlite');
    opened.push(t);
    const repo = createPipelineRepository(t);
    const claimed = async (r: PipelinePort, workerId: string) => {
      const id = await r.createRawReport({ feed: 'f', fileName: 'x.csv', source: 'file', receivedAt: T0 });
      await r.completeRawReport(id, { bytes: 1, sha256: `sha-${id}` });
      expect(
        await r.claimRawReport({ workerId, now: T0, leaseExpiredBefore: LEASE, reportId: id }),
      ).toBeTruthy();
      return id;
    };
    const commit = (
      r: PipelinePort,
      reportId: number,
      workerId: string,
      events: EventUpsert[],
      line: number,
    ) =>
      r.commitBatch({
        reportId,
        workerId,
        feed: 'f',
        at: T0,
        linesDone: line,
        eventsProduced: 1,
        events,
        deadLetters: [],
      });
    const keyIndexSetAside = () =>
      t
        .sqlite!.prepare("select count(*) from certops_deferred_indexes where name = 'events_dedup_key_uq'")
        .pluck()
        .get();
    const rows = (k: string) =>
      t.sqlite!.prepare('select count(*) from events where dedup_key = ?').pluck().get(k) as number;
    return { t, repo, claimed, commit, keyIndexSetAside, rows };
  }

  it('stays set aside while this writer is the only one, and a row written by another connection ends that', async () => {
    const { t, repo, claimed, commit, keyIndexSetAside, rows } = await setUp();
    const a = await claimed(repo, 'w1');
    expect(
      await commit(repo, a, 'w1', [upsert(key(1), 1, T0, T0), upsert(key(2), 1, T0, T0)], 2),
    ).toMatchObject({
      inserted: 2,
    });
    expect(keyIndexSetAside()).toBe(1);
    // a key met again without its id (the worker forgot it): found among the writer's own
    expect(
      await commit(repo, a, 'w1', [upsert(key(1), 1, T0, T0), upsert(key(3), 1, T0, T0)], 4),
    ).toMatchObject({
      inserted: 1,
    });
    expect(keyIndexSetAside()).toBe(1);

    // another connection adds a row: the writer can no longer know every key
    const other = new SQLite(t.sqlite!.name);
    other
      .prepare(
        `insert into events (raw_report_id, feed, time_source, first_seen, last_seen, count, dedup_key, created_at)
         values (99, 'f', ?, ?, ?, 1, ?, 'x')`,
      )
      .run(T0, T0, T0, key(9));
    other.close();
    expect(
      await commit(repo, a, 'w1', [upsert(key(9), 2, T0, T0), upsert(key(4), 1, T0, T0)], 6),
    ).toMatchObject({
      inserted: 1,
    });
    expect(keyIndexSetAside()).toBe(0); // built before the look-up
    expect(await repo.finishRawReport(a, 'w1', { state: 'done', error: null, at: T0 })).toBe(true);
    expect([1, 2, 3, 4, 9].map((n) => rows(key(n)))).toEqual([1, 1, 1, 1, 1]);
    expect(t.sqlite!.prepare('select count from events where dedup_key = ?').pluck().get(key(9))).toBe(3);
    expect(await repo.countEvents()).toEqual({ rows: 5, occurrences: 8 });
  });

  it('is built by a second writer before it writes, and each key stays one event', async () => {
    const { t, repo, claimed, commit, keyIndexSetAside, rows } = await setUp();
    const second = openDatabase({ dialect: 'sqlite', file: t.sqlite!.name });
    opened.push({ destroy: () => second.close() });
    const repo2 = createPipelineRepository(second);
    const a = await claimed(repo, 'w1');
    const b = await claimed(repo2, 'w2');
    await commit(repo, a, 'w1', [upsert(key(1), 1, T0, T0)], 1);
    expect(keyIndexSetAside()).toBe(1);
    // the second writer cannot know the first one's keys: it builds the index, then looks up
    expect(
      await commit(repo2, b, 'w2', [upsert(key(1), 1, T0, T0), upsert(key(2), 1, T0, T0)], 1),
    ).toMatchObject({
      inserted: 1,
    });
    expect(keyIndexSetAside()).toBe(0);
    // and the first one looks its keys up from now on
    expect(
      await commit(repo, a, 'w1', [upsert(key(2), 1, T0, T0), upsert(key(3), 1, T0, T0)], 2),
    ).toMatchObject({
      inserted: 1,
    });
    expect([1, 2, 3].map((n) => rows(key(n)))).toEqual([1, 1, 1]);
  });
});
