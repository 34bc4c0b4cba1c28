import type { Kysely, Selectable } from 'kysely';
import type { NotificationItem } from '../../core/notify/notification.ts';
import type {
  NotificationState,
  NotificationsPort,
  OrgNotifySettings,
  OutboundMail,
  StoredNotification,
} from '../../services/ports.ts';
import type { DB, NotificationItemsTable } from '../schema.ts';
import { insertOutbound } from './outbound-mail.repository.ts';

const INSERT_CHUNK = 500;
const ID_CHUNK = 1000;

function toStored(r: Selectable<NotificationItemsTable>): StoredNotification {
  return {
    id: Number(r.id),
    recipient: r.recipient,
    orgId: r.org_id === null ? null : Number(r.org_id),
    kind: r.kind as NotificationItem['kind'],
    refId: Number(r.ref_id),
    classificationType: r.classification_type,
    row: JSON.parse(r.row) as NotificationItem['row'],
    queuedAt: r.queued_at,
    state: r.state as NotificationState,
    outboxId: r.outbox_id === null ? null : Number(r.outbox_id),
    processedAt: r.processed_at,
  };
}

function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** Thrown inside commitBatch's transaction to roll it back when another run took the items. */
class ItemsTaken extends Error {}

export function createNotificationsRepository(db: Kysely<DB>): NotificationsPort {
  return {
    async enqueue(items) {
      let queued = 0;
      for (const chunk of chunks(items, INSERT_CHUNK)) {
        const rows = await db
          .insertInto('notification_items')
          .values(
            chunk.map((i) => ({
              recipient: i.recipient,
              org_id: i.orgId,
              kind: i.kind,
              ref_id: i.refId,
              classification_type: i.classificationType,
              row: JSON.stringify(i.row),
              queued_at: i.queuedAt,
              state: 'queued',
              outbox_id: null,
              processed_at: null,
            })),
          )
          .onConflict((oc) => oc.columns(['recipient', 'kind', 'ref_id']).doNothing())
          .returning('id')
          .execute();
        queued += rows.length;
      }
      return { queued, duplicates: items.length - queued };
    },

    async listPendingRecipients() {
      const rows = await db
        .selectFrom('notification_items')
        .select((eb) => [
          'recipient',
          eb.fn.min('org_id').as('org_id'),
          eb.fn.countAll<number>().as('n'),
          eb.fn.min('queued_at').as('oldest'),
        ])
        .where('state', '=', 'queued')
        .groupBy('recipient')
        .orderBy('recipient')
        .execute();
      return rows.map((r) => ({
        recipient: r.recipient,
        orgId: r.org_id === null ? null : Number(r.org_id),
        count: Number(r.n),
        oldestQueuedAt: String(r.oldest),
      }));
    },

    async listPending(recipient, limit) {
      const rows = await db
        .selectFrom('notification_items')
        .selectAll()
        .where('state', '=', 'queued')
        .where('recipient', '=', recipient)
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map(toStored);
    },

    async list(f) {
      let q = db.selectFrom('notification_items').selectAll();
      if (f.recipient !== undefined) q = q.where('recipient', '=', f.recipient);
      if (f.state !== undefined) q = q.where('state', '=', f.state);
      const rows = await q.orderBy('id', 'desc').limit(f.limit).execute();
      return rows.map(toStored);
    },

    async lastMailAt(recipient) {
      const row = await db
        .selectFrom('outbound_mail')
        .select((eb) => eb.fn.max('created_at').as('last'))
        .where('kind', '=', 'notification')
        .where('to_addr', '=', recipient)
        .executeTakeFirst();
      return row?.last ? String(row.last) : null;
    },

    async commitBatch(mail, itemIds, at) {
      try {
        return await db.transaction().execute(async (trx): Promise<OutboundMail> => {
          const stored = await insertOutbound(trx, mail);
          let updated = 0;
          for (const ids of chunks(itemIds, ID_CHUNK)) {
            const r = await trx
              .updateTable('notification_items')
              .set({ state: 'sent', outbox_id: stored.id, processed_at: at })
              .where('id', 'in', ids)
              .where('state', '=', 'queued')
              .executeTakeFirst();
            updated += Number(r.numUpdatedRows);
          }
          if (updated !== itemIds.length) throw new ItemsTaken();
          return stored;
        });
      } catch (e) {
        if (e instanceof ItemsTaken) return null;
        throw e;
      }
    },

    async markSuppressed(itemIds, at) {
      let n = 0;
      for (const ids of chunks(itemIds, ID_CHUNK)) {
        const r = await db
          .updateTable('notification_items')
          .set({ state: 'suppressed', processed_at: at })
          .where('id', 'in', ids)
          .where('state', '=', 'queued')
          .executeTakeFirst();
        n += Number(r.numUpdatedRows);
      }
      return n;
    },

    async getSettings(orgIds) {
      const out = new Map<number, OrgNotifySettings>();
      for (const ids of chunks([...new Set(orgIds)], ID_CHUNK)) {
        const rows = await db
          .selectFrom('organisations as o')
          .leftJoin('org_notify_settings as s', 's.organisation_id', 'o.id')
          .select(['o.id', 'o.name_zh', 'o.name_en', 'o.notify_interval', 'o.language', 's.suppress'])
          .where('o.id', 'in', ids)
          .execute();
        for (const r of rows) {
          out.set(Number(r.id), {
            organisationId: Number(r.id),
            nameZh: r.name_zh,
            nameEn: r.name_en,
            interval: r.notify_interval,
            language: r.language,
            suppress: Number(r.suppress ?? 0) === 1,
          });
        }
      }
      return out;
    },

    async setSuppress(organisationId, suppress, at) {
      await db
        .insertInto('org_notify_settings')
        .values({ organisation_id: organisationId, suppress: suppress ? 1 : 0, updated_at: at })
        .onConflict((oc) =>
          oc.column('organisation_id').doUpdateSet({ suppress: suppress ? 1 : 0, updated_at: at }),
        )
        .execute();
    },
  };
}
