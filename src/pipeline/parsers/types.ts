import type { FeedEvent } from '../../core/events/event.ts';

export interface ParseContext {
  feedName: string;
  fileName: string;
  /** ISO UTC, when the report was received */
  reportTime: string;
  /** feed-config options (generic parser mapping, etc.) */
  options: Record<string, unknown>;
}

export type ParseOutcome =
  { ok: true; line: number; event: FeedEvent } | { ok: false; line: number; raw: string; error: string };

export interface FeedParser {
  /** stable id used in feeds.yaml: 'shadowserver', 'cymru-cap', 'spamhaus-cert', 'microsoft-ctip', 'openphish', 'phishtank', 'zone-h', 'feodotracker', 'bambenek-c2', 'generic-csv', 'generic-json' */
  readonly id: string;
  /** Streams outcomes in input order, in batches (≤ 1000 per array) for speed; never loads the whole input when the format is line-based. */
  parse(input: AsyncIterable<Buffer | string>, ctx: ParseContext): AsyncIterable<ParseOutcome[]>;
}
