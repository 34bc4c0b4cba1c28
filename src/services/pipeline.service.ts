import { createHash } from 'node:crypto';
import type { Actor } from '../core/auth/actor.ts';
import type { Clock } from '../core/shared/clock.ts';
import { DomainError, invalidInput, notFound } from '../core/shared/errors.ts';
import type {
  AuditPort,
  BatchResult,
  BatchWrite,
  DeadLetterQuery,
  DeadLetterRecord,
  EventTotals,
  FeedStateRecord,
  FetchStateUpdate,
  PipelinePort,
  RawReportQuery,
  RawReportRecord,
  StoredEventForRules,
  RawReportSource,
  ReprocessReset,
} from './ports.ts';

/** Raw content is stored in chunks of this size (ADR 0006). */
export const RAW_CHUNK_BYTES = 1024 * 1024;

export interface SubmitRawReportInput {
  feed: string;
  fileName: string;
  /** How it arrived; default `file`. */
  source?: RawReportSource;
  /** The whole content (small inputs: mail attachments, tests)… */
  content?: Buffer | string;
  /** …or a stream of it (files, uploads, downloads): never held whole in memory. */
  stream?: AsyncIterable<Buffer | string | Uint8Array>;
  /** Larger content is refused (the partial report is removed); none when absent. */
  maxBytes?: number;
  /** When a report of this feed with the same SHA-256 exists, store nothing and return it. */
  skipDuplicate?: boolean;
  /** Who submits (API uploads, CLI); system when absent. */
  actor?: Actor;
}

export interface SubmittedRawReport {
  id: number;
  bytes: number;
  sha256: string;
  /** Set when skipDuplicate found the same content already stored (id is then that report). */
  duplicate: boolean;
}

export interface ClaimOptions {
  workerId: string;
  feeds?: readonly string[];
  reportId?: number;
}

export interface PipelineService {
  /**
   * Stores an input as a raw report (state pending) before anything is derived from it: the
   * entry point of every collector, the API upload and the mail intake (attachments routed to a
   * feed by sender or subject). Unknown feed → not_found; over maxBytes → invalid_input.
   */
  submitRawReport(input: SubmitRawReportInput): Promise<SubmittedRawReport>;
  readRawContent(reportId: number): AsyncIterable<Buffer>;
  getRawReport(reportId: number): Promise<RawReportRecord>;
  listRawReports(query: RawReportQuery): Promise<RawReportRecord[]>;
  /** The next claimable report for this worker, or null. */
  claimRawReport(options: ClaimOptions): Promise<RawReportRecord | null>;
  /** How many reports other workers hold under a live lease. */
  countOtherLiveClaims(workerId: string): Promise<number>;
  commitBatch(batch: Omit<BatchWrite, 'at'>): Promise<BatchResult>;
  finishRawReport(
    reportId: number,
    workerId: string,
    outcome: { state: 'done' | 'failed'; error?: string | null },
  ): Promise<boolean>;
  releaseRawReport(reportId: number, workerId: string): Promise<void>;
  /** The incident rules have run on every line ≤ line (docs/pipeline.md, "Incident rules"). */
  markRulesDone(reportId: number, workerId: string, line: number): Promise<void>;
  /** The events a report stored first at lines in (after, through], for the rules, a page at a time. */
  eventsAwaitingRules(
    reportId: number,
    lines: { after: number; through: number },
    page: { afterId: number; limit: number },
  ): Promise<StoredEventForRules[]>;
  /**
   * Re-derives a report: its exact share of every event is subtracted (events only it produced
   * are deleted), its dead letters removed, and it goes back to pending from line 0 (attempts reset).
   */
  reprocessRawReport(reportId: number, actor?: Actor): Promise<ReprocessReset>;
  listDeadLetters(query: DeadLetterQuery): Promise<DeadLetterRecord[]>;
  markDeadLetters(outcome: {
    succeeded: readonly number[];
    failed: readonly { id: number; error: string }[];
  }): Promise<void>;
  getFeedState(feed: string): Promise<FeedStateRecord | null>;
  listFeedStates(): Promise<FeedStateRecord[]>;
  recordFetch(update: Omit<FetchStateUpdate, 'at'>): Promise<void>;
  countEvents(feed?: string): Promise<EventTotals>;
  /** Is this a configured feed (feeds.yaml)? */
  isKnownFeed(name: string): boolean;
}

export interface PipelineServiceDeps {
  store: PipelinePort;
  audit: AuditPort;
  clock: Clock;
  /** Names of the configured feeds; every name is accepted when absent. */
  knownFeeds?: () => ReadonlySet<string>;
  /** A claim untouched this long may be taken over, seconds (default 300). */
  leaseSeconds?: number;
}

function toBuffer(chunk: Buffer | string | Uint8Array): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Feed uploads and reprocessing are national-level operations (admins, national handlers, jobs). */
function requireFeedOperator(actor: Actor | undefined): void {
  if (!actor || actor.kind === 'system') return;
  if (actor.role !== 'admin' && actor.role !== 'national_handler')
    throw new DomainError('forbidden', `role ${actor.role} may not submit or reprocess feed reports`);
}

export function createPipelineService(deps: PipelineServiceDeps): PipelineService {
  const { store, audit, clock } = deps;
  const leaseMs = (deps.leaseSeconds ?? 300) * 1000;
  const now = () => clock.now().toISOString();
  const leaseCutoff = () => new Date(clock.now().getTime() - leaseMs).toISOString();
  const isKnownFeed = (name: string) => (deps.knownFeeds ? deps.knownFeeds().has(name) : true);

  return {
    isKnownFeed,

    async submitRawReport(input) {
      requireFeedOperator(input.actor);
      if (!isKnownFeed(input.feed))
        throw new DomainError('not_found', `unknown feed "${input.feed}"`, [
          { field: 'name', message: 'no feed of this name in the feeds configuration' },
        ]);
      if (input.content === undefined && input.stream === undefined)
        throw invalidInput('a raw report needs content or a stream');
      const id = await store.createRawReport({
        feed: input.feed,
        fileName: input.fileName,
        source: input.source ?? 'file',
        receivedAt: now(),
      });
      const hash = createHash('sha256');
      let bytes = 0;
      let seq = 0;
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      const flush = async (all: boolean) => {
        while (pendingBytes >= RAW_CHUNK_BYTES || (all && pendingBytes > 0)) {
          const joined = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
          const take = Math.min(RAW_CHUNK_BYTES, joined.length);
          await store.appendRawChunk(id, seq++, joined.subarray(0, take));
          const rest = joined.subarray(take);
          pending = rest.length > 0 ? [rest] : [];
          pendingBytes = rest.length;
        }
      };
      try {
        const source: AsyncIterable<Buffer | string | Uint8Array> =
          input.stream ??
          (async function* () {
            yield input.content!;
          })();
        for await (const chunk of source) {
          const buf = toBuffer(chunk);
          if (buf.length === 0) continue;
          bytes += buf.length;
          if (input.maxBytes !== undefined && bytes > input.maxBytes)
            throw invalidInput(`report larger than ${input.maxBytes} bytes`, [
              { field: 'body', message: `larger than ${input.maxBytes} bytes` },
            ]);
          hash.update(buf);
          pending.push(buf);
          pendingBytes += buf.length;
          if (pendingBytes >= RAW_CHUNK_BYTES) await flush(false);
        }
        await flush(true);
      } catch (e) {
        await store.deleteRawReport(id);
        throw e;
      }
      if (bytes === 0) {
        await store.deleteRawReport(id);
        throw invalidInput('empty report: no content', [{ field: 'body', message: 'empty' }]);
      }
      const sha256 = hash.digest('hex');
      if (input.skipDuplicate) {
        const existing = await store.findRawReportBySha(input.feed, sha256);
        if (existing !== null) {
          await store.deleteRawReport(id);
          return { id: existing, bytes, sha256, duplicate: true };
        }
      }
      await store.completeRawReport(id, { bytes, sha256 });
      if (input.actor && input.actor.kind !== 'system') {
        await audit.record({
          at: now(),
          actorId: input.actor.userId,
          actor: input.actor.label,
          entity: 'raw_report',
          entityId: String(id),
          action: 'create',
          incidentId: null,
          before: null,
          after: { feed: input.feed, fileName: input.fileName, bytes, sha256 },
          ip: input.actor.ip,
        });
      }
      return { id, bytes, sha256, duplicate: false };
    },

    readRawContent: (reportId) => store.readRawContent(reportId),

    async getRawReport(reportId) {
      const r = await store.getRawReport(reportId);
      if (!r) throw notFound(`raw report ${reportId}`);
      return r;
    },

    listRawReports: (q) => store.listRawReports(q),

    claimRawReport(options) {
      return store.claimRawReport({
        workerId: options.workerId,
        now: now(),
        leaseExpiredBefore: leaseCutoff(),
        ...(options.feeds ? { feeds: options.feeds } : {}),
        ...(options.reportId !== undefined ? { reportId: options.reportId } : {}),
      });
    },

    countOtherLiveClaims: (workerId) => store.countLiveClaims(workerId, leaseCutoff()),

    commitBatch: (batch) => store.commitBatch({ ...batch, at: now() }),

    finishRawReport: (reportId, workerId, outcome) =>
      store.finishRawReport(reportId, workerId, {
        state: outcome.state,
        error: outcome.error ?? null,
        at: now(),
      }),

    releaseRawReport: (reportId, workerId) => store.releaseRawReport(reportId, workerId),

    markRulesDone: (reportId, workerId, line) => store.markRulesDone(reportId, workerId, line),

    eventsAwaitingRules: (reportId, lines, page) => store.eventsAwaitingRules(reportId, lines, page),

    async reprocessRawReport(reportId, actor) {
      requireFeedOperator(actor);
      const r = await store.getRawReport(reportId);
      if (!r) throw notFound(`raw report ${reportId}`);
      if (r.state === 'receiving')
        throw new DomainError('conflict', `raw report ${reportId} is still being received`);
      if (r.state === 'processing' && r.claimedAt !== null && r.claimedAt >= leaseCutoff())
        throw new DomainError(
          'conflict',
          `raw report ${reportId} is being processed by ${r.claimedBy ?? 'a worker'}; try again when it is done`,
        );
      const reset = await store.resetRawReport(reportId);
      await audit.record({
        at: now(),
        actorId: actor?.userId ?? null,
        actor: actor?.label ?? 'system:pipeline',
        entity: 'raw_report',
        entityId: String(reportId),
        action: 'reprocess',
        incidentId: null,
        before: { state: r.state, eventsCount: r.eventsCount, errorsCount: r.errorsCount },
        after: reset,
        ip: actor?.ip ?? '',
      });
      return reset;
    },

    listDeadLetters: (q) => store.listDeadLetters(q),
    markDeadLetters: (outcome) => store.markDeadLetters(outcome, now()),
    getFeedState: (feed) => store.getFeedState(feed),
    listFeedStates: () => store.listFeedStates(),
    recordFetch: (u) => store.recordFetch({ ...u, at: now() }),
    countEvents: (feed) => store.countEvents(feed),
  };
}
