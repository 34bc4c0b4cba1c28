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

/** The experts in order: url→fqdn, taxonomy, geo, asn, branch, contact. */
export interface ExpertChain {
  process(events: FeedEvent[]): void;
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

export interface ExpertChainOptions {
  /** Experts to run (default: all, in EXPERT_IDS order). */
  experts?: readonly ExpertId[];
  /** Entries in the geo expert's IPv6 answer cache (IPv4 needs none); default 65,536; 0 disables. */
  geoCacheSize?: number;
}
