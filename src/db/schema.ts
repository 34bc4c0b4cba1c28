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

/* Pipeline store (migration 0009, docs/pipeline.md). */

export interface RawReportsTable {
  id: Generated<number>;
  feed: string;
  file_name: string;
  source: string; // file | dir | http | upload | mail
  received_at: string;
  bytes: number;
  sha256: string;
  state: string; // receiving | pending | processing | done | failed
  claimed_by: string | null;
  claimed_at: string | null;
  attempts: number;
  lines_done: number; // checkpoint: every line <= lines_done is stored
  rules_line: Generated<number>; // every line <= rules_line has been through the incident rules (0012)
  events_count: number;
  errors_count: number;
  error: string | null;
  finished_at: string | null;
}

export interface RawReportChunksTable {
  report_id: number;
  seq: number;
  data: Buffer;
}

export interface EventsTable {
  id: Generated<number>;
  raw_report_id: number; // the report that first produced the event
  line: number;
  feed: string;
  classification_taxonomy: string | null;
  classification_type: string | null;
  classification_identifier: string | null;
  time_source: string;
  first_seen: string;
  last_seen: string;
  count: number;
  dedup_key: string;
  source_ip: string | null;
  source_ip_key: string | null;
  source_port: number | null;
  source_asn: number | null;
  source_as_name: string | null;
  source_cc: string | null;
  source_province: string | null;
  source_city: string | null;
  source_branch: string | null;
  source_fqdn: string | null;
  source_url: string | null;
  source_org_id: number | null;
  destination_ip: string | null;
  destination_ip_key: string | null;
  destination_port: number | null;
  destination_asn: number | null;
  destination_cc: string | null;
  destination_province: string | null;
  destination_branch: string | null;
  destination_fqdn: string | null;
  destination_url: string | null;
  destination_org_id: number | null;
  malware_name: string | null;
  malware_family: string | null;
  protocol_transport: string | null;
  protocol_application: string | null;
  fields: string; // JSON: other IntelMQ fields, by dotted name
  extra: string; // JSON: feed-specific extra.* fields
  created_at: string;
}

export interface EventSourcesTable {
  raw_report_id: number;
  event_id: number;
  count: number;
}

/** A merge into a stored event not yet folded into it (migration 0011; folded when the report ends). */
export interface EventMergesTable {
  id: Generated<number>;
  raw_report_id: number;
  event_id: number;
  count: number;
  first_seen: string;
  last_seen: string;
}

/** A SQLite batch's pending merges, packed (db/merge-runs.ts). */
export interface EventMergeRunsTable {
  id: Generated<number>;
  raw_report_id: number;
  data: Buffer;
}

export interface DeadLettersTable {
  id: Generated<number>;
  raw_report_id: number;
  feed: string;
  line: number;
  raw: string;
  error: string;
  attempts: number;
  created_at: string;
  retried_at: string | null;
}

export interface FeedStateTable {
  feed: string;
  last_run_at: string | null;
  last_status: string;
  last_error: string | null;
  last_fetch_at: string | null;
  etag: string | null;
  last_modified: string | null;
  reports_total: number;
  events_total: number;
  errors_total: number;
}

/** The outbox: every outgoing message and its delivery (0008). */
export interface OutboundMailTable {
  id: Generated<number>;
  kind: string; // incident | ack | notification | test | other
  incident_id: number | null;
  action_id: number | null;
  from_addr: string;
  to_addr: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  headers: string; // JSON object
  message_id: string;
  in_reply_to: string | null;
  refs: string; // JSON array of message ids
  attachments: string; // JSON array of {filename, contentType, contentBase64}
  state: string; // queued | sending | sent | failed
  attempts: number;
  next_attempt_at: string | null;
  locked_until: string | null;
  last_error: string;
  response: string;
  created_by: number | null;
  created_at: string;
  sent_at: string | null;
}

/** Deployment overrides of the shipped mail templates (0008). */
export interface MailTemplatesTable {
  action_kind: string;
  language: string;
  subject: string;
  body: string;
  updated_at: string;
  updated_by: number | null;
}

/** Bulk-notification items; (recipient, kind, ref_id) unique (0008). */
export interface NotificationItemsTable {
  id: Generated<number>;
  recipient: string;
  org_id: number | null;
  kind: string; // event | incident
  ref_id: number;
  classification_type: string;
  row: string; // JSON object
  queued_at: string;
  state: string; // queued | sent | suppressed
  outbox_id: number | null;
  processed_at: string | null;
}

export interface OrgNotifySettingsTable {
  organisation_id: number;
  suppress: number;
  updated_at: string;
}

/* E-mail intake (migration 0007, docs/mail.md). */

export interface MailMessagesTable {
  id: Generated<number>;
  received_at: string;
  source: string; // smtp | file | api
  mail_from: string;
  rcpt_to: string; // JSON array of addresses
  branch_code: string;
  remote_ip: string;
  helo: string;
  size: number;
  sha256: string;
  raw: Uint8Array;
  state: Generated<string>; // received | processing | processed | failed | failed_format
  claimed_at: string | null;
  attempts: Generated<number>;
  error: Generated<string>;
  message_id: Generated<string>;
  subject: Generated<string>;
  from_address: Generated<string>;
  outcome: Generated<string>; // '' | report | machine | correspondence | duplicate
  incident_id: number | null;
  report_ids: Generated<string>; // JSON array of report ids
  ack_state: Generated<string>; // '' | sent | suppressed | failed
  ack_note: Generated<string>;
  processed_at: string | null;
}

/** Every Message-ID received or sent, with the incident it belongs to (threading). */
export interface MailMessageIdsTable {
  id: Generated<number>;
  message_id: string;
  incident_id: number | null;
  direction: string; // in | out
  mail_message_id: number | null;
  created_at: string;
}

export interface MailAutoAcksTable {
  id: Generated<number>;
  address: string;
  sent_at: string;
  mail_message_id: number | null;
}

/* Malware family catalogue and rule memory (migration 0010, docs/statistics.md). */

export interface MalwareFamiliesTable {
  id: Generated<number>;
  name: string;
  name_key: string; // lower(name), unique
  kind: string; // trojan | bot | worm | virus | other
  aliases: string; // JSON array of strings
  description_zh: string;
  description_en: string;
  created_at: string;
  updated_at: string;
}

export interface MalwareNameKeysTable {
  name_key: string; // lower-case name, alias or normalised family key
  family_id: number;
  kind: string;
  explicit: number; // 1: a name or alias as written; 0: derived by normalisation
}

export interface RuleMatchesTable {
  id: Generated<number>;
  rule_id: string;
  match_key: string;
  event_id: number;
  incident_id: number | null;
  branch_code: string | null;
  created_at: string;
  updated_at: string;
  hits: number;
}

export interface DB {
  mail_messages: MailMessagesTable;
  mail_message_ids: MailMessageIdsTable;
  mail_auto_acks: MailAutoAcksTable;
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
  outbound_mail: OutboundMailTable;
  mail_templates: MailTemplatesTable;
  notification_items: NotificationItemsTable;
  org_notify_settings: OrgNotifySettingsTable;
  raw_reports: RawReportsTable;
  raw_report_chunks: RawReportChunksTable;
  events: EventsTable;
  event_sources: EventSourcesTable;
  event_merges: EventMergesTable;
  event_merge_runs: EventMergeRunsTable;
  dead_letters: DeadLettersTable;
  feed_state: FeedStateTable;
  malware_families: MalwareFamiliesTable;
  malware_name_keys: MalwareNameKeysTable;
  rule_matches: RuleMatchesTable;
}
