import { sql, type ExpressionBuilder, type Kysely, type Selectable } from 'kysely';
import type { Scope } from '../../core/auth/actor.ts';
import {
  MAIL_STATES,
  type AckState,
  type ContactMatch,
  type MailIntakePort,
  type MailMessageRecord,
  type MailMessageSummary,
  type MailOutcome,
  type MailSource,
  type MailState,
} from '../../services/ports/mail-intake.port.ts';
import { dialectOf } from '../database.ts';
import type { DB, MailMessagesTable } from '../schema.ts';

type Row = Selectable<MailMessagesTable>;

const SUMMARY_COLUMNS = [
  'id',
  'received_at',
  'source',
  'mail_from',
  'rcpt_to',
  'branch_code',
  'remote_ip',
  'helo',
  'size',
  'sha256',
  'state',
  'attempts',
  'error',
  'message_id',
  'subject',
  'from_address',
  'outcome',
  'incident_id',
  'report_ids',
  'ack_state',
  'ack_note',
  'processed_at',
] as const;

function toSummary(r: Omit<Row, 'raw' | 'claimed_at'>): MailMessageSummary {
  return {
    id: Number(r.id),
    receivedAt: r.received_at,
    source: r.source as MailSource,
    mailFrom: r.mail_from,
    rcptTo: JSON.parse(r.rcpt_to) as string[],
    branchCode: r.branch_code,
    remoteIp: r.remote_ip,
    helo: r.helo,
    size: Number(r.size),
    sha256: r.sha256,
    state: r.state as MailState,
    attempts: Number(r.attempts),
    error: r.error,
    messageId: r.message_id,
    subject: r.subject,
    fromAddress: r.from_address,
    outcome: r.outcome as MailOutcome,
    incidentId: r.incident_id === null ? null : Number(r.incident_id),
    reportIds: JSON.parse(r.report_ids) as number[],
    ackState: r.ack_state as AckState,
    ackNote: r.ack_note,
    processedAt: r.processed_at,
  };
}

function toRecord(r: Row): MailMessageRecord {
  return { ...toSummary(r), raw: r.raw instanceof Uint8Array ? r.raw : new Uint8Array(r.raw) };
}

/** A scope sees the mail of its branch only; unscoped roles see all. */
function branchOf(scope: Scope): string | null {
  return scope.unrestricted ? null : scope.branchCode;
}

export function createMailRepository(db: Kysely<DB>): MailIntakePort {
  const postgres = dialectOf(db) === 'postgres';

  async function claimOnce(
    now: string,
    staleBefore: string,
    id: number | undefined,
  ): Promise<MailMessageRecord | null | undefined> {
    const claimable = (eb: ExpressionBuilder<DB, 'mail_messages'>) =>
      eb.or([
        eb('state', '=', 'received'),
        eb.and([eb('state', '=', 'processing'), eb('claimed_at', '<', staleBefore)]),
      ]);
    let target: number | null;
    if (id !== undefined) target = id;
    else if (postgres) target = null;
    else {
      // SQLite: the oldest received message and the oldest stale claim, each the first entry of
      // the (state, id) index. One query with OR sorts every waiting message on each claim, a
      // cost that grows with the backlog. The update checks again that the message is claimable.
      const row = await db
        .selectNoFrom((eb) => [
          eb
            .selectFrom('mail_messages')
            .select('id')
            .where('state', '=', 'received')
            .orderBy('id')
            .limit(1)
            .as('received'),
          eb
            .selectFrom('mail_messages')
            .select('id')
            .where('state', '=', 'processing')
            .where('claimed_at', '<', staleBefore)
            .orderBy('id')
            .limit(1)
            .as('stale'),
        ])
        .executeTakeFirstOrThrow();
      const { received, stale } = row;
      const ids = [received, stale].filter((x): x is number => x !== null).map(Number);
      if (ids.length === 0) return null;
      target = Math.min(...ids);
    }
    let update = db
      .updateTable('mail_messages')
      .set((eb) => ({ state: 'processing', claimed_at: now, attempts: eb('attempts', '+', 1) }));
    if (target !== null) {
      update = update.where('id', '=', target).where(claimable);
    } else {
      const pick = db
        .selectFrom('mail_messages')
        .select('id')
        .where(claimable)
        .orderBy('id')
        .limit(1)
        .forUpdate()
        .skipLocked();
      update = update.where('id', '=', (eb) => eb.selectFrom(pick.as('p')).select('p.id'));
    }
    const row = await update.returningAll().executeTakeFirst();
    if (row) return toRecord(row);
    // Taken by another process after the look (SQLite): undefined, look again.
    return target !== null && id === undefined ? undefined : null;
  }

  return {
    async insertMessage(m) {
      // One statement: its own transaction (stored whole or not at all).
      const row = await db
        .insertInto('mail_messages')
        .values({
          received_at: m.receivedAt,
          source: m.source,
          mail_from: m.mailFrom,
          rcpt_to: JSON.stringify(m.rcptTo),
          branch_code: m.branchCode,
          remote_ip: m.remoteIp,
          helo: m.helo,
          size: m.raw.byteLength,
          sha256: m.sha256,
          raw: Buffer.from(m.raw.buffer, m.raw.byteOffset, m.raw.byteLength),
          state: 'received',
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return Number(row.id);
    },

    async claim(now, staleBefore, id) {
      // SQLite without an id: another process may claim the message between look and update;
      // then the next one is looked for.
      for (let attempt = 0; ; attempt++) {
        const r = await claimOnce(now, staleBefore, id);
        if (r !== undefined) return r;
        if (attempt >= 20) return null;
      }
    },

    async finish(id, f) {
      const run = async (ex: Kysely<DB>) => {
        if (f.receivedMessageId && f.receivedMessageId.messageId !== '') {
          await ex
            .insertInto('mail_message_ids')
            .values({
              message_id: f.receivedMessageId.messageId,
              incident_id: f.receivedMessageId.incidentId,
              direction: 'in',
              mail_message_id: id,
              created_at: f.receivedMessageId.at,
            })
            .onConflict((oc) => oc.column('message_id').doNothing())
            .execute();
        }
        await ex
          .updateTable('mail_messages')
          .set({
            state: f.state,
            error: f.error,
            outcome: f.outcome,
            incident_id: f.incidentId,
            report_ids: JSON.stringify(f.reportIds),
            message_id: f.messageId,
            subject: f.subject.slice(0, 1000),
            from_address: f.fromAddress,
            processed_at: f.processedAt,
            claimed_at: null,
            ...(f.ack ? { ack_state: f.ack.state, ack_note: f.ack.note.slice(0, 1000) } : {}),
          })
          .where('id', '=', id)
          .execute();
      };
      if (f.receivedMessageId) await db.transaction().execute((tx) => run(tx));
      else await run(db);
    },

    async setAck(id, state, note) {
      await db
        .updateTable('mail_messages')
        .set({ ack_state: state, ack_note: note.slice(0, 1000) })
        .where('id', '=', id)
        .execute();
    },

    async requeue(id) {
      const r = await db
        .updateTable('mail_messages')
        .set({ state: 'received', claimed_at: null })
        .where('id', '=', id)
        .where('state', 'in', ['failed', 'failed_format'])
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    async get(scope, id) {
      let q = db.selectFrom('mail_messages').selectAll().where('id', '=', id);
      const branch = branchOf(scope);
      if (branch !== null) q = q.where('branch_code', '=', branch);
      const row = await q.executeTakeFirst();
      return row ? toRecord(row) : null;
    },

    async list(scope, query) {
      let q = db.selectFrom('mail_messages').select(SUMMARY_COLUMNS);
      const branch = branchOf(scope);
      if (branch !== null) q = q.where('branch_code', '=', branch);
      if (query.state !== undefined) q = q.where('state', '=', query.state);
      if (query.beforeId !== undefined) q = q.where('id', '<', query.beforeId);
      const rows = await q.orderBy('id', 'desc').limit(query.limit).execute();
      return rows.map(toSummary);
    },

    async countByState(scope) {
      let q = db
        .selectFrom('mail_messages')
        .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('state');
      const branch = branchOf(scope);
      if (branch !== null) q = q.where('branch_code', '=', branch);
      const out = Object.fromEntries(MAIL_STATES.map((s) => [s, 0])) as Record<MailState, number>;
      for (const r of await q.execute()) out[r.state as MailState] = Number(r.n);
      return out;
    },

    async findReportsOfMessage(mailMessageId) {
      // Reports made from a message carry `{"mailMessageId":ID,…}` first in their meta.
      const rows = await db
        .selectFrom('reports')
        .select(['id', 'incident_id'])
        .where('channel', '=', 'email')
        .where('meta', 'like', `{"mailMessageId":${mailMessageId},%`)
        .orderBy('id')
        .execute();
      return {
        reportIds: rows.map((r) => Number(r.id)),
        incidentId: rows.find((r) => r.incident_id !== null)?.incident_id ?? null,
      };
    },

    async findLiveIncident(id) {
      let current: number | null = id;
      for (let hops = 0; current !== null && hops < 20; hops++) {
        const row = await db
          .selectFrom('incidents')
          .select(['id', 'state', 'merged_into_id'])
          .where('id', '=', current)
          .executeTakeFirst();
        if (!row) return null;
        if (row.state !== 'merged' || row.merged_into_id === null) return Number(row.id);
        current = Number(row.merged_into_id);
      }
      return null;
    },

    async findIncidentByTrackingNumber(trackingNumber) {
      const row = await db
        .selectFrom('reports')
        .select('incident_id')
        .where('tracking_number', '=', trackingNumber)
        .executeTakeFirst();
      return row?.incident_id == null ? null : Number(row.incident_id);
    },

    async findIncidentByMessageIds(messageIds) {
      const ids = [...new Set(messageIds)].filter((m) => m !== '').slice(0, 100);
      if (ids.length === 0) return null;
      const known = await db
        .selectFrom('mail_message_ids')
        .select(['message_id', 'incident_id'])
        .where('message_id', 'in', ids)
        .where('incident_id', 'is not', null)
        .execute();
      // The outbox (migration 0008) knows every Message-ID sent, with its incident.
      const sent = await sql<{ message_id: string; incident_id: number | string }>`
        select message_id, incident_id from outbound_mail
        where incident_id is not null and message_id in (${sql.join(ids)})`
        .execute(db)
        .then((r) => r.rows)
        .catch(() => []);
      const byId = new Map<string, number>();
      for (const r of [...known, ...sent]) byId.set(r.message_id, Number(r.incident_id));
      // The nearest ancestor wins: In-Reply-To first, then References from the newest.
      for (const m of ids) {
        const hit = byId.get(m);
        if (hit !== undefined) return hit;
      }
      return null;
    },

    async findReceivedMessageId(messageId, exceptId) {
      const row = await db
        .selectFrom('mail_message_ids')
        .select('mail_message_id')
        .where('message_id', '=', messageId)
        .where('direction', '=', 'in')
        .where('mail_message_id', 'is not', null)
        .where('mail_message_id', '!=', exceptId)
        .executeTakeFirst();
      return row?.mail_message_id == null ? null : { mailMessageId: Number(row.mail_message_id) };
    },

    async recordMessageId(r) {
      const res = await db
        .insertInto('mail_message_ids')
        .values({
          message_id: r.messageId,
          incident_id: r.incidentId,
          direction: r.direction,
          mail_message_id: r.mailMessageId,
          created_at: r.at,
        })
        .onConflict((oc) => oc.column('message_id').doNothing())
        .executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    async findContactByEmail(email): Promise<ContactMatch | null> {
      const row = await db
        .selectFrom('contacts')
        .innerJoin('organisations', 'organisations.id', 'contacts.organisation_id')
        .select([
          'contacts.id as contact_id',
          'contacts.name',
          'organisations.id as org_id',
          'organisations.name_zh',
          'organisations.name_en',
          'organisations.kind',
        ])
        .where(sql<string>`lower(contacts.email)`, '=', email.toLowerCase())
        .orderBy('contacts.id')
        .executeTakeFirst();
      if (!row) return null;
      return {
        contactId: Number(row.contact_id),
        name: row.name,
        organisationId: Number(row.org_id),
        organisationName: row.name_zh || row.name_en,
        organisationKind: row.kind,
      };
    },

    async countAcksSince(address, since) {
      const row = await db
        .selectFrom('mail_auto_acks')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('address', '=', address.toLowerCase())
        .where('sent_at', '>=', since)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async recordAck(address, at, mailMessageId) {
      await db
        .insertInto('mail_auto_acks')
        .values({ address: address.toLowerCase(), sent_at: at, mail_message_id: mailMessageId })
        .execute();
    },
  };
}
