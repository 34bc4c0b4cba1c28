import { requirePermission, scopeOf, type Actor } from '../core/auth/actor.ts';
import { seesAllBranches } from '../core/auth/roles.ts';
import type { Incident } from '../core/incidents/incident.ts';
import { incidentQuerySchema, type IncidentQueryInput } from '../core/incidents/search-query.ts';
import { isOverdue } from '../core/incidents/severity.ts';
import { OPEN_STATES } from '../core/incidents/states.ts';
import type { Clock } from '../core/shared/clock.ts';
import { DomainError, invalidInput } from '../core/shared/errors.ts';
import { localDay, startOfDayUtc } from '../core/shared/time.ts';
import type { IncidentsPort } from './ports.ts';
import type { StatsService } from './stats.service.ts';

/** A count as the incident search gives it: exact up to its cap, a lower bound beyond. */
export interface CappedCount {
  count: number;
  atLeast: boolean;
}

export interface BranchDashboard {
  /** The branch shown; null: every branch the caller sees. */
  branchCode: string | null;
  /** Today and the first of this month, local days in the configured time zone. */
  today: string;
  monthStart: string;
  /** Incidents in an open state (new, triaged, assigned, in progress). */
  open: CappedCount;
  /** Open incidents past their due time. */
  overdue: CappedCount;
  /** Incidents handled (resolved) from the first of the month until now: the statistics' definition. */
  handledThisMonth: number;
  /** Incidents opened since local midnight. */
  newToday: CappedCount;
  /** The overdue incidents that fell due first. */
  oldestOverdue: Incident[];
}

export interface DashboardService {
  /**
   * The figures of one branch (a branch handler: always their own) or, for roles that see every
   * branch, of all of them when no branch is asked for. Everything within the caller's scope.
   */
  branchDashboard(
    actor: Actor,
    options?: { branchCode?: string; oldestLimit?: number },
  ): Promise<BranchDashboard>;
}

export interface DashboardServiceDeps {
  incidents: IncidentsPort;
  stats: StatsService;
  clock: Clock;
  timeZone: string;
}

export function createDashboardService(deps: DashboardServiceDeps): DashboardService {
  const { incidents, stats, clock, timeZone } = deps;

  async function branchOf(actor: Actor, requested: string | undefined): Promise<string | null> {
    if (actor.kind !== 'system' && !seesAllBranches(actor.role)) {
      const own = actor.branchCode;
      if (!own) throw new DomainError('forbidden', 'this user has no branch');
      if (requested !== undefined && requested !== own) {
        throw new DomainError(
          'forbidden',
          `a branch handler sees the dashboard of their own branch (${own})`,
        );
      }
      return own;
    }
    if (requested === undefined) return null;
    if (!(await incidents.branchExists(requested))) {
      throw invalidInput(`branchCode: no branch ${requested}`, [
        { field: 'branchCode', message: `no branch ${requested}` },
      ]);
    }
    return requested;
  }

  return {
    async branchDashboard(actor, options = {}) {
      requirePermission(actor, 'incident.read');
      requirePermission(actor, 'stats.read');
      const limit = options.oldestLimit ?? 10;
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
        throw invalidInput('oldestLimit: must be 1–100', [
          { field: 'oldestLimit', message: 'must be 1–100' },
        ]);
      }
      const branchCode = await branchOf(actor, options.branchCode);
      const now = clock.now();
      const nowIso = now.toISOString();
      const today = localDay(now, timeZone);
      const monthStart = `${today.slice(0, 8)}01`;
      const scope = scopeOf(actor);
      const branchFilter: IncidentQueryInput = branchCode === null ? {} : { branchCodes: [branchCode] };

      const search = (q: IncidentQueryInput) =>
        incidents.searchIncidents(scope, incidentQuerySchema.parse({ ...branchFilter, ...q }), nowIso);
      const counted = async (q: IncidentQueryInput): Promise<CappedCount> => {
        const page = await search({ ...q, limit: 1 });
        return { count: page.total, atLeast: page.totalIsLowerBound };
      };

      const [open, overdue, newToday, oldest] = await Promise.all([
        counted({ states: [...OPEN_STATES] }),
        counted({ overdue: true }),
        counted({ openedFrom: startOfDayUtc(today, timeZone).toISOString() }),
        search({ overdue: true, sort: 'due_at', order: 'asc', limit }),
      ]);

      // "Handled" is defined once, by the statistics; a national user looking at one branch asks
      // it with their own view narrowed to that branch (never wider than what they may see).
      const statsActor: Actor =
        branchCode !== null && (actor.kind === 'system' || seesAllBranches(actor.role))
          ? {
              ...actor,
              kind: actor.kind === 'system' ? 'user' : actor.kind,
              role: 'branch_handler',
              branchCode,
            }
          : actor;
      const handled = await stats.incidentStats(statsActor, { from: monthStart, to: today });

      return {
        branchCode,
        today,
        monthStart,
        open,
        overdue,
        handledThisMonth: handled.incidentsHandled,
        newToday,
        oldestOverdue: oldest.items.map((r) => ({
          ...r,
          overdue: isOverdue({ state: r.state, dueAt: r.dueAt === null ? null : new Date(r.dueAt) }, now),
        })),
      };
    },
  };
}
