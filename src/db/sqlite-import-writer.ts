import type BetterSqlite3 from 'better-sqlite3';
import type { AuditEntry, ImportBatch } from '../services/ports.ts';
import { isTrackingNumberTaken, redrawTrackingNumbers, TRACKING_ATTEMPTS } from './tracking-numbers.ts';

type Ref = { batchIndex: number } | { id: number };

/** Observable rows per insert statement. */
const OBSERVABLE_ROWS = 64;
/** Incident and report rows per insert statement. */
const ROWS = 50;
const INCIDENT_VALUES = 16;
const REPORT_VALUES = 15;

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
  // Incidents and reports ROWS a statement (a sixth less time a row than one a statement). The
  // rows of one INSERT get consecutive ids in VALUES order (AUTOINCREMENT gives each the largest
  // id so far plus one, and no other writer runs inside this transaction), so they follow from
  // the last one; the first and last rows are read back all the same, and a surprise aborts the
  // batch rather than misfile a report.
  const incidentsSql = (rows: number) =>
    `insert into incidents (title, description, category, rsit, scanning, severity, tlp, branch_code, state,
       opened_at, due_at, triaged_at, resolved_at, closed_at, created_by, updated_at, version)
     values ${new Array(rows).fill(`(${new Array(INCIDENT_VALUES).fill('?').join(', ')}, 1)`).join(', ')}`;
  const insIncident = handle.prepare(incidentsSql(1));
  const insIncidents = handle.prepare(incidentsSql(ROWS));
  const incidentAt = handle.prepare('select title, opened_at from incidents where id = ?').raw();
  const reportsSql = (rows: number) =>
    `insert into reports (tracking_number, status_secret_hash, channel, reporter_type, reporter_name, reporter_email,
       reporter_phone, received_at, subject, description, category, incident_id, language, meta, created_by, created_at)
     values ${new Array(rows).fill(`(?, '', ${new Array(REPORT_VALUES - 1).fill('?').join(', ')})`).join(', ')}`;
  const insReport = handle.prepare(reportsSql(1));
  const insReports = handle.prepare(reportsSql(ROWS));
  const trackingNumberAt = handle.prepare('select tracking_number from reports where id = ?').pluck();
  const incidentParams: unknown[] = new Array(ROWS * INCIDENT_VALUES);
  const reportParams: unknown[] = new Array(ROWS * REPORT_VALUES);
  /**
   * Inserts `items`, ROWS to a statement (the rest one at a time); after each statement `written`
   * gets the index of its first item, how many it wrote and the id of the first (the others follow).
   */
  const insertRows = <T>(
    items: readonly T[],
    width: number,
    one: BetterSqlite3.Statement,
    many: BetterSqlite3.Statement,
    manyParams: unknown[],
    fill: (params: unknown[], at: number, item: T) => void,
    written: (from: number, count: number, firstId: number) => void,
  ): void => {
    for (let k = 0; k < items.length;) {
      const count = items.length - k >= ROWS ? ROWS : 1;
      const params = count === ROWS ? manyParams : new Array(width);
      for (let j = 0; j < count; j++) fill(params, j * width, items[k + j]!);
      const info = (count === ROWS ? many : one).run(params);
      if (info.changes !== count) throw new Error(`import: ${info.changes} rows written of ${count}`);
      written(k, count, Number(info.lastInsertRowid) - count + 1);
      k += count;
    }
  };
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
    const incidents = batch.incidents;
    const incidentIds: number[] = new Array(incidents.length);
    insertRows(
      incidents,
      INCIDENT_VALUES,
      insIncident,
      insIncidents,
      incidentParams,
      (params, p, i) => {
        params[p] = i.title;
        params[p + 1] = i.description;
        params[p + 2] = i.category;
        params[p + 3] = i.rsit;
        params[p + 4] = i.scanning;
        params[p + 5] = i.severity;
        params[p + 6] = i.tlp;
        params[p + 7] = i.branchCode;
        params[p + 8] = i.state;
        params[p + 9] = i.openedAt;
        params[p + 10] = i.dueAt;
        params[p + 11] = i.triagedAt;
        params[p + 12] = i.resolvedAt;
        params[p + 13] = i.closedAt;
        params[p + 14] = by;
        params[p + 15] = now;
      },
      (from, count, first) => {
        for (let j = 0; j < count; j++) incidentIds[from + j] = first + j;
        if (count === 1) return;
        for (const j of [0, count - 1]) {
          const row = incidentAt.get(first + j) as [string, string] | undefined;
          const i = incidents[from + j]!;
          if (row?.[0] !== i.title || row[1] !== i.openedAt)
            throw new Error('import: the new incidents did not get consecutive ids');
        }
      },
    );
    const incidentOf = (ref: Ref) => ('id' in ref ? ref.id : incidentIds[ref.batchIndex]!);
    const observables: unknown[] = [];
    let pendingObservables = 0;
    const reports = batch.reports;
    insertRows(
      reports,
      REPORT_VALUES,
      insReport,
      insReports,
      reportParams,
      (params, p, r) => {
        params[p] = r.trackingNumber;
        params[p + 1] = r.channel;
        params[p + 2] = r.reporterType;
        params[p + 3] = r.reporterName;
        params[p + 4] = r.reporterEmail;
        params[p + 5] = r.reporterPhone;
        params[p + 6] = r.receivedAt;
        params[p + 7] = r.subject;
        params[p + 8] = r.description;
        params[p + 9] = r.category;
        params[p + 10] = incidentOf(r.incident);
        params[p + 11] = r.language;
        params[p + 12] = r.meta;
        params[p + 13] = by;
        params[p + 14] = now;
      },
      (from, count, first) => {
        if (
          count > 1 &&
          (trackingNumberAt.get(first) !== reports[from]!.trackingNumber ||
            trackingNumberAt.get(first + count - 1) !== reports[from + count - 1]!.trackingNumber)
        )
          throw new Error('import: the new reports did not get consecutive ids');
        for (let j = 0; j < count; j++) {
          const r = reports[from + j]!;
          const reportId = first + j;
          const incidentId = incidentOf(r.incident);
          for (const o of r.observables ?? unprepared()) {
            observables.push(reportId, incidentId, o.kind, o.value, o.ipKey, o.domainKey);
            if (++pendingObservables === OBSERVABLE_ROWS) {
              insObservables.run(observables);
              observables.length = 0;
              pendingObservables = 0;
            }
          }
        }
      },
    );
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
