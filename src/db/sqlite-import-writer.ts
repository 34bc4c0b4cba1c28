import type BetterSqlite3 from 'better-sqlite3';
import type { AuditEntry, ImportBatch } from '../services/ports.ts';
import { isTrackingNumberTaken, redrawTrackingNumbers, TRACKING_ATTEMPTS } from './tracking-numbers.ts';

type Ref = { batchIndex: number } | { id: number };

/** Observable rows per insert statement. */
const OBSERVABLE_ROWS = 64;

export function unprepared(): never {
  throw new Error('import batch not prepared: a report without its observables');
}

/** The audit entry of a batch, with the range of incident ids it created. */
export function auditWithIds(audit: AuditEntry, incidentIds: number[]): AuditEntry {
  return {
    ...audit,
    after: {
      ...(audit.after as object),
      incidentIds: incidentIds.length ? [incidentIds[0], incidentIds[incidentIds.length - 1]] : [],
    },
  };
}

/**
 * SQLite: a batch of an import through cached prepared statements in one synchronous transaction —
 * no SQL is compiled per batch, and lastInsertRowid gives each id directly. better-sqlite3 runs the
 * transaction to completion before anything else can use the connection. Used on the caller's
 * connection, or on a connection of its own in the writer thread (db/import-writer.worker.ts).
 *
 * `foreignKeysChecked: false` (the writer thread's own connection runs with foreign_keys off):
 * instead of a foreign-key lookup per row (a fifth of the write time), each batch checks once that
 * the branches and the user it names exist; every other reference is to a row the load itself
 * wrote (an incident or report of this batch, or an incident of an earlier batch).
 */
export function createSqliteImportWriter(
  handle: BetterSqlite3.Database,
  options: { foreignKeysChecked?: boolean } = {},
): (batch: ImportBatch) => number[] {
  // Index inserts of a million-row load land all over the B-trees: let the page cache hold them
  // (a ceiling, not an allocation; the default 64 MiB turns a large import into random reads).
  handle.pragma('cache_size = -1048576');
  const checkReferences = options.foreignKeysChecked === false;
  const branchExists = handle.prepare('select 1 from branches where code = ?').pluck();
  const userExists = handle.prepare('select 1 from users where id = ?').pluck();
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
  // observables many rows a statement (no id of theirs is needed): a fifth less time than one a row
  const observablesSql = (rows: number) =>
    `insert into observables (report_id, incident_id, kind, value, ip_key, domain_key) values ${new Array(rows).fill('(?, ?, ?, ?, ?, ?)').join(', ')}`;
  const insObservable = handle.prepare(observablesSql(1));
  const insObservables = handle.prepare(observablesSql(OBSERVABLE_ROWS));
  const insAction = handle.prepare(
    `insert into actions (incident_id, kind, branch_code, counterpart, occurred_at, outcome, note, created_by, created_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insAudit = handle.prepare(
    `insert into audit_log (at, actor_id, actor, entity, entity_id, action, incident_id, before, after, ip)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const verifyReferences = (batch: ImportBatch) => {
    const codes = new Set<string>();
    for (const i of batch.incidents) codes.add(i.branchCode);
    for (const a of batch.actions) codes.add(a.branchCode);
    for (const code of codes) {
      if (branchExists.get(code) === undefined)
        throw new Error(`FOREIGN KEY constraint failed: no branch ${code}`);
    }
    const by = batch.audit.actorId;
    if (by !== null && userExists.get(by) === undefined)
      throw new Error(`FOREIGN KEY constraint failed: no user ${by}`);
  };
  const write = handle.transaction((batch: ImportBatch): number[] => {
    if (checkReferences) verifyReferences(batch);
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
    const observables: unknown[] = [];
    let pendingObservables = 0;
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
      for (const o of r.observables ?? unprepared()) {
        observables.push(reportId, incidentId, o.kind, o.value, o.ipKey, o.domainKey);
        if (++pendingObservables === OBSERVABLE_ROWS) {
          insObservables.run(observables);
          observables.length = 0;
          pendingObservables = 0;
        }
      }
    }
    for (let i = 0; i < observables.length; i += 6) insObservable.run(observables.slice(i, i + 6));
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
  // a tracking number taken already: the batch (its transaction or, inside a group, its savepoint)
  // is rolled back whole, and written again with new numbers (db/tracking-numbers.ts)
  return (batch) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return write(batch);
      } catch (e) {
        if (attempt >= TRACKING_ATTEMPTS || !isTrackingNumberTaken(e)) throw e;
        redrawTrackingNumbers(batch);
      }
    }
  };
}
