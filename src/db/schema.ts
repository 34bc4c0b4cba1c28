import type { Generated } from 'kysely';

/*
 * Table types. Conventions (ADR 0002): timestamps are ISO 8601 UTC strings
 * (`2007-01-15T08:00:00.000Z`), flags are integers 0/1, JSON is text, IP range keys are
 * 32-char lower-case hex of the 128-bit address (IPv4 mapped) so v4 and v6 share one order.
 */

export interface BranchesTable {
  code: string;
  name_zh: string;
  name_en: string;
  short_zh: string;
  aliases: string; // JSON array of strings
  is_national: number;
  sort_order: number;
}

export interface OrganisationsTable {
  id: Generated<number>;
  kind: string; // cert | isp | registrar | hosting | vendor | government | enterprise | other
  name_zh: string;
  name_en: string;
  abbreviation: string;
  country: string; // ISO 3166-1 alpha-2
  branch_code: string | null;
  website: string;
  registered_in_community: number;
  support_role: string; // '' | national-support | provincial-support
  language: string; // zh-CN | en
  notify_interval: string; // immediate | hourly | daily | weekly | never
  notes: string;
  created_at: string;
  updated_at: string;
}

export interface ContactsTable {
  id: Generated<number>;
  organisation_id: number;
  role: string; // abuse | security | technical | management | other
  name: string;
  email: string;
  phone: string;
  pgp_key: string;
  language: string;
  created_at: string;
}

export interface OrgNetworksTable {
  id: Generated<number>;
  organisation_id: number;
  cidr: string;
  ip_start: string;
  ip_end: string;
}

export interface OrgAsnsTable {
  id: Generated<number>;
  organisation_id: number;
  asn: number;
}

export interface OrgDomainsTable {
  id: Generated<number>;
  organisation_id: number;
  domain: string;
}

export interface UsersTable {
  id: Generated<number>;
  username: string;
  display_name: string;
  email: string;
  password_hash: string;
  role: string;
  branch_code: string | null;
  language: string;
  disabled: number;
  must_change_password: number;
  created_at: string;
  last_login_at: string | null;
}

export interface SessionsTable {
  id: string; // sha256 of the cookie value
  user_id: number;
  csrf_token: string;
  created_at: string;
  expires_at: string;
}

export interface ApiTokensTable {
  id: Generated<number>;
  name: string;
  token_hash: string;
  prefix: string;
  user_id: number;
  role: string;
  branch_code: string | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface IncidentsTable {
  id: Generated<number>;
  title: string;
  description: string;
  category: string;
  rsit: string;
  scanning: number;
  severity: string;
  tlp: string;
  branch_code: string;
  assignee_id: number | null;
  state: string;
  merged_into_id: number | null;
  opened_at: string;
  due_at: string | null;
  triaged_at: string | null;
  resolved_at: string | null;
  closed_at: string | null;
  created_by: number | null;
  updated_at: string;
  version: number;
}

export interface IncidentRedUsersTable {
  incident_id: number;
  user_id: number;
}

export interface ReportsTable {
  id: Generated<number>;
  tracking_number: string;
  status_secret_hash: string;
  channel: string; // web | email | api | phone | fax | partner | feed
  reporter_type: string; // individual | organisation | cert | isp | vendor | government | anonymous
  reporter_name: string;
  reporter_email: string;
  reporter_phone: string;
  reporter_org_id: number | null;
  received_at: string;
  subject: string;
  description: string;
  category: string; // as reported / as classified at intake
  incident_id: number | null;
  language: string;
  meta: string; // JSON
  created_by: number | null;
  created_at: string;
}

export interface AttachmentsTable {
  id: Generated<number>;
  report_id: number;
  filename: string;
  content_type: string;
  size: number;
  sha256: string;
  content: Buffer;
  created_at: string;
}

export interface ObservablesTable {
  id: Generated<number>;
  report_id: number | null;
  incident_id: number | null;
  kind: string;
  value: string;
  ip_key: string | null;
  /** Reversed domain labels (`com.example.www.`) of domains and URL hosts, for suffix search. */
  domain_key: string | null;
}

export interface ActionsTable {
  id: Generated<number>;
  incident_id: number;
  kind: string;
  branch_code: string; // the branch that acted
  target_branch_code: string | null; // reassign / escalate
  counterpart_org_id: number | null;
  counterpart: string;
  occurred_at: string;
  outcome: string;
  note: string;
  created_by: number | null;
  created_at: string;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  actor_id: number | null;
  actor: string;
  entity: string;
  entity_id: string;
  action: string;
  incident_id: number | null;
  before: string | null; // JSON
  after: string | null; // JSON
  ip: string;
}

export interface SavedViewsTable {
  id: Generated<number>;
  user_id: number | null;
  branch_code: string | null;
  name: string;
  query: string; // JSON
  created_at: string;
}

export interface DB {
  branches: BranchesTable;
  organisations: OrganisationsTable;
  contacts: ContactsTable;
  org_networks: OrgNetworksTable;
  org_asns: OrgAsnsTable;
  org_domains: OrgDomainsTable;
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  incidents: IncidentsTable;
  incident_red_users: IncidentRedUsersTable;
  reports: ReportsTable;
  attachments: AttachmentsTable;
  observables: ObservablesTable;
  actions: ActionsTable;
  audit_log: AuditLogTable;
  saved_views: SavedViewsTable;
}
