import type { Scope } from '../../core/auth/actor.ts';
import type { BotnetCountsRaw } from '../../core/stats/botnet-stats.ts';
import type { UtcRange } from './stats.port.ts';

/**
 * Grouped counts of the §6 figures straight from the event store, computed in SQL (GROUP BY,
 * COUNT(DISTINCT) on the address keys), per malware kind and over all kinds. Events count when
 * their `time_source` is inside the range and they are within the scope (a branch: its
 * `source_branch` or `destination_branch`).
 */
export interface BotnetStatsPort {
  countBotnets(scope: Scope, range: UtcRange, options?: { kind?: string }): Promise<BotnetCountsRaw>;
  /** Is there any c2-server or infected-system event in the range (within the scope)? */
  hasEvents(scope: Scope, range: UtcRange): Promise<boolean>;
}
