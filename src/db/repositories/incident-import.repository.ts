import type { Kysely, Transaction } from 'kysely';
import type { ImportBatch, IncidentImportPort } from '../../services/ports.ts';
import type { DB } from '../schema.ts';
import { insertAudit } from './audit.repository.ts';

/** Rows per INSERT statement: under SQLite's 32,766 bound variables for the widest table. */
const CHUNK = 400;

function chunks<T>(rows: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/**
 * Ids of a multi-row INSERT, in VALUES order. Both dialects hand out increasing ids within one
 * statement (SQLite: one writer; PostgreSQL: nextval per row in order), but neither promises the
 * order of RETURNING rows, so sort them.
 */
async function insertReturningIds<T>(
  run: () => Promise<{ id: number | string }[]>,
  expected: number,
): Promise<number[]> {
  const rows = await run();
  if (rows.length !== expected) throw new Error(`insert returned ${rows.length} ids for ${expected} rows`);
  return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}

async function writeBatch(trx: Transaction<DB>, batch: ImportBatch): Promise<number[]> {
  const now = batch.audit.at;
  const incidentIds: number[] = [];
  for (const part of chunks(batch.incidents)) {
    const ids = await insertReturningIds(
      () =>
        trx
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
          .execute(),
      part.length,
    );
    incidentIds.push(...ids);
  }
  const incidentOf = (ref: { batchIndex: number } | { id: number }) =>
    'id' in ref ? ref.id : incidentIds[ref.batchIndex]!;

  for (const part of chunks(batch.reports)) {
    const ids = await insertReturningIds(
      () =>
        trx
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
          .execute(),
      part.length,
    );
    const observables = part.flatMap((r, i) =>
      r.observables.map((o) => ({
        report_id: ids[i]!,
        incident_id: incidentOf(r.incident),
        kind: o.kind,
        value: o.value,
        ip_key: o.ipKey,
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
  await insertAudit(trx, {
    ...batch.audit,
    after: {
      ...(batch.audit.after as object),
      incidentIds: incidentIds.length ? [incidentIds[0], incidentIds[incidentIds.length - 1]] : [],
    },
  });
  return incidentIds;
}

export function createIncidentImportRepository(db: Kysely<DB>): IncidentImportPort {
  return {
    async insertBatch(batch) {
      const incidentIds = await db.transaction().execute((trx) => writeBatch(trx, batch));
      return { incidentIds };
    },
  };
}
