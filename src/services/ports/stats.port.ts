import type { Scope } from '../../core/auth/actor.ts';

export interface UtcRange {
  start: string;
  end: string;
}

/** Grouped counts straight from storage; the definitions live in core/stats. */
export interface StatsPort {
  /** Reports received in each range, grouped by effective category (incident's, else the report's). */
  countReportsByCategory(scope: Scope, range: UtcRange): Promise<{ category: string; count: number }[]>;
  /** Incidents resolved in the range (state resolved), by category. */
  countHandledByCategory(scope: Scope, range: UtcRange): Promise<{ category: string; count: number }[]>;
  /** Incidents resolved in the range, by each branch that owns it or recorded an action on it (national centres left out). */
  countHandledByBranch(scope: Scope, range: UtcRange): Promise<{ branch: string; count: number }[]>;
}
