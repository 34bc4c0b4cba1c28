import type { AuditEntry } from './audit.port.ts';

export interface ImportIncidentRow {
  title: string;
  description: string;
  category: string;
  rsit: string;
  scanning: number;
  severity: string;
  tlp: string;
  branchCode: string;
  state: string;
  openedAt: string;
  dueAt: string | null;
  triagedAt: string | null;
  resolvedAt: string | null;
  closedAt: string | null;
}

export interface ImportReportRow {
  /** Index into the batch's incidents, or an incident created by an earlier batch. */
  incident: { batchIndex: number } | { id: number };
  trackingNumber: string;
  channel: string;
  reporterType: string;
  reporterName: string;
  reporterEmail: string;
  reporterPhone: string;
  receivedAt: string;
  subject: string;
  description: string;
  category: string;
  language: string;
  meta: string;
  observables: { kind: string; value: string; ipKey: string | null; domainKey: string | null }[];
}

export interface ImportActionRow {
  incident: { batchIndex: number } | { id: number };
  kind: string;
  branchCode: string;
  counterpart: string;
  occurredAt: string;
  outcome: string;
  note: string;
}

export interface ImportBatch {
  incidents: ImportIncidentRow[];
  reports: ImportReportRow[];
  actions: ImportActionRow[];
  audit: AuditEntry;
}

/** Bulk writes for migrating from another tracker: one transaction per batch. */
export interface IncidentImportPort {
  /**
   * Before a load: where the storage gains from it (an empty embedded database), set secondary
   * indexes aside until endBulkLoad. Returns whether it did; a crash in between is repaired when
   * the database is next opened.
   */
  beginBulkLoad(): Promise<boolean>;
  /** After a load that began with beginBulkLoad() === true: build the indexes. */
  endBulkLoad(): Promise<void>;
  /** Writes the batch atomically; returns the ids given to the batch's incidents, in order. */
  insertBatch(batch: ImportBatch): Promise<{ incidentIds: number[] }>;
}
