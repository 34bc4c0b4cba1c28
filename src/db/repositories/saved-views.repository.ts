import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import type { Scope } from '../../core/auth/actor.ts';
import type { NewSavedViewRecord, SavedViewRecord, SavedViewsPort } from '../../services/ports.ts';
import type { DB, SavedViewsTable } from '../schema.ts';
import { insertAudit } from './audit.repository.ts';

function toView(r: Selectable<SavedViewsTable>): SavedViewRecord {
  let query: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(r.query);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      query = parsed as Record<string, unknown>;
  } catch {
    // A damaged row shows as a view without filters rather than breaking the queue.
  }
  return {
    id: Number(r.id),
    userId: r.user_id === null ? null : Number(r.user_id),
    branchCode: r.branch_code,
    name: r.name,
    query,
    createdAt: r.created_at,
  };
}

/** The visibility rule as a WHERE term: own personal views, and branch views of the scope's branch. */
function visibleTerm(eb: ExpressionBuilder<DB, 'saved_views'>, scope: Scope) {
  const personal =
    scope.userId === null
      ? null
      : eb.and([eb('saved_views.branch_code', 'is', null), eb('saved_views.user_id', '=', scope.userId)]);
  const branch =
    scope.branchCode === null
      ? eb('saved_views.branch_code', 'is not', null)
      : eb('saved_views.branch_code', '=', scope.branchCode);
  return personal === null ? branch : eb.or([personal, branch]);
}

export function createSavedViewsRepository(db: Kysely<DB>): SavedViewsPort {
  return {
    async listVisible(scope) {
      const rows = await db
        .selectFrom('saved_views')
        .selectAll()
        .where((eb) => visibleTerm(eb, scope))
        .orderBy('name')
        .orderBy('id')
        .execute();
      return rows.map(toView);
    },

    async findVisible(scope, id) {
      const row = await db
        .selectFrom('saved_views')
        .selectAll()
        .where('id', '=', id)
        .where((eb) => visibleTerm(eb, scope))
        .executeTakeFirst();
      return row ? toView(row) : null;
    },

    async insertView(record: NewSavedViewRecord, audit) {
      return db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('saved_views')
          .values({
            user_id: record.userId,
            branch_code: record.branchCode,
            name: record.name,
            query: JSON.stringify(record.query),
            created_at: record.createdAt,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        const view = toView(row);
        await insertAudit(trx, audit(view));
        return view;
      });
    },

    async deleteView(id, audit) {
      return db.transaction().execute(async (trx) => {
        const res = await trx.deleteFrom('saved_views').where('id', '=', id).executeTakeFirst();
        if (Number(res.numDeletedRows) === 0) return false;
        await insertAudit(trx, audit);
        return true;
      });
    },

    async branchExists(code) {
      const row = await db.selectFrom('branches').select('code').where('code', '=', code).executeTakeFirst();
      return row !== undefined;
    },
  };
}
