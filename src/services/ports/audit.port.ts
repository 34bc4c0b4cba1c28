/** One entry of the append-only audit log: who, when, what, before/after. */
export interface AuditEntry {
  at: string;
  actorId: number | null;
  actor: string;
  /** `incident`, `report`, `action`, `organisation`, `user`, `token`, `session`, … */
  entity: string;
  entityId: string;
  /** `create`, `update`, `state`, `merge`, `assign`, `delete`, `login`, `login_failed`, `denied`, … */
  action: string;
  incidentId: number | null;
  before: unknown;
  after: unknown;
  ip: string;
}

export interface AuditRecord extends AuditEntry {
  id: number;
}

export interface AuditQuery {
  incidentId?: number;
  entity?: string;
  entityId?: string;
  actorId?: number;
  /** Keyset paging: entries with id below this. */
  beforeId?: number;
  limit: number;
}

/** Append-only: there is no update or delete. */
export interface AuditPort {
  record(entry: AuditEntry): Promise<void>;
  list(query: AuditQuery): Promise<AuditRecord[]>;
}
