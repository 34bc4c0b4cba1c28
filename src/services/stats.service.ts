import type { Actor } from '../core/auth/actor.ts';
import { requirePermission, scopeOf } from '../core/auth/actor.ts';
import {
  assembleIncidentStats,
  type IncidentCountsRaw,
  type IncidentStats,
} from '../core/stats/incident-stats.ts';
import { dayRangeUtc, monthBuckets } from '../core/shared/time.ts';
import type { StatsPort } from './ports.ts';

export interface StatsService {
  /** §3 figures for local days from..to inclusive (YYYY-MM-DD), within the actor's scope. */
  incidentStats(actor: Actor, period: { from: string; to: string }): Promise<IncidentStats>;
}

export function createStatsService(deps: { stats: StatsPort; timeZone: string }): StatsService {
  return {
    async incidentStats(actor, { from, to }) {
      requirePermission(actor, 'stats.read');
      const scope = scopeOf(actor);
      const range = dayRangeUtc(from, to, deps.timeZone);
      const months = monthBuckets(from, to, deps.timeZone);
      const raw: IncidentCountsRaw = {
        reportsByMonthCategory: [],
        handledByCategory: [],
        handledByBranch: [],
      };
      for (const m of months) {
        for (const r of await deps.stats.countReportsByCategory(scope, m))
          raw.reportsByMonthCategory.push({ month: m.month, ...r });
      }
      raw.handledByCategory = await deps.stats.countHandledByCategory(scope, range);
      raw.handledByBranch = await deps.stats.countHandledByBranch(scope, range);
      return assembleIncidentStats(
        raw,
        { from, to, timeZone: deps.timeZone },
        months.map((m) => m.month),
      );
    },
  };
}
