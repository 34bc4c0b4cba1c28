import type { Scope } from '../../core/auth/actor.ts';
import type { Role } from '../../core/auth/roles.ts';
import type { ActionOutcome } from '../../core/incidents/actions.ts';
import type { Category } from '../../core/incidents/categories.ts';
import type {
  Incident,
  IncidentAction,
  Report,
  ReportChannel,
  ReporterType,
  StoredObservable,
} from '../../core/incidents/incident.ts';
import type { ObservableKind } from '../../core/incidents/observables.ts';
import type { IncidentQuery, Page } from '../../core/incidents/search-query.ts';
import type { Severity, Tlp } from '../../core/incidents/severity.ts';
import type { IncidentState } from '../../core/incidents/states.ts';
import type { AuditEntry } from './audit.port.ts';

/** An incident row; `overdue` is the service's to compute. */
export type IncidentRecord = Omit<Incident, 'overdue'>;

export interface NewIncidentRecord {
  title: string;
  description: string;
  category: Category;
  rsit: string;
  scanning: boolean;
  severity: Severity;
  tlp: Tlp;
  branchCode: string;
  assigneeId: number | null;
  state: IncidentState;
  openedAt: string;
  dueAt: string | null;
  triagedAt: string | null;
  createdBy: number | null;
  updatedAt: string;
}

/** Columns a change may set; the repository bumps `version` and sets `updated_at` itself. */
export type IncidentChanges = Partial<
  Pick<
    IncidentRecord,
    | 'title'
    | 'description'
    | 'category'
    | 'rsit'
    | 'scanning'
    | 'severity'
    | 'tlp'
    | 'branchCode'
    | 'assigneeId'
    | 'state'
    | 'mergedIntoId'
    | 'dueAt'
    | 'triagedAt'
    | 'resolvedAt'
    | 'closedAt'
  >
>;

export interface NewObservable {
  kind: ObservableKind;
  value: string;
}

export interface AttachmentContent {
  filename: string;
  contentType: string;
  sha256: string;
  content: Uint8Array;
}

export interface NewAttachment {
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  content: Uint8Array;
}

export interface NewReportRecord {
  trackingNumber: string;
  /** sha256 (hex) of the status secret; the plaintext is shown once and never stored. */
  statusSecretHash: string;
  channel: ReportChannel;
  reporterType: ReporterType;
  reporterName: string;
  reporterEmail: string;
  reporterPhone: string;
  reporterOrgId: number | null;
  receivedAt: string;
  subject: string;
  description: string;
  category: Category;
  incidentId: number | null;
  language: string;
  meta: Record<string, unknown>;
  createdBy: number | null;
  createdAt: string;
}

/** An action as it is written: everything but the id the database gives it. */
export type NewActionRecord = Omit<IncidentAction, 'id'>;

/** A user as far as assignment and TLP:RED membership need to know. */
export interface UserRef {
  id: number;
  username: string;
  role: Role;
  branchCode: string | null;
  disabled: boolean;
}

/** The secret-protected view of a report, looked up by tracking number (not scoped: the secret is the key). */
export interface ReportStatusRecord {
  trackingNumber: string;
  statusSecretHash: string;
  receivedAt: string;
  createdAt: string;
  category: Category;
  incident: { state: IncidentState; category: Category; updatedAt: string } | null;
}

/** An audit row whose `after.state` differs from `before.state`: a state change on the timeline. */
export interface StateChangeRecord {
  at: string;
  actor: string;
  from: IncidentState | null;
  to: IncidentState;
}

/**
 * Work inside one database transaction: every write and its audit row commit together or not at
 * all. Inside `transaction(fn)` use only the tx: the embedded SQLite has one connection, and a
 * query through the port itself would wait for the transaction that waits for it.
 */
export interface IncidentsTx {
  /** A visible incident (scope applied in SQL), read for change; null when absent or out of scope. */
  findIncident(scope: Scope, id: number): Promise<IncidentRecord | null>;
  insertIncident(record: NewIncidentRecord): Promise<IncidentRecord>;
  /** Compare-and-set on `version`: null when the row's version is no longer `expectedVersion`. */
  updateIncident(
    id: number,
    expectedVersion: number,
    changes: IncidentChanges,
    updatedAt: string,
  ): Promise<IncidentRecord | null>;
  /** Sets `updated_at` without touching the version (an action was added). */
  touchIncident(id: number, updatedAt: string): Promise<void>;
  /** Inserts the report, its attachments and its observables (with their search keys). */
  insertReport(
    record: NewReportRecord,
    attachments: NewAttachment[],
    observables: NewObservable[],
  ): Promise<Report>;
  /** Moves every report (and its observables) of `fromIds` to `toId`; returns the moved report ids. */
  moveReports(fromIds: number[], toId: number): Promise<number[]>;
  insertAction(record: NewActionRecord): Promise<IncidentAction>;
  findAction(incidentId: number, actionId: number): Promise<IncidentAction | null>;
  updateAction(actionId: number, changes: { outcome: ActionOutcome; note?: string }): Promise<IncidentAction>;
  listRedUsers(incidentId: number): Promise<number[]>;
  setRedUsers(incidentId: number, userIds: number[]): Promise<void>;
  findUser(id: number): Promise<UserRef | null>;
  audit(entry: AuditEntry): Promise<void>;
}

export interface IncidentsPort {
  transaction<T>(fn: (tx: IncidentsTx) => Promise<T>): Promise<T>;

  /** A visible incident or null (absent, other branch, TLP:RED without membership). */
  findIncident(scope: Scope, id: number): Promise<IncidentRecord | null>;
  /** Whether an incident exists at all, whatever the scope (only to audit denials). */
  incidentExists(id: number): Promise<boolean>;
  /**
   * Scoped search; `now` decides what is overdue. Throws invalid_input for a bad cursor or
   * observable term.
   */
  searchIncidents(scope: Scope, query: IncidentQuery, now: string): Promise<Page<IncidentRecord>>;

  /** A report whose incident is visible (unattached reports: only to scopes without a branch). */
  findReport(scope: Scope, id: number): Promise<Report | null>;
  reportExists(id: number): Promise<boolean>;
  /** An attachment's bytes (the caller has already checked it may read the report). */
  readAttachment(reportId: number, attachmentId: number): Promise<AttachmentContent | null>;
  findReportStatus(trackingNumber: string): Promise<ReportStatusRecord | null>;

  /** Children of an incident the caller has already found visible. */
  listReports(incidentId: number): Promise<Report[]>;
  listObservables(incidentId: number): Promise<StoredObservable[]>;
  listActions(incidentId: number): Promise<IncidentAction[]>;
  listRedUsers(incidentId: number): Promise<number[]>;
  listStateChanges(incidentId: number): Promise<StateChangeRecord[]>;

  findUser(id: number): Promise<UserRef | null>;
  branchExists(code: string): Promise<boolean>;
  organisationExists(id: number): Promise<boolean>;
}

/** insertReport's answer when the tracking number is already in use: the caller draws another. */
export class TrackingNumberTaken extends Error {
  constructor(trackingNumber: string) {
    super(`tracking number ${trackingNumber} is already in use`);
    this.name = 'TrackingNumberTaken';
  }
}
