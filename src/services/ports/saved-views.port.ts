import type { Scope } from '../../core/auth/actor.ts';
import type { AuditEntry } from './audit.port.ts';

/**
 * A saved incident search. A personal view has `branchCode` null and is seen only by its owner;
 * a branch view has a `branchCode` and is seen by that branch's users and by national roles
 * (`userId` is who saved it: only they may delete it).
 */
export interface SavedViewRecord {
  id: number;
  userId: number | null;
  branchCode: string | null;
  name: string;
  /** The saved filters (see savedViewQuerySchema in services/saved-view.service.ts). */
  query: Record<string, unknown>;
  createdAt: string;
}

export type NewSavedViewRecord = Omit<SavedViewRecord, 'id'>;

export interface SavedViewsPort {
  /**
   * Views visible under `scope`, in SQL: personal views of `scope.userId`, and branch views of
   * `scope.branchCode` (every branch when it is null). Ordered by name, then id.
   */
  listVisible(scope: Scope): Promise<SavedViewRecord[]>;
  /** One view, under the same rule; null when absent or not visible. */
  findVisible(scope: Scope, id: number): Promise<SavedViewRecord | null>;
  /** Inserts the view and its audit row (built from the stored view) in one transaction. */
  insertView(
    record: NewSavedViewRecord,
    audit: (view: SavedViewRecord) => AuditEntry,
  ): Promise<SavedViewRecord>;
  /** Deletes the view and writes the audit row in one transaction; false when it was already gone. */
  deleteView(id: number, audit: AuditEntry): Promise<boolean>;
  branchExists(code: string): Promise<boolean>;
}
