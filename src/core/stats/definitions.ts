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
  unit: 'reports' | 'incidents' | 'branches' | 'ip_addresses' | 'cc_servers';
  /** What the figure is broken down by. */
  dimension: 'none' | 'month' | 'category' | 'branch' | 'region' | 'port' | 'size_bucket';
  /** §6 figures: the malware kind whose figure feeds the report key (every figure is computed per kind). */
  kind?: 'trojan' | 'bot';
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
  // §6 trojans and botnets (core/stats/botnet-stats.ts): every figure is computed per malware kind
  // and over all kinds; `kind` names the one the report key takes.
  {
    id: 'trojan_controller_ips',
    section: '6.1',
    reportKey: 'facts.trojan_controller_ips',
    unit: 'ip_addresses',
    dimension: 'none',
    kind: 'trojan',
  },
  {
    id: 'trojan_controlled_ips',
    section: '6.1',
    reportKey: 'facts.trojan_controlled_ips',
    unit: 'ip_addresses',
    dimension: 'none',
    kind: 'trojan',
  },
  {
    id: 'trojan_controlled_ips_mainland',
    section: '6.1.1',
    reportKey: 'facts.trojan_controlled_ips_mainland',
    unit: 'ip_addresses',
    dimension: 'none',
    kind: 'trojan',
  },
  {
    id: 'trojan_controlled_mainland_by_province',
    section: '6.1.1',
    reportKey: 'figure7',
    unit: 'ip_addresses',
    dimension: 'branch',
    kind: 'trojan',
  },
  {
    id: 'trojan_controller_ips_outside_mainland',
    section: '6.1.2',
    reportKey: 'facts.trojan_controller_ips_outside_mainland',
    unit: 'ip_addresses',
    dimension: 'none',
    kind: 'trojan',
  },
  {
    id: 'trojan_controllers_outside_mainland_by_region',
    section: '6.1.2',
    reportKey: 'figure8',
    unit: 'ip_addresses',
    dimension: 'region',
    kind: 'trojan',
  },
  {
    id: 'bot_ips_mainland',
    section: '6.2',
    reportKey: 'facts.bot_ips_mainland',
    unit: 'ip_addresses',
    dimension: 'none',
    kind: 'bot',
  },
  {
    id: 'cc_servers_outside_mainland',
    section: '6.2.1',
    reportKey: 'facts.cc_servers_outside_mainland',
    unit: 'cc_servers',
    dimension: 'none',
    kind: 'bot',
  },
  {
    id: 'cc_servers_outside_mainland_by_region',
    section: '6.2.1',
    reportKey: 'figure9',
    unit: 'cc_servers',
    dimension: 'region',
    kind: 'bot',
  },
  {
    id: 'cc_server_ports',
    section: '6.2.2',
    reportKey: 'figure10',
    unit: 'cc_servers',
    dimension: 'port',
    kind: 'bot',
  },
  {
    id: 'botnet_sizes',
    section: '6.2.3',
    reportKey: 'figure11',
    unit: 'cc_servers',
    dimension: 'size_bucket',
    kind: 'bot',
  },
] as const satisfies readonly StatDefinition[];

export type StatId = (typeof STATISTICS)[number]['id'];

export function getStatDefinition(id: StatId): StatDefinition {
  return STATISTICS.find((s) => s.id === id)!;
}
