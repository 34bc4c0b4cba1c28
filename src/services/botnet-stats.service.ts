import type { Actor } from '../core/auth/actor.ts';
import { requirePermission, scopeOf } from '../core/auth/actor.ts';
import { MALWARE_KINDS, type MalwareKind } from '../core/malware/malware-family.ts';
import { invalidInput } from '../core/shared/errors.ts';
import { dayRangeUtc } from '../core/shared/time.ts';
import {
  assembleBotnetPeriod,
  previousYearPeriods,
  type BotnetPeriodFigures,
  type BotnetStats,
} from '../core/stats/botnet-stats.ts';
import type { BotnetStatsPort } from './ports.ts';

export interface BotnetStatsService {
  /**
   * §6 figures for local days from..to inclusive (YYYY-MM-DD), within the actor's branch scope
   * (ADR 0003), per malware kind (all kinds, or the one asked for), with the previous year's same
   * period and full year when the event store holds events in them.
   */
  botnetStats(actor: Actor, query: { from: string; to: string; kind?: string }): Promise<BotnetStats>;
}

export function createBotnetStatsService(deps: {
  botnets: BotnetStatsPort;
  timeZone: string;
}): BotnetStatsService {
  return {
    async botnetStats(actor, { from, to, kind }) {
      requirePermission(actor, 'stats.read');
      if (kind !== undefined && !(MALWARE_KINDS as readonly string[]).includes(kind))
        throw invalidInput(`kind: one of ${MALWARE_KINDS.join(', ')}, got "${kind}"`, [
          { field: 'kind', message: `one of ${MALWARE_KINDS.join(', ')}` },
        ]);
      const scope = scopeOf(actor);
      const kinds: MalwareKind[] = kind ? [kind as MalwareKind] : [...MALWARE_KINDS];
      const compute = async (p: { from: string; to: string }): Promise<BotnetPeriodFigures> => {
        const range = dayRangeUtc(p.from, p.to, deps.timeZone);
        const raw = await deps.botnets.countBotnets(scope, range, kind ? { kind } : {});
        return assembleBotnetPeriod(raw, p, kinds);
      };
      const current = await compute({ from, to });
      const prev = previousYearPeriods(from, to);
      const whenData = async (p: { from: string; to: string }) =>
        (await deps.botnets.hasEvents(scope, dayRangeUtc(p.from, p.to, deps.timeZone))) ? compute(p) : null;
      return {
        ...current,
        period: { from, to, timeZone: deps.timeZone },
        kinds,
        previousYearSamePeriod: await whenData(prev.samePeriod),
        previousYearFull: await whenData(prev.fullYear),
      };
    },
  };
}
