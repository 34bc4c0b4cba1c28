import { CATEGORIES, type Category } from '../incidents/categories.ts';

/** Raw counts as storage returns them for one period (see the StatsPort). */
export interface IncidentCountsRaw {
  /** Non-scanning and scanning reports received, per month bucket and category. */
  reportsByMonthCategory: { month: string; category: string; count: number }[];
  /** Incidents resolved in the period, per category. */
  handledByCategory: { category: string; count: number }[];
  /** Incidents resolved in the period, per branch that took part (owner or acting branch); national centres excluded. */
  handledByBranch: { branch: string; count: number }[];
}

export interface CountShare<K extends string> {
  key: K;
  count: number;
  /** count / total, full precision; 0 when total is 0. */
  share: number;
}

export interface IncidentStats {
  period: { from: string; to: string; timeZone: string };
  reportsReceivedNonScanning: number;
  /** figure 1: every month of the period, zeros included. */
  reportsPerMonth: { month: string; count: number }[];
  /** figure 2: non-scanning reports per category, every category, largest first. */
  reportsPerCategory: CountShare<Category>[];
  incidentsHandled: number;
  /** figure 3: handled incidents per category (scanning included), largest first. */
  handledPerCategory: CountShare<Category>[];
  /** figure 4: branches taking part in handling; share of all branch participations. */
  branchesHandling: { total: number; items: CountShare<string>[] };
}

function normaliseCategory(c: string): Category {
  return (CATEGORIES as readonly string[]).includes(c) ? (c as Category) : 'other';
}

function withShares<K extends string>(counts: Map<K, number>, keys?: readonly K[]): CountShare<K>[] {
  const all = keys ?? [...counts.keys()];
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  return all
    .map((key) => {
      const count = counts.get(key) ?? 0;
      return { key, count, share: total === 0 ? 0 : count / total };
    })
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

/**
 * Assembles the §3 figures from raw counts. Definitions (docs/statistics.md):
 * - a report is "non-scanning" when its category (its incident's category once triaged, else the
 *   category it was received with) is not `scanning`; it counts in the month it was received;
 * - an incident is "handled" in the period when it was resolved in it (state resolved, resolved_at
 *   inside the period); merged and rejected incidents are not handled;
 * - a branch "takes part" in a handled incident when it owns it or recorded an action on it; the
 *   national centre is not a branch and is left out of figure 4.
 */
export function assembleIncidentStats(
  raw: IncidentCountsRaw,
  period: { from: string; to: string; timeZone: string },
  months: string[],
): IncidentStats {
  const perMonth = new Map<string, number>(months.map((m) => [m, 0]));
  const perCategory = new Map<Category, number>();
  for (const r of raw.reportsByMonthCategory) {
    const cat = normaliseCategory(r.category);
    if (cat === 'scanning') continue;
    perMonth.set(r.month, (perMonth.get(r.month) ?? 0) + r.count);
    perCategory.set(cat, (perCategory.get(cat) ?? 0) + r.count);
  }
  const handled = new Map<Category, number>();
  for (const r of raw.handledByCategory) {
    const cat = normaliseCategory(r.category);
    handled.set(cat, (handled.get(cat) ?? 0) + r.count);
  }
  const branches = new Map<string, number>();
  for (const r of raw.handledByBranch) {
    if (r.count === 0) continue;
    branches.set(r.branch, (branches.get(r.branch) ?? 0) + r.count);
  }
  const nonScanningCategories = CATEGORIES.filter((c) => c !== 'scanning');
  return {
    period,
    reportsReceivedNonScanning: [...perCategory.values()].reduce((a, b) => a + b, 0),
    reportsPerMonth: months.map((month) => ({ month, count: perMonth.get(month) ?? 0 })),
    reportsPerCategory: withShares(perCategory, nonScanningCategories),
    incidentsHandled: [...handled.values()].reduce((a, b) => a + b, 0),
    handledPerCategory: withShares(handled, CATEGORIES),
    branchesHandling: { total: branches.size, items: withShares(branches) },
  };
}
