import type { Kysely, Transaction } from 'kysely';
import type { AuditEntry, AuditPort, AuditQuery, AuditRecord } from '../../services/ports.ts';
import type { DB } from '../schema.ts';

type Executor = Kysely<DB> | Transaction<DB>;

function toJson(v: unknown): string | null {
  return v === undefined || v === null ? null : JSON.stringify(v);
}

/** Writes one audit row with the given executor: repositories call it inside their own transactions. */
export async function insertAudit(db: Executor, e: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      at: e.at,
      actor_id: e.actorId,
      actor: e.actor,
      entity: e.entity,
      entity_id: e.entityId,
      action: e.action,
      incident_id: e.incidentId,
      before: toJson(e.before),
      after: toJson(e.after),
      ip: e.ip,
    })
    .execute();
}

export function createAuditRepository(db: Kysely<DB>): AuditPort {
  return {
    record: (entry) => insertAudit(db, entry),
    async list(q: AuditQuery): Promise<AuditRecord[]> {
      let query = db.selectFrom('audit_log').selectAll();
      if (q.incidentId !== undefined) query = query.where('incident_id', '=', q.incidentId);
      if (q.entity !== undefined) query = query.where('entity', '=', q.entity);
      if (q.entityId !== undefined) query = query.where('entity_id', '=', q.entityId);
      if (q.actorId !== undefined) query = query.where('actor_id', '=', q.actorId);
      if (q.beforeId !== undefined) query = query.where('id', '<', q.beforeId);
      const rows = await query.orderBy('id', 'desc').limit(q.limit).execute();
      return rows.map((r) => ({
        id: Number(r.id),
        at: r.at,
        actorId: r.actor_id === null ? null : Number(r.actor_id),
        actor: r.actor,
        entity: r.entity,
        entityId: r.entity_id,
        action: r.action,
        incidentId: r.incident_id === null ? null : Number(r.incident_id),
        before: r.before === null ? null : JSON.parse(r.before),
        after: r.after === null ? null : JSON.parse(r.after),
        ip: r.ip,
      }));
    },
  };
}
