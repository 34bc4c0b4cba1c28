import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { FeedEvent } from '../../core/events/event.ts';
import { systemClock } from '../../core/shared/clock.ts';
import { createAuditRepository } from '../../db/repositories/audit.repository.ts';
import { createPipelineRepository } from '../../db/repositories/pipeline.repository.ts';
import {
  createPipelineService,
  RAW_CHUNK_BYTES,
  type PipelineService,
} from '../../services/pipeline.service.ts';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../../test/support/db.ts';
import { parseFeedsConfig, type FeedsConfig } from '../config/feeds.config.ts';
import {
  createReportProcessor,
  keySetSlotsLog2,
  MAX_ATTEMPTS,
  mergeBatch,
  NO_EXPERTS,
} from './report-processor.ts';
import { retryDeadLetters } from './retry.ts';
import { testLinesParser } from './test-parser.ts';
import { createPipelineWorker } from './worker.ts';

const FEEDS: FeedsConfig = parseFeedsConfig(
  {
    feeds: [
      { name: 'sinkhole', parser: 'test-lines', provider: 'Test' },
      { name: 'other', parser: 'test-lines' },
    ],
  },
  { file: 'feeds.yaml' },
);

function deps(pipeline: PipelineService, batchSize = 50) {
  return {
    pipeline,
    feeds: () => FEEDS,
    resolveParser: () => testLinesParser,
    experts: async () => NO_EXPERTS,
    batchSize,
  };
}

/** n lines: bot i%bots talks to C&C 203.0.113.(i%3) on one day; every `badEvery`th line is broken. */
function lines(n: number, opts: { bots?: number; badEvery?: number; day?: string } = {}): string {
  const out: string[] = ['# time,src,dst,port,malware'];
  for (let i = 1; i <= n; i++) {
    if (opts.badEvery && i % opts.badEvery === 0) out.push(`broken line ${i}`);
    else
      out.push(
        `${opts.day ?? '2026-11-01'}T${String(i % 24).padStart(2, '0')}:00:00Z,10.0.${(i % (opts.bots ?? 100)) >> 8}.${(i % (opts.bots ?? 100)) & 255},203.0.113.${i % 3},80,conficker`,
      );
  }
  return out.join('\n') + '\n';
}

async function snapshot(t: TestDatabase) {
  const rows = await t.db
    .selectFrom('events')
    .select(['dedup_key', 'count', 'first_seen', 'last_seen', 'source_ip', 'destination_ip'])
    .orderBy('dedup_key')
    .execute();
  const h = createHash('sha256');
  for (const r of rows)
    h.update(`${r.dedup_key}|${r.count}|${r.first_seen}|${r.last_seen}|${r.source_ip}|${r.destination_ip}\n`);
  return {
    rows: rows.length,
    total: rows.reduce((n, r) => n + Number(r.count), 0),
    checksum: h.digest('hex'),
  };
}

describe('mergeBatch', () => {
  const feed = FEEDS.byName.get('sinkhole')!;
  const bot = (time: string | undefined, ip = '10.0.0.1') =>
    ({
      'feed.name': 'sinkhole',
      'classification.type': 'infected-system',
      'time.source': time,
      'source.ip': ip,
      'destination.ip': '203.0.113.1',
      raw: `${time},${ip}`,
    }) as FeedEvent;

  it('stores every time as UTC ISO, merges repeats with their span, and turns an unreadable time into a dead letter', () => {
    const events = [
      bot('2026-11-01T08:00:00+08:00'), // 00:00 UTC
      bot('2026-11-01T08:00:00+08:00'), // the same text again
      bot('2026-11-01T00:00:05.000Z'),
      bot('yesterday'),
      bot('yesterday'), // the same bad text again: a dead letter again
      bot('2026-11-01T00:00:05.000Z', '10.0.0.2'),
      bot('2026-11-01T08:00:00+08:00', '10.0.0.2'), // a text seen earlier, after others
      bot(undefined, '10.0.0.3'), // no time: the report's
    ];
    const { upserts, invalid } = mergeBatch(
      events,
      [2, 3, 4, 5, 6, 7, 8, 9],
      feed,
      '2026-11-01T12:00:00.000Z',
    );
    expect(invalid).toEqual([
      { line: 5, raw: 'yesterday,10.0.0.1', error: 'time.source: not a time: "yesterday"' },
      { line: 6, raw: 'yesterday,10.0.0.1', error: 'time.source: not a time: "yesterday"' },
    ]);
    expect(
      upserts.map((u) => [
        u.event['source.ip'],
        u.line,
        u.count,
        u.firstSeen,
        u.lastSeen,
        u.event['time.source'],
      ]),
    ).toEqual([
      ['10.0.0.1', 2, 3, '2026-11-01T00:00:00.000Z', '2026-11-01T00:00:05.000Z', '2026-11-01T00:00:00.000Z'],
      ['10.0.0.2', 7, 2, '2026-11-01T00:00:00.000Z', '2026-11-01T00:00:05.000Z', '2026-11-01T00:00:05.000Z'],
      ['10.0.0.3', 9, 1, '2026-11-01T12:00:00.000Z', '2026-11-01T12:00:00.000Z', '2026-11-01T12:00:00.000Z'],
    ]);
    // every event holds its time as stored, the repeats included
    expect(events.map((e) => e['time.source'])).toEqual([
      '2026-11-01T00:00:00.000Z',
      '2026-11-01T00:00:00.000Z',
      '2026-11-01T00:00:05.000Z',
      'yesterday',
      'yesterday',
      '2026-11-01T00:00:05.000Z',
      '2026-11-01T00:00:00.000Z',
      '2026-11-01T12:00:00.000Z',
    ]);
  });

  it('stores a time as it was read, in canonical text, with the span in milliseconds for the store', () => {
    // JavaScript reads 30 February as 2 March and 24:00 as the next day's midnight: the text stored
    // is the time read, so that the store can give any time back from its milliseconds
    const march2 = Date.parse('2026-03-02T00:00:00.000Z');
    const noon = Date.parse('2026-03-01T12:00:00.000Z');
    const { upserts } = mergeBatch(
      [bot('2026-02-30T00:00:00.000Z'), bot('2026-03-01T24:00:00.000Z'), bot('2026-03-01T12:00:00.000Z')],
      [2, 3, 4],
      feed,
      '2026-11-01T12:00:00.000Z',
    );
    expect(
      upserts.map((u) => [u.count, u.firstSeen, u.lastSeen, u.firstMs, u.lastMs, u.event['time.source']]),
    ).toEqual([
      // both read as 2 March 00:00: one event, in that day's window
      [2, '2026-03-02T00:00:00.000Z', '2026-03-02T00:00:00.000Z', march2, march2, '2026-03-02T00:00:00.000Z'],
      [1, '2026-03-01T12:00:00.000Z', '2026-03-01T12:00:00.000Z', noon, noon, '2026-03-01T12:00:00.000Z'],
    ]);
  });
});

describe.each(DIALECTS)('pipeline runtime (%s)', (dialect) => {
  let t: TestDatabase;
  let pipeline: PipelineService;

  beforeEach(async () => {
    t = await createTestDatabase(dialect);
    pipeline = createPipelineService({
      store: createPipelineRepository(t),
      audit: createAuditRepository(t.db),
      clock: systemClock,
      knownFeeds: () => FEEDS.names,
    });
  });
  afterEach(async () => {
    await t.destroy();
  });

  it('stores a raw report in 1 MiB chunks and streams it back byte for byte', async () => {
    const big = Buffer.alloc(RAW_CHUNK_BYTES * 2 + 12345, 'a');
    big.write('hello', 0);
    const pieces = async function* () {
      for (let i = 0; i < big.length; i += 70_000) yield big.subarray(i, Math.min(big.length, i + 70_000));
    };
    const r = await pipeline.submitRawReport({ feed: 'sinkhole', fileName: 'x.csv', stream: pieces() });
    expect(r.bytes).toBe(big.length);
    expect(r.sha256).toBe(createHash('sha256').update(big).digest('hex'));
    const chunks = await t.db
      .selectFrom('raw_report_chunks')
      .select(['seq'])
      .where('report_id', '=', r.id)
      .execute();
    expect(chunks.length).toBe(3);
    const back: Buffer[] = [];
    for await (const c of pipeline.readRawContent(r.id)) back.push(c);
    expect(Buffer.concat(back).equals(big)).toBe(true);
    const rec = await pipeline.getRawReport(r.id);
    expect(rec.state).toBe('pending');
  });

  it('enriches the next batch while the one before it is being stored, and stores the batches in order', async () => {
    await pipeline.submitRawReport({ feed: 'sinkhole', fileName: 'a', content: lines(200) });
    const log: string[] = [];
    let prepared = 0;
    const chain = {
      ...NO_EXPERTS,
      identify: () => {
        log.push(`experts ${++prepared}`);
      },
    };
    // a store whose commit takes a while (PostgreSQL over the network, a writer thread)
    const slow: PipelineService = {
      ...pipeline,
      commitBatch: async (b) => {
        log.push(`store ${b.linesDone}`);
        await new Promise((r) => setTimeout(r, 30));
        const res = await pipeline.commitBatch(b);
        log.push(`stored ${b.linesDone}`);
        return res;
      },
    };
    const claimed = await pipeline.claimRawReport({ workerId: 'w' });
    const out = await createReportProcessor({
      ...deps(slow),
      experts: async () => chain,
    }).processClaimed(claimed!, { workerId: 'w' });
    expect(out).toMatchObject({ state: 'done', eventsProduced: 200 });
    // 200 lines (and a header) in batches of 50: the second batch's experts run before the first is stored
    expect(log).toEqual([
      'experts 1',
      'store 51',
      'experts 2',
      'stored 51',
      'store 101',
      'experts 3',
      'stored 101',
      'store 151',
      'experts 4',
      'stored 151',
      'store 201',
      'stored 201',
    ]);
    expect((await snapshot(t)).total).toBe(200);
  });

  it('refuses unknown feeds and oversize content, leaving nothing behind', async () => {
    await expect(
      pipeline.submitRawReport({ feed: 'nope', fileName: 'a', content: 'x' }),
    ).rejects.toMatchObject({
      id: 'not_found',
      fields: [{ field: 'name' }],
    });
    await expect(
      pipeline.submitRawReport({ feed: 'sinkhole', fileName: 'a', content: 'x'.repeat(100), maxBytes: 10 }),
    ).rejects.toMatchObject({ id: 'invalid_input' });
    expect(await t.db.selectFrom('raw_reports').select('id').execute()).toEqual([]);
    expect(await t.db.selectFrom('raw_report_chunks').select('seq').execute()).toEqual([]);
  });

  it('skips a duplicate file by SHA-256 when asked', async () => {
    const a = await pipeline.submitRawReport({
      feed: 'sinkhole',
      fileName: 'a',
      content: 'same',
      skipDuplicate: true,
    });
    const b = await pipeline.submitRawReport({
      feed: 'sinkhole',
      fileName: 'b',
      content: 'same',
      skipDuplicate: true,
    });
    expect(b).toMatchObject({ id: a.id, duplicate: true });
    expect((await pipeline.listRawReports({ limit: 10 })).length).toBe(1);
  });

  it('processes in batches: dedup merges repeats, dead letters keep line and error, feed totals update', async () => {
    const r = await pipeline.submitRawReport({
      feed: 'sinkhole',
      fileName: 'a.csv',
      content: lines(500, { bots: 40, badEvery: 97 }),
    });
    const worker = createPipelineWorker({ ...deps(pipeline), workerId: 'w1' });
    const [outcome] = await worker.drain();
    expect(outcome).toMatchObject({ reportId: r.id, state: 'done', deadLetters: 5, eventsProduced: 495 });
    // 40 bots × 3 C&Cs, but bot b always meets C&C b%3 (i%40 and i%3): 40 distinct pairs
    const snap = await snapshot(t);
    expect(snap.total).toBe(495);
    expect(snap.rows).toBe(outcome!.eventsInserted);
    expect(outcome!.duplicatesMerged).toBe(495 - snap.rows);
    const dead = await pipeline.listDeadLetters({ reportId: r.id, limit: 100 });
    expect(dead.map((d) => d.line).sort((a, b) => a - b)).toEqual([98, 195, 292, 389, 486]);
    expect(dead[0]!.raw).toMatch(/^broken line/);
    const rec = await pipeline.getRawReport(r.id);
    expect(rec).toMatchObject({
      state: 'done',
      linesDone: 501,
      eventsCount: 495,
      errorsCount: 5,
      claimedBy: null,
    });
    const fs = await pipeline.getFeedState('sinkhole');
    expect(fs).toMatchObject({ reportsTotal: 1, eventsTotal: 495, errorsTotal: 5, lastStatus: 'ok' });
    const stored = await t.db.selectFrom('events').selectAll().limit(1).executeTakeFirstOrThrow();
    expect(stored.source_ip_key).toMatch(/^00000000000000000000ffff0a00/);
    expect(stored.feed).toBe('sinkhole');
    expect(JSON.parse(stored.fields)).toMatchObject({ 'feed.provider': 'Test' });
  });

  it('a second report of the same window merges into the same events; reprocess subtracts exactly its share', async () => {
    const w = createPipelineWorker({ ...deps(pipeline), workerId: 'w' });
    const a = await pipeline.submitRawReport({
      feed: 'sinkhole',
      fileName: 'a',
      content: lines(300, { bots: 30 }),
    });
    await w.drain();
    const afterA = await snapshot(t);
    const b = await pipeline.submitRawReport({
      feed: 'sinkhole',
      fileName: 'b',
      content: lines(200, { bots: 50, badEvery: 50 }),
    });
    await w.drain();
    const afterAB = await snapshot(t);
    expect(afterAB.total).toBe(300 + 196);
    const reset = await pipeline.reprocessRawReport(b.id);
    expect(reset.deadLettersDeleted).toBe(4);
    expect(reset.eventsDeleted + reset.eventsReduced).toBeGreaterThan(0);
    expect(await snapshot(t)).toMatchObject({ rows: afterA.rows, total: afterA.total });
    await w.drain();
    expect((await snapshot(t)).total).toBe(afterAB.total);
    expect((await snapshot(t)).rows).toBe(afterAB.rows);
    expect((await pipeline.listDeadLetters({ reportId: b.id, limit: 10 })).length).toBe(4);
    expect(a.id).toBeLessThan(b.id);
    const audit = await createAuditRepository(t.db).list({ entity: 'raw_report', limit: 5 });
    expect(audit[0]).toMatchObject({ action: 'reprocess', entityId: String(b.id) });
  });

  it('resumes from the checkpoint after a crash with the same end result as an uninterrupted run', async () => {
    const d = deps(pipeline, 64);
    const r = await pipeline.submitRawReport({
      feed: 'sinkhole',
      fileName: 'a',
      content: lines(2000, { bots: 300, badEvery: 333 }),
    });
    await createPipelineWorker({ ...d, workerId: 'clean' }).drain();
    const clean = await snapshot(t);
    const cleanDead = (await pipeline.listDeadLetters({ limit: 100 }))
      .map((x) => `${x.line}:${x.error}`)
      .sort();
    // reprocess removes exactly this report's events (it is the only one)
    await pipeline.reprocessRawReport(r.id);
    expect(await pipeline.countEvents()).toEqual({ rows: 0, occurrences: 0 });
    // a worker "dies" after 7 batches: its claim stays
    const claimed = await pipeline.claimRawReport({ workerId: 'dead' });
    const partial = await createReportProcessor(d).processClaimed(claimed!, {
      workerId: 'dead',
      stopAfterBatches: 7,
    });
    expect(partial.state).toBe('lost');
    const mid = await pipeline.getRawReport(r.id);
    expect(mid).toMatchObject({ state: 'processing', claimedBy: 'dead' });
    expect(mid.linesDone).toBeGreaterThan(7 * 64 - 1);
    expect(mid.linesDone).toBeLessThan(2001);
    // a live lease is not taken over, an expired one is
    expect(await pipeline.claimRawReport({ workerId: 'new' })).toBeNull();
    await t.db
      .updateTable('raw_reports')
      .set({ claimed_at: '2000-01-01T00:00:00.000Z' })
      .where('id', '=', r.id)
      .execute();
    const [resumed] = await createPipelineWorker({ ...d, workerId: 'new' }).drain();
    expect(resumed).toMatchObject({ state: 'done', resumedFrom: mid.linesDone });
    // the dead worker's late batch is refused
    const late = await pipeline.commitBatch({
      reportId: r.id,
      workerId: 'dead',
      feed: 'sinkhole',
      linesDone: 99999,
      eventsProduced: 1,
      events: [],
      deadLetters: [],
    });
    expect(late.committed).toBe(false);
    expect(await snapshot(t)).toEqual(clean);
    expect(
      (await pipeline.listDeadLetters({ limit: 100 })).map((x) => `${x.line}:${x.error}`).sort(),
    ).toEqual(cleanDead);
    expect(await pipeline.getRawReport(r.id)).toMatchObject({
      linesDone: 2001,
      eventsCount: 1994,
      errorsCount: 6,
    });
  });

  it('hands every committed batch to afterBatch (incident rules), each dedup key once per report', async () => {
    // 150 keys (bot i % 150 and C&C i % 3 repeat together every 150 lines), batches of 100 lines:
    // the first batch stores 100 keys, the second 50 new ones and 50 repeats, the third repeats only
    await pipeline.submitRawReport({ feed: 'sinkhole', fileName: 'a', content: lines(300, { bots: 150 }) });
    const seen: string[][] = [];
    const idOf = new Map<string, number | undefined>();
    // what the store is handed: the repeats, and which of them come with their row's id
    const handed: { stored: number; withId: number }[] = [];
    const spy: PipelineService = {
      ...pipeline,
      commitBatch: async (b) => {
        const stored = b.events.filter((u) => u.stored);
        handed.push({ stored: stored.length, withId: stored.filter((u) => u.id !== undefined).length });
        return pipeline.commitBatch(b);
      },
    };
    await createPipelineWorker({
      ...deps(spy, 100),
      afterBatch: async (events) => {
        seen.push(events.map((e) => e.dedupKey));
        for (const e of events) idOf.set(e.dedupKey, e.id);
      },
    }).drain();
    expect(seen.map((keys) => keys.length)).toEqual([100, 50]);
    expect(new Set(seen.flat()).size).toBe(150);
    const stored = await t.db.selectFrom('events').select(['id', 'dedup_key', 'count']).execute();
    expect(new Set(seen.flat())).toEqual(new Set(stored.map((r) => r.dedup_key)));
    expect(stored.every((r) => r.count === 2)).toBe(true);
    // the rules get each event's id (no look-up by key), and so do the store's later repeats
    for (const r of stored) expect(idOf.get(r.dedup_key)).toBe(Number(r.id));
    expect(handed).toEqual([
      { stored: 0, withId: 0 },
      { stored: 50, withId: 50 },
      { stored: 100, withId: 100 },
    ]);
  });

  it('sizes the stored-key set by the report: small for a small one, at most 2^20 slots', () => {
    expect(keySetSlotsLog2(0)).toBe(10);
    expect(keySetSlotsLog2(20_000)).toBe(10); // 625 lines at most: 1,024 slots hold 716 keys
    expect(keySetSlotsLog2(40_000)).toBe(11);
    // every line of a report fits while the set may grow: slots × 0.7 ≥ bytes / 32
    for (const bytes of [1e5, 3e5, 1e6, 5e6, 1.6e7])
      expect(2 ** keySetSlotsLog2(bytes) * 0.7).toBeGreaterThanOrEqual(bytes / 32);
    expect(keySetSlotsLog2(35_000_000)).toBe(20);
    expect(keySetSlotsLog2(10e9)).toBe(20);
  });

  it('enriches each key once per report: repeats of a stored key skip the enriching experts', async () => {
    await pipeline.submitRawReport({ feed: 'sinkhole', fileName: 'a', content: lines(300, { bots: 150 }) });
    const identified: number[] = [];
    const enriched: string[] = [];
    const chain = {
      ...NO_EXPERTS,
      identify: (events: FeedEvent[]) => {
        identified.push(events.length);
      },
      enrich: (events: FeedEvent[]) => {
        for (const e of events) {
          enriched.push(`${e['source.ip']}>${e['destination.ip']}`);
          e['source.asn'] = 64500;
        }
      },
    };
    await createPipelineWorker({ ...deps(pipeline, 100), experts: async () => chain }).drain();
    expect(identified).toEqual([100, 100, 100]);
    expect(enriched.length).toBe(150);
    expect(new Set(enriched).size).toBe(150);
    const rows = await t.db.selectFrom('events').select(['source_asn', 'count']).execute();
    expect(rows.length).toBe(150);
    expect(rows.every((r) => Number(r.source_asn) === 64500 && r.count === 2)).toBe(true);
  });

  it('enriches every event before keying when a feed is deduplicated on an enriched field', async () => {
    const feeds = parseFeedsConfig(
      { feeds: [{ name: 'sinkhole', parser: 'test-lines', dedup: { fields: ['source.ip', 'source.asn'] } }] },
      { file: 'feeds.yaml' },
    );
    await pipeline.submitRawReport({ feed: 'sinkhole', fileName: 'a', content: lines(300, { bots: 150 }) });
    let processed = 0;
    const chain = {
      ...NO_EXPERTS,
      process: (events: FeedEvent[]) => {
        processed += events.length;
        // the ASN splits each bot in two: keys depend on what the experts add
        for (const e of events) e['source.asn'] = e['destination.ip'] === '203.0.113.0' ? 1 : 2;
      },
      identify: () => {
        throw new Error('identify must not run for this feed');
      },
      enriches: (field: string) => field === 'source.asn',
    };
    await createPipelineWorker({
      ...deps(pipeline, 100),
      feeds: () => feeds,
      experts: async () => chain,
    }).drain();
    expect(processed).toBe(300);
    const rows = await t.db.selectFrom('events').select(['source_asn']).execute();
    // bot i % 150 meets C&C .0 when i % 3 = 0: 50 bots with ASN 1, 100 with ASN 2
    expect(rows.filter((r) => Number(r.source_asn) === 1).length).toBe(50);
    expect(rows.filter((r) => Number(r.source_asn) === 2).length).toBe(100);
  });

  it('runs the rules a worker died before on resume, from the stored events, then the rest', async () => {
    const content = lines(600, { bots: 400 });
    // the uninterrupted run: what the rules see
    const clean = await pipeline.submitRawReport({ feed: 'sinkhole', fileName: 'clean', content });
    const cleanSeen = new Map<string, unknown>();
    await createPipelineWorker({
      ...deps(pipeline, 100),
      workerId: 'clean',
      afterBatch: async (events) => {
        for (const e of events) cleanSeen.set(e.dedupKey, e.event);
      },
    }).drain();
    expect((await pipeline.getRawReport(clean.id)).rulesLine).toBe(601);
    await pipeline.reprocessRawReport(clean.id);
    expect(await pipeline.getRawReport(clean.id)).toMatchObject({ linesDone: 0, rulesLine: 0 });
    await t.db.deleteFrom('raw_reports').where('id', '=', clean.id).execute();

    // a worker commits two batches and dies before their rules (none ran: the rules' checkpoint
    // stays where it was)
    const r = await pipeline.submitRawReport({ feed: 'sinkhole', fileName: 'crash', content });
    const claimed = await pipeline.claimRawReport({ workerId: 'dead' });
    await createReportProcessor(deps(pipeline, 100)).processClaimed(claimed!, {
      workerId: 'dead',
      stopAfterBatches: 2,
    });
    const mid = await pipeline.getRawReport(r.id);
    expect(mid.linesDone).toBeGreaterThanOrEqual(200);
    expect(mid.rulesLine).toBe(0);
    await t.db
      .updateTable('raw_reports')
      .set({ claimed_at: '2000-01-01T00:00:00.000Z' })
      .where('id', '=', r.id)
      .execute();

    const seen = new Map<string, unknown>();
    const calls: number[] = [];
    await createPipelineWorker({
      ...deps(pipeline, 100),
      workerId: 'new',
      afterBatch: async (events) => {
        calls.push(events.length);
        for (const e of events) seen.set(e.dedupKey, e.event);
      },
    }).drain();
    // the replay came first, then the resumed batches: every event the clean run gave the rules,
    // read back from the store as the experts left it
    expect(calls.length).toBeGreaterThan(1);
    expect([...seen.keys()].sort()).toEqual([...cleanSeen.keys()].sort());
    // (the input line itself, `raw`, is not stored with an event; no rule reads it)
    const withoutRaw = (e: unknown) => ({ ...(e as Record<string, unknown>), raw: undefined });
    for (const [key, event] of seen) expect(withoutRaw(event)).toEqual(withoutRaw(cleanSeen.get(key)));
    expect(await pipeline.getRawReport(r.id)).toMatchObject({
      state: 'done',
      linesDone: 601,
      rulesLine: 601,
    });
  });

  it('a replay of rules that cannot read its events is reported and the report goes on', async () => {
    const r = await pipeline.submitRawReport({ feed: 'sinkhole', fileName: 'x', content: lines(300) });
    const claimed = await pipeline.claimRawReport({ workerId: 'dead' });
    await createReportProcessor(deps(pipeline, 100)).processClaimed(claimed!, {
      workerId: 'dead',
      stopAfterBatches: 1,
    });
    await t.db
      .updateTable('raw_reports')
      .set({ claimed_at: '2000-01-01T00:00:00.000Z' })
      .where('id', '=', r.id)
      .execute();
    const failing: PipelineService = {
      ...pipeline,
      eventsAwaitingRules: () => Promise.reject(new Error('replay read failed')),
    };
    const errors: unknown[] = [];
    const [outcome] = await createPipelineWorker({
      ...deps(failing, 100),
      workerId: 'new',
      afterBatch: async () => {},
      onAfterBatchError: (e) => errors.push(e),
    }).drain();
    expect(errors.map((e) => (e as Error).message)).toEqual(['replay read failed']);
    expect(outcome).toMatchObject({ state: 'done' });
    expect(await pipeline.getRawReport(r.id)).toMatchObject({ linesDone: 301, rulesLine: 301 });
  });

  it('a report whose workers keep dying fails after MAX_ATTEMPTS claims instead of looping', async () => {
    const r = await pipeline.submitRawReport({ feed: 'sinkhole', fileName: 'a', content: lines(10) });
    await t.db.updateTable('raw_reports').set({ attempts: MAX_ATTEMPTS }).where('id', '=', r.id).execute();
    const [o] = await createPipelineWorker(deps(pipeline)).drain();
    expect(o).toMatchObject({ state: 'failed', error: expect.stringMatching(/^gave up after 5 attempts/) });
    expect(await pipeline.countEvents()).toEqual({ rows: 0, occurrences: 0 });
    await pipeline.reprocessRawReport(r.id);
    expect((await createPipelineWorker(deps(pipeline)).drain())[0]).toMatchObject({
      state: 'done',
      eventsProduced: 10,
    });
  });

  it('retry re-parses dead-letter lines with the current parser', async () => {
    const r = await pipeline.submitRawReport({
      feed: 'sinkhole',
      fileName: 'a',
      content: lines(100, { badEvery: 25 }),
    });
    await createPipelineWorker(deps(pipeline)).drain();
    expect((await pipeline.listDeadLetters({ limit: 10 })).length).toBe(4);
    // a "fixed" parser that reads broken lines as events
    const fixed = {
      id: 'test-lines',
      async *parse(input: AsyncIterable<Buffer | string>, ctx: Parameters<typeof testLinesParser.parse>[1]) {
        for await (const outs of testLinesParser.parse(input, ctx))
          yield outs.map((o) =>
            o.ok
              ? o
              : {
                  ok: true as const,
                  line: o.line,
                  event: {
                    'time.source': '2026-11-01T00:00:00.000Z',
                    'source.ip': '192.0.2.1',
                    'classification.type': 'infected-system',
                  },
                },
          );
      },
    };
    const before = await snapshot(t);
    const res = await retryDeadLetters({ ...deps(pipeline), resolveParser: () => fixed }, { reportId: r.id });
    expect(res).toMatchObject({ retried: 4, succeeded: 4, stillFailing: 0 });
    const after = await snapshot(t);
    expect(after.total).toBe(before.total + 4);
    expect(await pipeline.listDeadLetters({ limit: 10 })).toEqual([]);
    expect(
      (await pipeline.listDeadLetters({ limit: 10, includeRetried: true })).every((d) => d.retriedAt),
    ).toBe(true);
    // reprocess after a retry still subtracts exactly
    await pipeline.reprocessRawReport(r.id);
    expect(await pipeline.countEvents()).toEqual({ rows: 0, occurrences: 0 });
  });
});

describe('pipeline store on a SQLite file: writer thread and deferred event indexes', () => {
  const dbs: TestDatabase[] = [];
  afterEach(async () => {
    for (const d of dbs.splice(0)) await d.destroy();
  });

  async function open(writerThread: 'always' | 'auto' | 'never') {
    const t = await createTestDatabase('sqlite');
    dbs.push(t);
    const pipeline = createPipelineService({
      store: createPipelineRepository(t, { writerThread }),
      audit: createAuditRepository(t.db),
      clock: systemClock,
      knownFeeds: () => FEEDS.names,
    });
    return { t, pipeline };
  }

  const eventIndexes = async (t: TestDatabase) =>
    (await sql`select name from sqlite_master where type = 'index' and tbl_name = 'events'`.execute(t.db))
      .rows.length;
  const deferredIndexes = async (t: TestDatabase) =>
    (await sql`select name from certops_deferred_indexes`.execute(t.db)).rows.length;

  // `auto` as much as `always`: a first load into an empty store goes to the thread from its first
  // batch, so the thread knows every key stored and nothing is built early
  it.each(['always', 'auto'] as const)(
    'commits in a writer thread (%s) with the same result as on the caller connection, also across a crash',
    async (mode) => {
      const content = lines(2000, { bots: 300, badEvery: 333 });
      const plain = await open('never');
      const indexes = await eventIndexes(plain.t);
      await plain.pipeline.submitRawReport({ feed: 'sinkhole', fileName: 'a', content });
      await createPipelineWorker({ ...deps(plain.pipeline, 64), workerId: 'plain' }).drain();
      const expected = await snapshot(plain.t);
      expect(expected.total).toBe(1994);

      const threaded = await open(mode);
      const r = await threaded.pipeline.submitRawReport({ feed: 'sinkhole', fileName: 'a', content });
      const d = deps(threaded.pipeline, 64);
      const claimed = await threaded.pipeline.claimRawReport({ workerId: 'dead' });
      const partial = await createReportProcessor(d).processClaimed(claimed!, {
        workerId: 'dead',
        stopAfterBatches: 7,
      });
      expect(partial.state).toBe('lost');
      // into an empty event store the indexes, the key index included, wait until the report ends
      // (crash-safe record); the writer knows every key it stored, so it needs no look-up meanwhile
      expect(await deferredIndexes(threaded.t)).toBe(indexes);
      expect(await eventIndexes(threaded.t)).toBe(0);
      await threaded.t.db
        .updateTable('raw_reports')
        .set({ claimed_at: '2000-01-01T00:00:00.000Z' })
        .where('id', '=', r.id)
        .execute();
      const [resumed] = await createPipelineWorker({ ...d, workerId: 'new' }).drain();
      expect(resumed).toMatchObject({ state: 'done' });
      expect(await snapshot(threaded.t)).toEqual(expected);
      expect(await eventIndexes(threaded.t)).toBe(indexes);
      expect(await deferredIndexes(threaded.t)).toBe(0);
    },
  );
});
