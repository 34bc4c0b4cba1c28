import type { Kysely, Transaction } from 'kysely';
import type { ImportBatch, IncidentImportPort } from '../../services/ports.ts';
import type { Database } from '../database.ts';
import type { DB } from '../schema.ts';
import { insertAudit } from './audit.repository.ts';
import { deferIndexesIfEmpty, restoreDeferredIndexes } from '../bulk-load.ts';
import { isTrackingNumberTaken, redrawTrackingNumbers, TRACKING_ATTEMPTS } from '../tracking-numbers.ts';
import { startImportWriterThread, type ImportWriterThread } from '../import-writer.thread.ts';
import { auditWithIds, createSqliteImportWriter, unprepared } from '../sqlite-import-writer.ts';

/** Rows per INSERT statement on PostgreSQL (bound parameters stay far below its 65,535). */
const CHUNK = 400;

function chunks<T>(rows: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

type Ref = { batchIndex: number } | { id: number };

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
      (r.observables ?? unprepared()).map((o) => ({
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

export interface IncidentImportOptions {
  /**
   * SQLite files: write in a thread of its own (db/import-writer.thread.ts) so that parsing the next
   * batch overlaps writing this one. `auto` (default): the first batch of a load is written on the
   * caller's connection and the thread starts with the second, so a small import never waits for
   * a thread to start; `always`: from the first batch; `never`. In-memory databases never do.
   */
  writerThread?: 'auto' | 'always' | 'never';
  /**
   * URL of a module exporting `prepareImportBatch(batch)` (services/import-prepare.ts, given by
   * main/compose.ts): the repository runs it on each batch before writing — in the writer thread
   * when it has one — and then reports `preparesBatches`. Without it the caller prepares batches.
   */
  prepareModule?: string;
}

type Prepare = (batch: ImportBatch) => ImportBatch;

export function createIncidentImportRepository(
  database: Pick<Database, 'db' | 'sqlite'>,
  options: IncidentImportOptions = {},
): IncidentImportPort {
  const db: Kysely<DB> = database.db;
  const handle = database.sqlite;
  const mode = options.writerThread ?? 'auto';
  const threaded = handle !== null && mode !== 'never' && !handle.memory && handle.name !== '';
  const preparesBatches = threaded && options.prepareModule !== undefined;
  let sqliteWriter: ((batch: ImportBatch) => number[]) | null = null;
  let prepareHere: Prepare | null = null;
  let thread: ImportWriterThread | null = null;
  let deferred = false;
  /** Batches go to the thread once one has (they are written in order). */
  let handedOver = false;
  /**
   * Batches written on this side, one after the other in the order given (the caller may hand
   * several over before the first is stored): `written` settles when the last one has; after a
   * failure the batches behind it are refused, so nothing after a failed batch is stored.
   */
  let written: Promise<unknown> = Promise.resolve();
  let failedBatch: Error | null = null;
  const refuseAfterFailure = () => {
    if (failedBatch) throw new Error(`not written: an earlier batch failed (${failedBatch.message})`);
  };
  const inOrder = <T>(write: () => Promise<T>): Promise<T> => {
    const run = written.then(async () => {
      refuseAfterFailure();
      try {
        return await write();
      } catch (e) {
        failedBatch = e as Error;
        throw e;
      }
    });
    written = run.catch(() => {});
    return run;
  };

  /** A batch written on this thread although preparesBatches: prepared here. */
  const prepareLocally = async (batch: ImportBatch) => {
    if (!preparesBatches || !batch.reports.some((r) => r.observables === null)) return batch;
    prepareHere ??= ((await import(options.prepareModule!)) as { prepareImportBatch: Prepare })
      .prepareImportBatch;
    return prepareHere(batch);
  };

  return {
    preparesBatches,
    writerBacklog: () => thread?.backlog() ?? 0,
    async beginBulkLoad() {
      handedOver = false;
      failedBatch = null;
      deferred = handle ? deferIndexesIfEmpty(handle) : false;
      return deferred;
    },
    async endBulkLoad() {
      const t = thread;
      thread = null;
      handedOver = false;
      try {
        // the thread builds the set-aside indexes itself, after its last commit
        if (t) await t.close({ restoreIndexes: deferred });
      } finally {
        // whatever the thread left undone (nothing, unless it failed) is built here
        if (handle && deferred) restoreDeferredIndexes(handle);
        deferred = false;
      }
    },
    async insertBatch(batch) {
      if (handle && threaded) {
        // auto: the thread is started by the first batch and takes over once it has started (a
        // batch handed over earlier would wait for it); until then batches are written here
        thread ??= startImportWriterThread(handle.name, options.prepareModule);
        if (mode === 'always' || handedOver || thread.ready()) {
          handedOver = true;
          const t = thread;
          // batches written here come first (and one that failed stops the rest); the thread
          // writes what it is given in order
          await written;
          refuseAfterFailure();
          return { incidentIds: await t.write(batch) };
        }
      }
      return inOrder(async () => {
        if (handle) {
          const ready = await prepareLocally(batch);
          sqliteWriter ??= createSqliteImportWriter(handle);
          return { incidentIds: sqliteWriter(ready) };
        }
        // a tracking number taken already: written again with new numbers (db/tracking-numbers.ts)
        for (let attempt = 1; ; attempt++) {
          try {
            const incidentIds = await db.transaction().execute((trx) => writeBatchKysely(trx, batch));
            return { incidentIds };
          } catch (e) {
            if (attempt >= TRACKING_ATTEMPTS || !isTrackingNumberTaken(e)) throw e;
            redrawTrackingNumbers(batch);
          }
        }
      });
    },
  };
}
