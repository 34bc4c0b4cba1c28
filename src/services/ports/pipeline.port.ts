import type { FeedEvent } from '../../core/events/event.ts';

/** The pipeline store (docs/pipeline.md, migration 0009). */

export type RawReportState = 'receiving' | 'pending' | 'processing' | 'done' | 'failed';
export type RawReportSource = 'file' | 'dir' | 'http' | 'upload' | 'mail';

export interface RawReportRecord {
  id: number;
  feed: string;
  fileName: string;
  source: RawReportSource;
  receivedAt: string;
  bytes: number;
  sha256: string;
  state: RawReportState;
  claimedBy: string | null;
  claimedAt: string | null;
  attempts: number;
  /** Checkpoint: every input line ≤ linesDone is stored. */
  linesDone: number;
  /** Every input line ≤ rulesLine has been through the incident rules (≤ linesDone). */
  rulesLine: number;
  eventsCount: number;
  errorsCount: number;
  error: string | null;
  finishedAt: string | null;
}

export interface NewRawReport {
  feed: string;
  fileName: string;
  source: RawReportSource;
  receivedAt: string;
}

/** One deduplicated event of a batch (repeats within the batch already merged). */
export interface EventUpsert {
  dedupKey: string;
  /** Line of the first occurrence in this batch. */
  line: number;
  count: number;
  firstSeen: string;
  lastSeen: string;
  /** The same times as milliseconds since the epoch, when the processor has them (else parsed). */
  firstMs?: number;
  lastMs?: number;
  /** The enriched event (of the first occurrence); `time.source` set. */
  event: FeedEvent;
  /**
   * An earlier batch of the same report stored this key already: the row exists and this is only
   * a merge (count, first and last seen). Its `event` is then not enriched, and never stored.
   */
  stored?: boolean;
  /** The stored event's id, when the worker knows it (a repeat): the store needs no look-up. */
  id?: number;
}

export interface DeadLetterInput {
  line: number;
  raw: string;
  error: string;
}

/** An event as the incident rules take it, read back from the store. */
export interface StoredEventForRules {
  id: number;
  dedupKey: string;
  event: FeedEvent;
}

/** Everything one batch writes, in one transaction. */
export interface BatchWrite {
  reportId: number;
  workerId: string;
  feed: string;
  at: string;
  /** New checkpoint (null: leave it, as `retry` does). */
  linesDone: number | null;
  /** Parsed events before the in-batch merge (added to the report's events_count). */
  eventsProduced: number;
  events: EventUpsert[];
  deadLetters: DeadLetterInput[];
}

export interface BatchResult {
  /** False: the worker no longer holds the claim (nothing was written). */
  committed: boolean;
  /** Rows newly inserted (the rest merged into existing events). */
  inserted: number;
  /** The event id of each upsert, in the batch's order (when committed). */
  ids?: number[];
}

export interface ClaimRequest {
  workerId: string;
  now: string;
  /** Claims older than this are expired and may be taken over. */
  leaseExpiredBefore: string;
  /** Only these feeds (all when absent). */
  feeds?: readonly string[];
  /** One report by id (`pipeline reprocess`, `ingest`), whatever its age. */
  reportId?: number;
}

export interface RawReportQuery {
  feed?: string;
  state?: RawReportState;
  beforeId?: number;
  limit: number;
}

export interface DeadLetterRecord {
  id: number;
  rawReportId: number;
  feed: string;
  line: number;
  raw: string;
  error: string;
  attempts: number;
  createdAt: string;
  retriedAt: string | null;
}

export interface DeadLetterQuery {
  feed?: string;
  reportId?: number;
  ids?: readonly number[];
  /** Include dead letters already re-parsed successfully. */
  includeRetried?: boolean;
  beforeId?: number;
  limit: number;
}

export interface FeedStateRecord {
  feed: string;
  lastRunAt: string | null;
  lastStatus: string;
  lastError: string | null;
  lastFetchAt: string | null;
  etag: string | null;
  lastModified: string | null;
  reportsTotal: number;
  eventsTotal: number;
  errorsTotal: number;
}

export interface FetchStateUpdate {
  feed: string;
  at: string;
  status: 'ok' | 'not_modified' | 'error';
  error?: string | null;
  /** Set when the server sent them (kept otherwise). */
  etag?: string | null;
  lastModified?: string | null;
}

export interface ReprocessReset {
  /** Events whose whole count came from the report: deleted. */
  eventsDeleted: number;
  /** Events shared with other reports: the report's share subtracted. */
  eventsReduced: number;
  deadLettersDeleted: number;
}

export interface EventTotals {
  rows: number;
  /** Sum of `count`. */
  occurrences: number;
}

export interface PipelinePort {
  /** A new raw report in state `receiving` (never claimed until `completeRawReport`). */
  createRawReport(input: NewRawReport): Promise<number>;
  appendRawChunk(reportId: number, seq: number, data: Buffer): Promise<void>;
  /** Content complete: size and digest recorded, state → pending. */
  completeRawReport(reportId: number, info: { bytes: number; sha256: string }): Promise<void>;
  /** Removes a report and its content (a receive that failed half-way). */
  deleteRawReport(reportId: number): Promise<void>;
  /** A complete report of the feed with this digest, if any. */
  findRawReportBySha(feed: string, sha256: string): Promise<number | null>;
  /** The content, chunk by chunk (one chunk in memory at a time). */
  readRawContent(reportId: number): AsyncIterable<Buffer>;
  getRawReport(reportId: number): Promise<RawReportRecord | null>;
  listRawReports(query: RawReportQuery): Promise<RawReportRecord[]>;
  /** Claims the oldest claimable report (pending, or processing with an expired lease): SKIP LOCKED on PostgreSQL. */
  claimRawReport(request: ClaimRequest): Promise<RawReportRecord | null>;
  /** Reports other workers hold under a live lease (for the one-writer warning on SQLite). */
  countLiveClaims(workerId: string, leaseExpiredBefore: string): Promise<number>;
  /** Writes one batch and its checkpoint atomically, if the worker still holds the claim. */
  commitBatch(batch: BatchWrite): Promise<BatchResult>;
  /** Ends processing (`done` or `failed`), if the worker still holds the claim; updates feed totals. */
  finishRawReport(
    reportId: number,
    workerId: string,
    outcome: { state: 'done' | 'failed'; error: string | null; at: string },
  ): Promise<boolean>;
  /** Gives up a claim without finishing (shutdown): the report is claimable again at once. */
  releaseRawReport(reportId: number, workerId: string): Promise<void>;
  /** Moves the rules' checkpoint forward (never back), if the worker holds the claim. */
  markRulesDone(reportId: number, workerId: string, line: number): Promise<void>;
  /**
   * The events the report stored first at lines in (afterLine, throughLine], in the order they
   * were stored (by id), `limit` at a time after the event `afterId` (0: from the first).
   */
  eventsAwaitingRules(
    reportId: number,
    lines: { after: number; through: number },
    page: { afterId: number; limit: number },
  ): Promise<StoredEventForRules[]>;
  /** Subtracts the report's share of every event, removes its dead letters and sets it pending from line 0. */
  resetRawReport(reportId: number): Promise<ReprocessReset>;
  listDeadLetters(query: DeadLetterQuery): Promise<DeadLetterRecord[]>;
  /** Records a retry outcome: successes get `retried_at`, failures a new error and one more attempt. */
  markDeadLetters(
    outcome: { succeeded: readonly number[]; failed: readonly { id: number; error: string }[] },
    at: string,
  ): Promise<void>;
  getFeedState(feed: string): Promise<FeedStateRecord | null>;
  listFeedStates(): Promise<FeedStateRecord[]>;
  recordFetch(update: FetchStateUpdate): Promise<void>;
  /** Rows and total occurrences in the event store (optionally of one feed). */
  countEvents(feed?: string): Promise<EventTotals>;
}
