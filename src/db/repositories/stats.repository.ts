import { sql, type Kysely } from 'kysely';
import type { Scope } from '../../core/auth/actor.ts';
import type { StatsPort, UtcRange } from '../../services/ports.ts';
import type { DB } from '../schema.ts';

/**
 * Which incidents (aliased `i`) a scope counts: its branch. TLP:RED incidents are counted too —
 * a count discloses no content, and the published figures must not depend on who computes them
 * (docs/statistics.md); lists and drill-downs apply TLP:RED through the incident search.
 */
function incidentCounted(scope: Scope) {
  if (scope.unrestricted || scope.branchCode === null) return sql<boolean>`1 = 1`;
  return sql<boolean>`i.branch_code = ${scope.branchCode}`;
}

export function createStatsRepository(db: Kysely<DB>): StatsPort {
  return {
    async countReportsByCategory(scope: Scope, range: UtcRange) {
      const visible =
        scope.unrestricted || scope.branchCode === null
          ? sql`(r.incident_id is null or ${incidentCounted(scope)})`
          : sql`(r.incident_id is not null and ${incidentCounted(scope)})`;
      const rows = await sql<{ category: string; count: number }>`
        select coalesce(i.category, r.category) as category, count(*) as count
        from reports r left join incidents i on i.id = r.incident_id
        where r.received_at >= ${range.start} and r.received_at < ${range.end} and ${visible}
        group by coalesce(i.category, r.category)`.execute(db);
      return rows.rows.map((r) => ({ category: r.category, count: Number(r.count) }));
    },

    async countHandledByCategory(scope: Scope, range: UtcRange) {
      const rows = await sql<{ category: string; count: number }>`
        select i.category as category, count(*) as count from incidents i
        where i.state = 'resolved' and i.resolved_at >= ${range.start} and i.resolved_at < ${range.end}
          and ${incidentCounted(scope)}
        group by i.category`.execute(db);
      return rows.rows.map((r) => ({ category: r.category, count: Number(r.count) }));
    },

    async countHandledByBranch(scope: Scope, range: UtcRange) {
      const rows = await sql<{ branch: string; count: number }>`
        select p.branch as branch, count(distinct p.incident_id) as count from (
          select i.id as incident_id, i.branch_code as branch from incidents i
          where i.state = 'resolved' and i.resolved_at >= ${range.start} and i.resolved_at < ${range.end}
            and ${incidentCounted(scope)}
          union all
          select i.id as incident_id, a.branch_code as branch from incidents i join actions a on a.incident_id = i.id
          where i.state = 'resolved' and i.resolved_at >= ${range.start} and i.resolved_at < ${range.end}
            and ${incidentCounted(scope)}
        ) p join branches b on b.code = p.branch
        where b.is_national = 0
        group by p.branch`.execute(db);
      return rows.rows.map((r) => ({ branch: r.branch, count: Number(r.count) }));
    },
  };
}
