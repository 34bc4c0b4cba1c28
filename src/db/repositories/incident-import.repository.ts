import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely, Transaction } from 'kysely';
import type { AuditEntry, ImportBatch, IncidentImportPort } from '../../services/ports.ts';
import type { Database } from '../database.ts';
import type { DB } from '../schema.ts';
import { insertAudit } from './audit.repository.ts';
import { deferIndexesIfEmpty, restoreDeferredIndexes } from '../bulk-load.ts';

/** Rows per INSERT statement on PostgreSQL (bound parameters stay far below its 65,535). */
const CHUNK = 400;

function chunks<T>(rows: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

type Ref = { batchIndex: number } | { id: number };

function auditWithIds(audit: AuditEntry, incidentIds: number[]): AuditEntry {
  return {
    ...audit,
    after: {
      ...(audit.after as object),
      incidentIds: incidentIds.length ? [incidentIds[0], incidentIds[incidentIds.length - 1]] : [],
    },
  };
}

/**
 * PostgreSQL: multi-row INSERTs. Ids come back through RETURNING; a statement hands out increasing
 * ids in VALUES order (nextval per row) but RETURNING order is not promised, so they are sorted.
 */
async function writeBatchKysely(trx: Transaction<DB>, batch: ImportBatch): Promise<number[]> {
  const now = batch.audit.at;
  const incidentIds: number[] = [];
  for (const part of chunks(batch.incidents)) {
    const rows = await trx
      .insertInto('incidents')
      .values(
        part.map((i) => ({
          title: i.title,
          description: i.description,
          category: i.category,
          rsit: i.rsit,
          scanning: i.scanning,
          severity: i.severity,
          tlp: i.tlp,
          branch_code: i.branchCode,
          assignee_id: null,
          state: i.state,
          merged_into_id: null,
          opened_at: i.openedAt,
          due_at: i.dueAt,
          triaged_at: i.triagedAt,
          resolved_at: i.resolvedAt,
          closed_at: i.closedAt,
          created_by: batch.audit.actorId,
          updated_at: now,
          version: 1,
        })),
      )
      .returning('id')
      .execute();
    incidentIds.push(...rows.map((r) => Number(r.id)).sort((a, b) => a - b));
  }
  const incidentOf = (ref: Ref) => ('id' in ref ? ref.id : incidentIds[ref.batchIndex]!);

  for (const part of chunks(batch.reports)) {
    const rows = await trx
      .insertInto('reports')
      .values(
        part.map((r) => ({
          tracking_number: r.trackingNumber,
          status_secret_hash: '',
          channel: r.channel,
          reporter_type: r.reporterType,
          reporter_name: r.reporterName,
          reporter_email: r.reporterEmail,
          reporter_phone: r.reporterPhone,
          reporter_org_id: null,
          received_at: r.receivedAt,
          subject: r.subject,
          description: r.description,
          category: r.category,
          incident_id: incidentOf(r.incident),
          language: r.language,
          meta: r.meta,
          created_by: batch.audit.actorId,
          created_at: now,
        })),
      )
      .returning('id')
      .execute();
    const ids = rows.map((r) => Number(r.id)).sort((a, b) => a - b);
    const observables = part.flatMap((r, i) =>
      r.observables.map((o) => ({
        report_id: ids[i]!,
        incident_id: incidentOf(r.incident),
        kind: o.kind,
        value: o.value,
        ip_key: o.ipKey,
        domain_key: o.domainKey,
      })),
    );
    for (const obs of chunks(observables, 1000)) await trx.insertInto('observables').values(obs).execute();
  }

  for (const part of chunks(batch.actions)) {
    await trx
      .insertInto('actions')
      .values(
        part.map((a) => ({
          incident_id: incidentOf(a.incident),
          kind: a.kind,
          branch_code: a.branchCode,
          target_branch_code: null,
          counterpart_org_id: null,
          counterpart: a.counterpart,
          occurred_at: a.occurredAt,
          outcome: a.outcome,
          note: a.note,
          created_by: batch.audit.actorId,
          created_at: now,
        })),
      )
      .execute();
  }
  await insertAudit(trx, auditWithIds(batch.audit, incidentIds));
  return incidentIds;
}

/**
 * SQLite: the same rows through cached prepared statements in one synchronous transaction — no
 * SQL is compiled per batch, and lastInsertRowid gives each id directly. better-sqlite3 runs the
 * transaction to completion before anything else can use the connection.
 */
function createSqliteWriter(handle: BetterSqlite3.Database): (batch: ImportBatch) => number[] {
  // Index inserts of a million-row load land all over the B-trees: let the page cache hold them
  // (a ceiling, not an allocation; the default 64 MiB turns a large import into random reads).
  handle.pragma('cache_size = -1048576');
  const insIncident = handle.prepare(
    `insert into incidents (title, description, category, rsit, scanning, severity, tlp, branch_code, state,
       opened_at, due_at, triaged_at, resolved_at, closed_at, created_by, updated_at, version)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
  );
  const insReport = handle.prepare(
    `insert into reports (tracking_number, status_secret_hash, channel, reporter_type, reporter_name, reporter_email,
       reporter_phone, received_at, subject, description, category, incident_id, language, meta, created_by, created_at)
     values (?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insObservable = handle.prepare(
    `insert into observables (report_id, incident_id, kind, value, ip_key, domain_key) values (?, ?, ?, ?, ?, ?)`,
  );
  const insAction = handle.prepare(
    `insert into actions (incident_id, kind, branch_code, counterpart, occurred_at, outcome, note, created_by, created_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insAudit = handle.prepare(
    `insert into audit_log (at, actor_id, actor, entity, entity_id, action, incident_id, before, after, ip)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  return handle.transaction((batch: ImportBatch): number[] => {
    const now = batch.audit.at;
    const by = batch.audit.actorId;
    const incidentIds = batch.incidents.map((i) =>
      Number(
        insIncident.run(
          i.title,
          i.description,
          i.category,
          i.rsit,
          i.scanning,
          i.severity,
          i.tlp,
          i.branchCode,
          i.state,
          i.openedAt,
          i.dueAt,
          i.triagedAt,
          i.resolvedAt,
          i.closedAt,
          by,
          now,
        ).lastInsertRowid,
      ),
    );
    const incidentOf = (ref: Ref) => ('id' in ref ? ref.id : incidentIds[ref.batchIndex]!);
    for (const r of batch.reports) {
      const incidentId = incidentOf(r.incident);
      const reportId = insReport.run(
        r.trackingNumber,
        r.channel,
        r.reporterType,
        r.reporterName,
        r.reporterEmail,
        r.reporterPhone,
        r.receivedAt,
        r.subject,
        r.description,
        r.category,
        incidentId,
        r.language,
        r.meta,
        by,
        now,
      ).lastInsertRowid;
      for (const o of r.observables)
        insObservable.run(reportId, incidentId, o.kind, o.value, o.ipKey, o.domainKey);
    }
    for (const a of batch.actions) {
      insAction.run(
        incidentOf(a.incident),
        a.kind,
        a.branchCode,
        a.counterpart,
        a.occurredAt,
        a.outcome,
        a.note,
        by,
        now,
      );
    }
    const e = auditWithIds(batch.audit, incidentIds);
    insAudit.run(
      e.at,
      e.actorId,
      e.actor,
      e.entity,
      e.entityId,
      e.action,
      e.incidentId,
      null,
      JSON.stringify(e.after),
      e.ip,
    );
    return incidentIds;
  });
}

export function createIncidentImportRepository(
  database: Pick<Database, 'db' | 'sqlite'>,
): IncidentImportPort {
  const db: Kysely<DB> = database.db;
  let sqliteWriter: ((batch: ImportBatch) => number[]) | null = null;
  return {
    async beginBulkLoad() {
      return database.sqlite ? deferIndexesIfEmpty(database.sqlite) : false;
    },
    async endBulkLoad() {
      if (database.sqlite) restoreDeferredIndexes(database.sqlite);
    },
    async insertBatch(batch) {
      if (database.sqlite) {
        sqliteWriter ??= createSqliteWriter(database.sqlite);
        return { incidentIds: sqliteWriter(batch) };
      }
      const incidentIds = await db.transaction().execute((trx) => writeBatchKysely(trx, batch));
      return { incidentIds };
    },
  };
}
