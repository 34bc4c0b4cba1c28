/**
 * The one registry of statistics. Each figure the console, API, CLI and situation report show is
 * defined here once: its id, the report section and JSON key it feeds, and what it counts. The
 * human-readable label and definition live in the i18n catalogue under `stats.<id>.label` and
 * `stats.<id>.definition` (zh-CN and en); docs/statistics.md explains them at length.
 */
export interface StatDefinition {
  id: string;
  /** Section of the situation report (seed numbering). */
  section: string;
  /** Key in the report JSON (shared/spec/report-json.md), or a `facts.` key. */
  reportKey: string;
  unit: 'reports' | 'incidents' | 'branches';
  /** What the figure is broken down by. */
  dimension: 'none' | 'month' | 'category' | 'branch';
}

export const STATISTICS = [
  {
    id: 'reports_received_non_scanning',
    section: '3.1',
    reportKey: 'facts.reports_received_non_scanning',
    unit: 'reports',
    dimension: 'none',
  },
  {
    id: 'reports_received_per_month',
    section: '3.1',
    reportKey: 'figure1',
    unit: 'reports',
    dimension: 'month',
  },
  {
    id: 'reports_received_per_category',
    section: '3.1',
    reportKey: 'figure2',
    unit: 'reports',
    dimension: 'category',
  },
  {
    id: 'incidents_handled',
    section: '3.2',
    reportKey: 'facts.incidents_handled',
    unit: 'incidents',
    dimension: 'none',
  },
  {
    id: 'incidents_handled_per_category',
    section: '3.2',
    reportKey: 'figure3',
    unit: 'incidents',
    dimension: 'category',
  },
  { id: 'branches_handling', section: '3.2', reportKey: 'figure4', unit: 'incidents', dimension: 'branch' },
] as const satisfies readonly StatDefinition[];

export type StatId = (typeof STATISTICS)[number]['id'];

export function getStatDefinition(id: StatId): StatDefinition {
  return STATISTICS.find((s) => s.id === id)!;
}
