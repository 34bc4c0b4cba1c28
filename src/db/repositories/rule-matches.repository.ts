import type { Kysely, Selectable } from 'kysely';
import type { RuleMatchRecord, RuleMatchesPort } from '../../services/ports.ts';
import type { DB, RuleMatchesTable } from '../schema.ts';

function toRecord(r: Selectable<RuleMatchesTable>): RuleMatchRecord {
  return {
    ruleId: r.rule_id,
    matchKey: r.match_key,
    eventId: Number(r.event_id),
    incidentId: r.incident_id === null ? null : Number(r.incident_id),
    branchCode: r.branch_code,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    hits: Number(r.hits),
  };
}

export function createRuleMatchesRepository(db: Kysely<DB>): RuleMatchesPort {
  return {
    async claim(row) {
      const inserted = await db
        .insertInto('rule_matches')
        .values({
          rule_id: row.ruleId,
          match_key: row.matchKey,
          event_id: row.eventId,
          incident_id: null,
          branch_code: row.branchCode,
          created_at: row.at,
          updated_at: row.at,
          hits: 1,
        })
        .onConflict((oc) => oc.columns(['rule_id', 'match_key']).doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted) return { inserted: true, record: toRecord(inserted) };
      const existing = await db
        .selectFrom('rule_matches')
        .selectAll()
        .where('rule_id', '=', row.ruleId)
        .where('match_key', '=', row.matchKey)
        .executeTakeFirstOrThrow();
      return { inserted: false, record: toRecord(existing) };
    },
    async setIncident(ruleId, matchKey, incidentId, at) {
      await db
        .updateTable('rule_matches')
        .set({ incident_id: incidentId, updated_at: at })
        .where('rule_id', '=', ruleId)
        .where('match_key', '=', matchKey)
        .execute();
    },
    async touch(ruleId, matchKey, at) {
      await db
        .updateTable('rule_matches')
        .set((eb) => ({ hits: eb('hits', '+', 1), updated_at: at }))
        .where('rule_id', '=', ruleId)
        .where('match_key', '=', matchKey)
        .execute();
    },
    async retake(ruleId, matchKey, expectedUpdatedAt, eventId, at) {
      const r = await db
        .updateTable('rule_matches')
        .set((eb) => ({ event_id: eventId, incident_id: null, hits: eb('hits', '+', 1), updated_at: at }))
        .where('rule_id', '=', ruleId)
        .where('match_key', '=', matchKey)
        .where('updated_at', '=', expectedUpdatedAt)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async eventIdsByDedupKey(keys) {
      const out = new Map<string, number>();
      for (let i = 0; i < keys.length; i += 500) {
        const rows = await db
          .selectFrom('events')
          .select(['id', 'dedup_key'])
          .where('dedup_key', 'in', keys.slice(i, i + 500))
          .execute();
        for (const r of rows) out.set(r.dedup_key, Number(r.id));
      }
      return out;
    },
  };
}
