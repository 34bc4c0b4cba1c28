import type { MatchableBranch } from '../../core/directory/branch-matcher.ts';
import type { FeedEvent } from '../../core/events/event.ts';
import type { DirectorySnapshot } from '../../services/ports/directory.port.ts';

export type { DirectorySnapshot, MatchableBranch };

/** One enrichment step. Experts mutate events in place and never throw on bad field values. */
export interface Expert {
  readonly id: string;
  /** Enrich a batch in place; must be fast (hot path, 50,000 events/s end to end). */
  process(events: FeedEvent[]): void;
  /** Counters since creation (lookups, hits, misses, by source). */
  stats(): Record<string, number>;
}

/**
 * The experts in order: url→fqdn, taxonomy, geo, asn, branch, contact. `process` runs them all;
 * a worker that knows which events repeat a stored one runs them in two stages: `identify` (the
 * experts whose fields can be part of a dedup key: url → fqdn, taxonomy), then the keys, then
 * `enrich` (geo, asn, branch, contact: they describe an address) only for the events whose key
 * it has not stored yet.
 */
export interface ExpertChain {
  process(events: FeedEvent[]): void;
  identify(events: FeedEvent[]): void;
  enrich(events: FeedEvent[]): void;
  /** Whether `enrich` may set this field (a feed keyed on one runs `process` before its keys). */
  enriches(field: string): boolean;
  /** Per-expert counters for the console/bench: lookups, hits, misses, by source. */
  stats(): Record<string, Record<string, number>>;
}

/** What the experts need from the directory (read once when the chain is built). */
export interface EnrichmentData {
  branches: readonly MatchableBranch[];
  directory: DirectorySnapshot;
}

/** Expert ids, in chain order. */
export const EXPERT_IDS = ['url', 'taxonomy', 'geo', 'asn', 'branch', 'contact'] as const;
export type ExpertId = (typeof EXPERT_IDS)[number];

/** The experts of the `identify` stage (the rest are `enrich`). */
export const IDENTIFYING_EXPERTS: ReadonlySet<ExpertId> = new Set(['url', 'taxonomy']);

export interface ExpertChainOptions {
  /** Experts to run (default: all, in EXPERT_IDS order). */
  experts?: readonly ExpertId[];
  /** Entries in the geo expert's IPv6 answer cache (IPv4 needs none); default 65,536; 0 disables. */
  geoCacheSize?: number;
}
