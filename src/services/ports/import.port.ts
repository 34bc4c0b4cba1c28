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
  /**
   * The observables to store; null until `prepareImportBatch` (services/import-prepare.ts) extracts
   * them from subject and description — in the storage's writer thread when it has one
   * (`IncidentImportPort.preparesBatches`), so that the extraction overlaps parsing.
   */
  observables: ImportObservableRow[] | null;
}

export interface ImportObservableRow {
  kind: string;
  value: string;
  ipKey: string | null;
  domainKey: string | null;
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
   * True when insertBatch completes batches itself (prepareImportBatch, in a writer thread of its
   * own): the caller then hands reports over with `observables: null`. Otherwise the caller
   * prepares each batch before insertBatch.
   */
  readonly preparesBatches: boolean;
  /**
   * With preparesBatches: how many batches handed over are not yet written (a synchronous look, no
   * waiting). While the writer has as many as the caller lets it queue, the caller may prepare
   * reports of its next batch itself instead of waiting: the writer thread then prepares only the
   * rest, and the two threads share the work evenly.
   */
  writerBacklog(): number;
  /**
   * Before a load: where the storage gains from it (an empty embedded database), set secondary
   * indexes aside until endBulkLoad. Returns whether it did; a crash in between is repaired when
   * the database is next opened.
   */
  beginBulkLoad(): Promise<boolean>;
  /**
   * After every load (whatever beginBulkLoad returned), once no insertBatch is pending: builds the
   * indexes set aside, stops a writer thread.
   */
  endBulkLoad(): Promise<void>;
  /**
   * Writes the batch atomically; returns the ids given to the batch's incidents, in order. Batches
   * are written in the order given; the caller may hand over the next one only after this resolves.
   */
  insertBatch(batch: ImportBatch): Promise<{ incidentIds: number[] }>;
}
