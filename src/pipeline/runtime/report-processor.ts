import { createDedupKeyer, createDedupKeySet, dedupFieldsFor } from '../../core/events/dedup.ts';
import type { FeedEvent } from '../../core/events/event.ts';
import type { BatchResult, DeadLetterInput, EventUpsert, RawReportRecord } from '../../services/ports.ts';
import type { PipelineService } from '../../services/pipeline.service.ts';
import type { FeedConfig, FeedsConfig } from '../config/feeds.config.ts';
import type { ExpertChain } from '../experts/types.ts';
import type { FeedParser, ParseOutcome } from '../parsers/types.ts';

/**
 * The processing of one raw report: stream its chunks → parser → batches of at most `batchSize`
 * events → identifying experts (url, taxonomy) → dedup key → in-batch merge → enriching experts
 * (geo, ASN, branch, contact) for the keys not yet stored during this report → one transaction per
 * batch (events upsert, per-report share, dead letters, checkpoint). Memory holds one chunk, one
 * batch and a bounded set of stored keys (13 MiB at most), whatever the report's size. A resumed
 * report skips the lines at or below its checkpoint, so a worker killed at any point leaves the
 * same end result as an uninterrupted run.
 */

export interface ProcessorDeps {
  pipeline: PipelineService;
  /** The current feeds configuration. */
  feeds: () => FeedsConfig;
  /** The parser of an id (throws for an unknown id). */
  resolveParser: (id: string) => FeedParser;
  /** The expert chain (built once per worker and reused). */
  experts: () => Promise<ExpertChain>;
  /** Events per batch (default 10,000). */
  batchSize?: number;
  /**
   * After each committed batch (incident rules): the batch's stored events, one per dedup key,
   * each key once per report (a repeat of a key the report stored already is not passed again).
   * A failure is reported through `onAfterBatchError` and never undoes the stored batch.
   */
  afterBatch?: (events: readonly { dedupKey: string; event: FeedEvent; id?: number }[]) => Promise<unknown>;
  onAfterBatchError?: (error: unknown) => void;
}

export interface ProcessProgress {
  reportId: number;
  /** Bytes of content read so far. */
  bytesRead: number;
  /** Highest line number handled so far. */
  line: number;
  eventsProduced: number;
}

export interface ReportOutcome {
  reportId: number;
  feed: string;
  state: 'done' | 'failed' | 'lost';
  error: string | null;
  /** Lines seen (the last line number) in this run. */
  lines: number;
  /** Events the parser produced in this run (before dedup). */
  eventsProduced: number;
  /** Event rows newly stored. */
  eventsInserted: number;
  /** Occurrences merged into an existing event (within the batch or into stored rows). */
  duplicatesMerged: number;
  deadLetters: number;
  /** Lines skipped because the checkpoint said they were stored already. */
  resumedFrom: number;
  ms: number;
}

/** An expert chain that does nothing (when enrichment is not wired, e.g. in unit tests). */
export const NO_EXPERTS: ExpertChain = {
  process: () => {},
  identify: () => {},
  enrich: () => {},
  enriches: () => false,
  stats: () => ({}),
};

/** When the caller gives none; the CLI, worker and serve pass the configured size (per database). */
const DEFAULT_BATCH = 10_000;

/**
 * The size of a report's stored-key set (log2 of its slots): room for one key per 32 bytes of the
 * report (no feed line is shorter), from 1,024 slots (a tiny report) to 2^20 (13 MiB, ~730,000
 * keys: a bigger report's keys beyond that start the set again).
 */
export function keySetSlotsLog2(bytes: number): number {
  const keys = Math.max(1, bytes / 32);
  return Math.min(20, Math.max(10, Math.ceil(Math.log2(keys / 0.7))));
}
/** A report claimed more often than this (its workers keep dying) fails instead of looping. */
export const MAX_ATTEMPTS = 5;

interface Batch {
  events: FeedEvent[];
  lines: number[];
  deadLetters: DeadLetterInput[];
}

/** Computes keys and merges repeats of a batch; events with an unreadable time become dead letters. */
export function mergeBatch(
  events: readonly FeedEvent[],
  lines: readonly number[],
  feed: FeedConfig,
  reportTime: string,
): { upserts: EventUpsert[]; invalid: DeadLetterInput[] } {
  const windowMs = feed.dedup.windowSeconds * 1000;
  const windows = new Map<number, string>();
  const dedupKey = createDedupKeyer();
  const merged = new Map<string, EventUpsert>();
  const invalid: DeadLetterInput[] = [];
  // the last time read, as it was written and as it is stored: a feed's lines come in time order,
  // many in the same second, so most events skip the parse and the format check
  let lastText: string | null = null;
  let lastMs = 0;
  let lastIso = '';
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    let t = e['time.source'] ?? reportTime;
    let ms: number;
    if (t === lastText) {
      ms = lastMs;
      t = lastIso;
    } else {
      ms = Date.parse(t);
      if (Number.isNaN(ms)) {
        invalid.push({ line: lines[i]!, raw: e.raw ?? '', error: `time.source: not a time: "${t}"` });
        continue;
      }
      lastText = t;
      // canonical text (Date#toISOString): a lenient parse ("2026-02-30…" is 2 March) stores the
      // time it was read as, and the store can give the text back from the milliseconds
      t = new Date(ms).toISOString();
      lastMs = ms;
      lastIso = t;
    }
    e['time.source'] = t;
    const w = Math.floor(ms / windowMs);
    let windowStart = windows.get(w);
    if (windowStart === undefined) {
      windowStart = new Date(w * windowMs).toISOString();
      windows.set(w, windowStart);
    }
    const key = dedupKey(e, feed.dedup.fields ?? dedupFieldsFor(e['classification.type']), windowStart);
    const prev = merged.get(key);
    if (prev) {
      prev.count++;
      if (ms < prev.firstMs!) {
        prev.firstSeen = t;
        prev.firstMs = ms;
      }
      if (ms > prev.lastMs!) {
        prev.lastSeen = t;
        prev.lastMs = ms;
      }
    } else {
      merged.set(key, {
        dedupKey: key,
        line: lines[i]!,
        count: 1,
        firstSeen: t,
        lastSeen: t,
        firstMs: ms,
        lastMs: ms,
        event: e,
      });
    }
  }
  return { upserts: [...merged.values()], invalid };
}

/** The content stream of a report, counting bytes read. */
async function* countingStream(
  source: AsyncIterable<Buffer>,
  onBytes: (n: number) => void,
): AsyncIterable<Buffer> {
  for await (const chunk of source) {
    onBytes(chunk.length);
    yield chunk;
  }
}

export interface ProcessOptions {
  workerId: string;
  onProgress?: (p: ProcessProgress) => void;
  /** Only these lines (dead-letter retry); no checkpoint moves. */
  onlyLines?: ReadonlySet<number>;
  /** Called per outcome of `onlyLines` (retry bookkeeping). */
  onLineOutcome?: (line: number, ok: boolean, error: string | null) => void;
  /** Stop after this many batches (tests simulate a crash). */
  stopAfterBatches?: number;
  /** Shutdown: stop after the current batch and give the claim back (resumes from the checkpoint). */
  signal?: AbortSignal;
}

export function createReportProcessor(deps: ProcessorDeps) {
  const batchSize = deps.batchSize ?? DEFAULT_BATCH;

  /** Processes a report the worker has claimed, to the end (or until the claim is lost). */
  async function processClaimed(report: RawReportRecord, options: ProcessOptions): Promise<ReportOutcome> {
    const started = Date.now();
    const outcome: ReportOutcome = {
      reportId: report.id,
      feed: report.feed,
      state: 'done',
      error: null,
      lines: 0,
      eventsProduced: 0,
      eventsInserted: 0,
      duplicatesMerged: 0,
      deadLetters: 0,
      resumedFrom: options.onlyLines ? 0 : report.linesDone,
      ms: 0,
    };
    const retry = options.onlyLines !== undefined;
    const finish = async (state: 'done' | 'failed', error: string | null) => {
      outcome.state = state;
      outcome.error = error;
      outcome.ms = Date.now() - started;
      if (!retry) {
        const ok = await deps.pipeline.finishRawReport(report.id, options.workerId, { state, error });
        if (!ok) outcome.state = 'lost';
      }
      return outcome;
    };

    if (!retry && report.attempts > MAX_ATTEMPTS)
      return finish(
        'failed',
        `gave up after ${MAX_ATTEMPTS} attempts (a worker died or lost its claim each time); reprocess it to try again`,
      );
    const feed = deps.feeds().byName.get(report.feed);
    if (!feed) return finish('failed', `feed "${report.feed}" is not in the feeds configuration`);
    let parser: FeedParser;
    try {
      parser = deps.resolveParser(feed.parser);
    } catch (e) {
      return finish('failed', (e as Error).message);
    }
    const chain = await deps.experts();
    // Keys stored during this report (bounded): a repeat of one merges into a row that has its
    // enrichment already, so it skips the `enrich` experts and the rules (which saw the event when
    // it was stored). Unless the feed's own dedup fields include an enriched one: then every event
    // is enriched before its key is known.
    const storedKeys = createDedupKeySet(keySetSlotsLog2(report.bytes));
    const keyedLate = (feed.dedup.fields ?? []).some((f) => chain.enriches(f));

    let bytesRead = 0;
    const input = countingStream(deps.pipeline.readRawContent(report.id), (n) => (bytesRead += n));
    const ctx = {
      feedName: feed.name,
      fileName: report.fileName,
      reportTime: report.receivedAt,
      options: feed.parserOptions,
    };
    const skipTo = retry ? 0 : report.linesDone;
    let pending: ParseOutcome[] = [];
    let pendingEvents = 0;
    let maxLine = 0;
    let batches = 0;

    /** A batch cut from the pending outcomes, enriched, keyed and merged, not yet handed to the store. */
    interface Prepared {
      /** The checkpoint the batch moves to (null: a dead-letter retry moves none). */
      checkpoint: number | null;
      occurrences: number;
      upserts: EventUpsert[];
      /** The upserts whose key was not stored yet during this report (enriched; for the rules). */
      fresh: EventUpsert[];
      deadLetters: DeadLetterInput[];
      /** Lines of the batch's events (dead-letter retry bookkeeping). */
      lines: number[];
      /** Lines whose event turned out unreadable (their time): dead letters, not events. */
      invalid: DeadLetterInput[];
    }
    interface InFlight {
      checkpoint: number | null;
      occurrences: number;
      upserts: EventUpsert[];
      fresh: EventUpsert[];
      deadLetters: number;
      commit: Promise<BatchResult>;
    }
    /**
     * The batch being committed. One at a time: while it is written (in a writer thread on
     * SQLite, over the network on PostgreSQL) the next batch is parsed, enriched and merged.
     */
    let inflight: InFlight | null = null;

    /** Cuts every pending outcome into a batch: experts, keys, in-batch merge (no I/O). */
    const prepare = (checkpoint: number): Prepared => {
      const take = pending;
      pending = [];
      pendingEvents = 0;
      const batch: Batch = { events: [], lines: [], deadLetters: [] };
      for (const o of take) {
        if (o.ok) {
          const e = o.event;
          e['feed.name'] ??= feed.name;
          if (feed.provider && !e['feed.provider']) e['feed.provider'] = feed.provider;
          batch.events.push(e);
          batch.lines.push(o.line);
        } else batch.deadLetters.push({ line: o.line, raw: o.raw, error: o.error });
      }
      if (keyedLate) chain.process(batch.events);
      else chain.identify(batch.events);
      const { upserts, invalid } = mergeBatch(batch.events, batch.lines, feed, report.receivedAt);
      let fresh = upserts;
      if (!keyedLate) {
        fresh = [];
        const events: FeedEvent[] = [];
        for (const u of upserts) {
          if (storedKeys.has(u.dedupKey)) {
            u.stored = true;
            continue;
          }
          fresh.push(u);
          events.push(u.event);
          // counted as stored from here on: if this batch is not stored, neither is any after it
          storedKeys.add(u.dedupKey);
        }
        chain.enrich(events);
      }
      return {
        checkpoint: retry ? null : checkpoint,
        occurrences: batch.events.length - invalid.length,
        upserts,
        fresh,
        deadLetters: invalid.length > 0 ? [...batch.deadLetters, ...invalid] : batch.deadLetters,
        lines: batch.lines,
        invalid,
      };
    };

    /** Hands a prepared batch to the store (after the one before it is stored). */
    const commit = (p: Prepared): InFlight => {
      if (retry) {
        for (const d of p.deadLetters) options.onLineOutcome?.(d.line, false, d.error);
        const badLines = new Set(p.invalid.map((d) => d.line));
        for (const l of p.lines) if (!badLines.has(l)) options.onLineOutcome?.(l, true, null);
      }
      // the repeats' ids, known since the batches before this one were stored: no look-up
      for (const u of p.upserts) {
        if (!u.stored) continue;
        const id = storedKeys.idOf(u.dedupKey);
        if (id !== 0) u.id = id;
      }
      const committing = deps.pipeline.commitBatch({
        reportId: report.id,
        workerId: options.workerId,
        feed: feed.name,
        linesDone: p.checkpoint,
        eventsProduced: p.occurrences,
        events: p.upserts,
        deadLetters: retry ? [] : p.deadLetters,
      });
      // awaited by settle (or the error path); never an unhandled rejection meanwhile
      committing.catch(() => {});
      return {
        checkpoint: p.checkpoint,
        occurrences: p.occurrences,
        upserts: p.upserts,
        fresh: p.fresh,
        deadLetters: retry ? 0 : p.deadLetters.length,
        commit: committing,
      };
    };

    /** Waits for the batch in flight; false when the claim was lost (nothing of it stored). */
    const settle = async (): Promise<boolean> => {
      const b = inflight;
      if (!b) return true;
      inflight = null;
      const result = await b.commit;
      if (!result.committed) return false;
      if (result.ids)
        for (let i = 0; i < b.upserts.length; i++) {
          const u = b.upserts[i]!;
          u.id = result.ids[i]!;
          storedKeys.setId(u.dedupKey, u.id);
        }
      if (deps.afterBatch) {
        if (b.fresh.length > 0) await runRules(b.fresh);
        // the rules' checkpoint: a worker that dies before it moves reruns them on resume
        if (b.checkpoint !== null)
          await deps.pipeline.markRulesDone(report.id, options.workerId, b.checkpoint);
      }
      outcome.eventsProduced += b.occurrences;
      outcome.eventsInserted += result.inserted;
      outcome.duplicatesMerged += b.occurrences - result.inserted;
      outcome.deadLetters += b.deadLetters;
      batches++;
      options.onProgress?.({
        reportId: report.id,
        bytesRead,
        line: maxLine,
        eventsProduced: outcome.eventsProduced,
      });
      return true;
    };

    /** After a batch cut inside the report: stop here (tests' crash, shutdown)? */
    const stopHere = async (): Promise<boolean> => {
      if (options.stopAfterBatches !== undefined && batches >= options.stopAfterBatches) return true;
      if (options.signal?.aborted && !retry) {
        await deps.pipeline.releaseRawReport(report.id, options.workerId);
        return true;
      }
      return false;
    };

    /** The incident rules on stored events; their failure never undoes the stored batch. */
    async function runRules(events: readonly { dedupKey: string; event: FeedEvent }[]): Promise<void> {
      try {
        await deps.afterBatch!(events);
      } catch (e) {
        deps.onAfterBatchError?.(e);
      }
    }

    // A worker that died between a batch's commit and its rules: the rules run first on the events
    // the report stored since their checkpoint (the rules are idempotent: a match already acted on
    // counts as a repeat), a page at a time. Like the rules themselves, a failure here is reported
    // and never stops the report (the checkpoint then stays, for the next resume to try again).
    if (!retry && deps.afterBatch && report.rulesLine < report.linesDone) {
      try {
        const lines = { after: report.rulesLine, through: report.linesDone };
        for (let afterId = 0; ;) {
          const page = await deps.pipeline.eventsAwaitingRules(report.id, lines, {
            afterId,
            limit: batchSize,
          });
          if (page.length > 0) await runRules(page);
          if (page.length < batchSize) break;
          afterId = page[page.length - 1]!.id;
        }
        await deps.pipeline.markRulesDone(report.id, options.workerId, report.linesDone);
      } catch (e) {
        deps.onAfterBatchError?.(e);
      }
    }

    const lost = () => {
      outcome.lines = maxLine;
      outcome.state = 'lost';
      outcome.ms = Date.now() - started;
      return outcome;
    };
    try {
      for await (const outs of parser.parse(input, ctx)) {
        for (const o of outs) {
          if (o.line > maxLine) maxLine = o.line;
          if (o.line <= skipTo) continue;
          if (retry && !options.onlyLines!.has(o.line)) continue;
          // A full batch is written when the next line starts: a line's outcomes stay together.
          if (
            (pendingEvents >= batchSize || pending.length >= 2 * batchSize) &&
            o.line > pending[pending.length - 1]!.line
          ) {
            // the next batch is enriched while the one before it is still being stored
            const next = prepare(o.line - 1);
            if (inflight) {
              // the previous batch was cut inside the report: its stop checks come once it is stored
              if (!(await settle())) return lost();
              if (await stopHere()) return lost();
            }
            inflight = commit(next);
          }
          pending.push(o);
          if (o.ok) pendingEvents++;
        }
      }
      outcome.lines = maxLine;
      const last = pending.length > 0 || (!retry && maxLine > skipTo) ? prepare(maxLine) : null;
      if (inflight) {
        if (!(await settle())) return lost();
        if (await stopHere()) return lost();
      }
      if (last) {
        inflight = commit(last);
        if (!(await settle())) return lost();
      }
    } catch (e) {
      outcome.lines = maxLine;
      const b = inflight as InFlight | null;
      inflight = null;
      if (b) await b.commit.catch(() => {});
      return finish('failed', `${(e as Error).message}`.split('\n')[0]!);
    }
    return finish('done', null);
  }

  return { processClaimed };
}

export type ReportProcessor = ReturnType<typeof createReportProcessor>;
