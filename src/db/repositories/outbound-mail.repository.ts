import { sql, type Kysely, type Selectable, type SqlBool, type Transaction } from 'kysely';
import type { Scope } from '../../core/auth/actor.ts';
import type {
  MailAttachment,
  MailTemplateOverride,
  NewOutboundMail,
  OutboundKind,
  OutboundMail,
  OutboundMailPort,
  OutboundState,
  OutboundSummary,
} from '../../services/ports.ts';
import type { DB, OutboundMailTable } from '../schema.ts';

type Executor = Kysely<DB> | Transaction<DB>;
type Row = Selectable<OutboundMailTable>;

const SUMMARY_COLUMNS = [
  'id',
  'kind',
  'incident_id',
  'action_id',
  'from_addr',
  'to_addr',
  'subject',
  'headers',
  'message_id',
  'in_reply_to',
  'refs',
  'state',
  'attempts',
  'next_attempt_at',
  'last_error',
  'response',
  'created_by',
  'created_at',
  'sent_at',
] as const;

function idOrNull(v: number | string | null): number | null {
  return v === null ? null : Number(v);
}

function toSummary(r: Pick<Row, (typeof SUMMARY_COLUMNS)[number]>): OutboundSummary {
  return {
    id: Number(r.id),
    kind: r.kind as OutboundKind,
    incidentId: idOrNull(r.incident_id),
    actionId: idOrNull(r.action_id),
    from: r.from_addr,
    to: r.to_addr,
    subject: r.subject,
    headers: JSON.parse(r.headers) as Record<string, string>,
    messageId: r.message_id,
    inReplyTo: r.in_reply_to,
    references: JSON.parse(r.refs) as string[],
    state: r.state as OutboundState,
    attempts: Number(r.attempts),
    nextAttemptAt: r.next_attempt_at ?? '',
    lastError: r.last_error,
    response: r.response,
    createdBy: idOrNull(r.created_by),
    createdAt: r.created_at,
    sentAt: r.sent_at,
  };
}

function toMail(r: Row): OutboundMail {
  const attachments = (
    JSON.parse(r.attachments) as { filename: string; contentType: string; contentBase64: string }[]
  ).map((a): MailAttachment => ({
    filename: a.filename,
    contentType: a.contentType,
    content: new Uint8Array(Buffer.from(a.contentBase64, 'base64')),
  }));
  return { ...toSummary(r), text: r.text_body, html: r.html_body, attachments };
}

/**
 * Stores one outgoing message with the given executor (the notifier calls it inside its
 * transaction); a message about an incident also goes into mail_message_ids (direction `out`), so
 * a reply quoting it in In-Reply-To or References threads to the incident.
 */
export async function insertOutbound(db: Executor, m: NewOutboundMail): Promise<OutboundMail> {
  if (!db.isTransaction && m.incidentId !== null)
    return db.transaction().execute((trx) => insertOutbound(trx, m));
  const row = await db
    .insertInto('outbound_mail')
    .values({
      kind: m.kind,
      incident_id: m.incidentId,
      action_id: m.actionId,
      from_addr: m.from,
      to_addr: m.to,
      subject: m.subject,
      text_body: m.text,
      html_body: m.html,
      headers: JSON.stringify(m.headers),
      message_id: m.messageId,
      in_reply_to: m.inReplyTo,
      refs: JSON.stringify(m.references),
      attachments: JSON.stringify(
        m.attachments.map((a) => ({
          filename: a.filename,
          contentType: a.contentType,
          contentBase64: Buffer.from(a.content).toString('base64'),
        })),
      ),
      state: 'queued',
      attempts: 0,
      next_attempt_at: m.nextAttemptAt,
      locked_until: null,
      last_error: '',
      response: '',
      created_by: m.createdBy,
      created_at: m.createdAt,
      sent_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  if (m.incidentId !== null) {
    await db
      .insertInto('mail_message_ids')
      .values({
        message_id: m.messageId,
        incident_id: m.incidentId,
        direction: 'out',
        mail_message_id: null,
        created_at: m.createdAt,
      })
      .onConflict((oc) => oc.column('message_id').doNothing())
      .execute();
  }
  return toMail(row);
}

/**
 * The incident access rule on outbox rows (in SQL): rows about an incident are visible when that
 * incident is (branch, TLP:RED membership); rows about none only to scopes that see all branches.
 */
function scopeSql(scope: Scope) {
  if (scope.unrestricted) return sql<SqlBool>`1 = 1`;
  const branch = scope.branchCode === null ? sql`1 = 1` : sql`i.branch_code = ${scope.branchCode}`;
  const red =
    scope.userId === null
      ? sql`i.tlp <> 'red'`
      : sql`(i.tlp <> 'red' or exists (select 1 from incident_red_users ru where ru.incident_id = i.id and ru.user_id = ${scope.userId}))`;
  const orphan = scope.branchCode === null ? sql`outbound_mail.incident_id is null or ` : sql``;
  return sql<SqlBool>`(${orphan}exists (select 1 from incidents i where i.id = outbound_mail.incident_id and ${branch} and ${red}))`;
}

export function createOutboundMailRepository(db: Kysely<DB>): OutboundMailPort {
  return {
    insert: (m) => insertOutbound(db, m),

    async get(id) {
      const row = await db.selectFrom('outbound_mail').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toMail(row) : null;
    },

    async claimDue(now, lockUntil, limit) {
      const candidates = await db
        .selectFrom('outbound_mail')
        .select(['id', 'state'])
        .where((eb) =>
          eb.or([
            eb.and([eb('state', '=', 'queued'), eb('next_attempt_at', '<=', now)]),
            eb.and([eb('state', '=', 'sending'), eb('locked_until', '<', now)]),
          ]),
        )
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(limit)
        .execute();
      const claimed: OutboundMail[] = [];
      for (const c of candidates) {
        // Optimistic claim: only one sender's update matches the row's state.
        const row = await db
          .updateTable('outbound_mail')
          .set({ state: 'sending', locked_until: lockUntil })
          .where('id', '=', c.id)
          .where((eb) =>
            eb.or([
              eb.and([eb('state', '=', 'queued'), eb('next_attempt_at', '<=', now)]),
              eb.and([eb('state', '=', 'sending'), eb('locked_until', '<', now)]),
            ]),
          )
          .returningAll()
          .executeTakeFirst();
        if (row) claimed.push(toMail(row));
      }
      return claimed;
    },

    async claimOne(id, lockUntil) {
      const row = await db
        .updateTable('outbound_mail')
        .set({ state: 'sending', locked_until: lockUntil })
        .where('id', '=', id)
        .where('state', '=', 'queued')
        .returningAll()
        .executeTakeFirst();
      return row ? toMail(row) : null;
    },

    async markSent(id, attempts, at, response) {
      await db
        .updateTable('outbound_mail')
        .set({
          state: 'sent',
          attempts,
          sent_at: at,
          response: response.slice(0, 1000),
          last_error: '',
          locked_until: null,
          next_attempt_at: null,
        })
        .where('id', '=', id)
        .execute();
    },

    async markRetry(id, attempts, nextAttemptAt, error) {
      await db
        .updateTable('outbound_mail')
        .set({
          state: 'queued',
          attempts,
          next_attempt_at: nextAttemptAt,
          last_error: error.slice(0, 1000),
          locked_until: null,
        })
        .where('id', '=', id)
        .execute();
    },

    async markFailed(id, attempts, error) {
      await db
        .updateTable('outbound_mail')
        .set({
          state: 'failed',
          attempts,
          next_attempt_at: null,
          last_error: error.slice(0, 1000),
          locked_until: null,
        })
        .where('id', '=', id)
        .execute();
    },

    async requeue(id, at) {
      const r = await db
        .updateTable('outbound_mail')
        .set({ state: 'queued', attempts: 0, next_attempt_at: at, locked_until: null })
        .where('id', '=', id)
        .where('state', '=', 'failed')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    async setAction(id, actionId) {
      await db.updateTable('outbound_mail').set({ action_id: actionId }).where('id', '=', id).execute();
    },

    async withdraw(id) {
      return db.transaction().execute(async (trx) => {
        const row = await trx
          .deleteFrom('outbound_mail')
          .where('id', '=', id)
          .where('state', '=', 'queued')
          .where('attempts', '=', 0)
          .returning('message_id')
          .executeTakeFirst();
        if (!row) return false;
        await trx.deleteFrom('mail_message_ids').where('message_id', '=', row.message_id).execute();
        return true;
      });
    },

    async list(scope, f) {
      let q = db
        .selectFrom('outbound_mail')
        .select([...SUMMARY_COLUMNS])
        .where(scopeSql(scope));
      if (f.state !== undefined) q = q.where('state', '=', f.state);
      if (f.kind !== undefined) q = q.where('kind', '=', f.kind);
      if (f.incidentId !== undefined) q = q.where('incident_id', '=', f.incidentId);
      if (f.beforeId !== undefined) q = q.where('id', '<', f.beforeId);
      const rows = await q.orderBy('id', 'desc').limit(f.limit).execute();
      return rows.map(toSummary);
    },

    async isVisible(scope, id) {
      const row = await db
        .selectFrom('outbound_mail')
        .select('id')
        .where('id', '=', id)
        .where(scopeSql(scope))
        .executeTakeFirst();
      return row !== undefined;
    },

    async countByState(scope) {
      const rows = await db
        .selectFrom('outbound_mail')
        .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
        .where(scopeSql(scope))
        .groupBy('state')
        .execute();
      const out: Record<OutboundState, number> = { queued: 0, sending: 0, sent: 0, failed: 0 };
      for (const r of rows) out[r.state as OutboundState] = Number(r.n);
      return out;
    },

    async listTemplates() {
      const rows = await db
        .selectFrom('mail_templates')
        .selectAll()
        .orderBy('action_kind')
        .orderBy('language')
        .execute();
      return rows.map(toTemplate);
    },

    async getTemplate(actionKind, language) {
      const row = await db
        .selectFrom('mail_templates')
        .selectAll()
        .where('action_kind', '=', actionKind)
        .where('language', '=', language)
        .executeTakeFirst();
      return row ? toTemplate(row) : null;
    },

    async upsertTemplate(t) {
      await db
        .insertInto('mail_templates')
        .values({
          action_kind: t.actionKind,
          language: t.language,
          subject: t.subject,
          body: t.body,
          updated_at: t.updatedAt,
          updated_by: t.updatedBy,
        })
        .onConflict((oc) =>
          oc.columns(['action_kind', 'language']).doUpdateSet({
            subject: t.subject,
            body: t.body,
            updated_at: t.updatedAt,
            updated_by: t.updatedBy,
          }),
        )
        .execute();
    },

    async deleteTemplate(actionKind, language) {
      const r = await db
        .deleteFrom('mail_templates')
        .where('action_kind', '=', actionKind)
        .where('language', '=', language)
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}

function toTemplate(r: {
  action_kind: string;
  language: string;
  subject: string;
  body: string;
  updated_at: string;
  updated_by: number | string | null;
}): MailTemplateOverride {
  return {
    actionKind: r.action_kind,
    language: r.language,
    subject: r.subject,
    body: r.body,
    updatedAt: r.updated_at,
    updatedBy: idOrNull(r.updated_by),
  };
}
