import { z } from 'zod';
import { requirePermission, type Actor } from '../core/auth/actor.ts';
import type { NotificationItem } from '../core/notify/notification.ts';
import { buildCsv } from '../core/notify/csv.ts';
import {
  BULK_INTERVALS,
  decideRecipient,
  dueAt,
  isBulkInterval,
  type BulkInterval,
} from '../core/notify/intervals.ts';
import { renderBulk, type MailLanguage } from '../core/notify/templates.ts';
import type { Clock } from '../core/shared/clock.ts';
import { invalidInput, notFound } from '../core/shared/errors.ts';
import type {
  AuditPort,
  NotificationsPort,
  OrgNotifySettings,
  StoredNotification,
  NotificationState,
} from './ports.ts';
import type { OutboundMailService } from './outbound-mail.service.ts';

/*
 * Bulk notifications, like IntelMQ's mailgen: the pipeline and the incident service queue items
 * (one per event or incident and abuse contact); a run groups each contact's queued items into one
 * mail with a CSV attachment once the organisation's interval has elapsed since its last one, in
 * the organisation's language; suppressed organisations get nothing (their items are marked
 * suppressed). The mail and the "sent" mark of its items are written in one transaction, and
 * (recipient, kind, refId) is unique: an item never goes twice.
 */

export interface NotifyMailReport {
  recipient: string;
  orgId: number | null;
  language: MailLanguage;
  rows: number;
  /** The outbox row (null in a dry run). */
  outboxId: number | null;
  subject: string;
}

export interface NotifyRunReport {
  dryRun: boolean;
  mails: NotifyMailReport[];
  suppressed: { recipient: string; items: number }[];
  waiting: { recipient: string; items: number; dueAt: string | null }[];
}

export interface NotifySettingsView {
  organisationId: number;
  interval: BulkInterval;
  language: MailLanguage;
  suppress: boolean;
}

export interface NotifySettingsPatch {
  interval?: string;
  language?: string;
  suppress?: boolean;
}

export interface NotificationService {
  /** Queues items; the same (recipient, kind, refId) again is a duplicate and not queued. */
  enqueue(items: NotificationItem[]): Promise<{ queued: number; duplicates: number }>;
  /** Groups and queues the due mails (dry run: reports them and writes nothing). */
  run(options?: { dryRun?: boolean }): Promise<NotifyRunReport>;
  getSettings(actor: Actor, organisationId: number): Promise<NotifySettingsView>;
  /** Interval and language are the organisation's directory fields; suppression is kept here. */
  updateSettings(
    actor: Actor,
    organisationId: number,
    patch: NotifySettingsPatch,
  ): Promise<NotifySettingsView>;
  listItems(
    actor: Actor,
    filter: { recipient?: string; state?: NotificationState; limit?: number },
  ): Promise<StoredNotification[]>;
}

export interface NotificationServiceDeps {
  notifications: NotificationsPort;
  outbound: Pick<OutboundMailService, 'compose'>;
  /** Interval and language of an organisation are directory fields, changed through the directory service. */
  directory: {
    updateOrganisation(actor: Actor, id: number, patch: unknown): Promise<unknown>;
  };
  audit: AuditPort;
  clock: Clock;
  config: {
    defaultInterval: 'hourly' | 'daily' | 'weekly';
    defaultLanguage: MailLanguage;
    maxRowsPerMail: number;
    from: string;
    timeZone: string;
    site: { nameZh: string; nameEn: string };
  };
}

const itemSchema = z.object({
  recipient: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.email({ error: 'expected an e-mail address' }).max(254)),
  orgId: z.number().int().positive().nullable(),
  kind: z.enum(['event', 'incident']),
  refId: z.number().int().positive(),
  classificationType: z.string().max(200).default(''),
  row: z.record(z.string(), z.union([z.string(), z.number(), z.null()])),
  queuedAt: z.iso.datetime({ offset: true }).transform((s) => new Date(s).toISOString()),
});

const MAX_ITEMS_PER_CALL = 100_000;

function formatDay(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(iso));
}

export function createNotificationService(deps: NotificationServiceDeps): NotificationService {
  const { notifications, clock, config } = deps;

  function settingsOf(s: OrgNotifySettings | undefined): {
    interval: BulkInterval;
    language: MailLanguage;
    suppress: boolean;
  } {
    return {
      interval: s && isBulkInterval(s.interval) ? s.interval : config.defaultInterval,
      language: s?.language === 'en' || s?.language === 'zh-CN' ? s.language : config.defaultLanguage,
      suppress: s?.suppress ?? false,
    };
  }

  function view(organisationId: number, s: OrgNotifySettings | undefined): NotifySettingsView {
    return { organisationId, ...settingsOf(s) };
  }

  function composeMail(
    recipient: string,
    orgName: string,
    language: MailLanguage,
    items: StoredNotification[],
  ) {
    const rows = items.map((i) => i.row);
    const csv = buildCsv(rows);
    const types = new Map<string, number>();
    for (const i of items)
      types.set(i.classificationType || '-', (types.get(i.classificationType || '-') ?? 0) + 1);
    const first = items.reduce((a, i) => (i.queuedAt < a ? i.queuedAt : a), items[0]!.queuedAt);
    const last = items.reduce((a, i) => (i.queuedAt > a ? i.queuedAt : a), items[0]!.queuedAt);
    const period = `${formatDay(first, config.timeZone)} – ${formatDay(last, config.timeZone)} (${config.timeZone})`;
    const texts = renderBulk(language, {
      count: String(items.length),
      recipientName: orgName || (language === 'en' ? 'colleagues' : ''),
      senderName: language === 'en' ? config.site.nameEn : config.site.nameZh,
      senderEmail: config.from,
      period,
      types: [...types].map(([t, n]) => `- ${t}: ${n}`).join('\n'),
    });
    const stamp = clock.now().toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
    return deps.outbound.compose({
      kind: 'notification',
      to: recipient,
      subject: texts.subject,
      text: texts.body,
      headers: {
        'Auto-Submitted': 'auto-generated',
        Precedence: 'bulk',
        'X-Auto-Response-Suppress': 'OOF, AutoReply',
        'X-Certops-Notification': String(items.length),
      },
      attachments: [
        {
          filename: `certops-events-${stamp}.csv`,
          contentType: 'text/csv; charset=utf-8',
          content: new TextEncoder().encode(csv),
        },
      ],
    });
  }

  return {
    async enqueue(items) {
      if (!Array.isArray(items)) throw invalidInput('items: expected a list');
      if (items.length > MAX_ITEMS_PER_CALL)
        throw invalidInput(`items: at most ${MAX_ITEMS_PER_CALL} per call`, [
          { field: 'items', message: `at most ${MAX_ITEMS_PER_CALL} per call` },
        ]);
      const valid: NotificationItem[] = [];
      const seen = new Set<string>();
      let duplicates = 0;
      for (const [n, raw] of items.entries()) {
        const r = itemSchema.safeParse(raw);
        if (!r.success) {
          const fields = r.error.issues.map((i) => ({
            field: `items.${n}.${i.path.map(String).join('.')}`,
            message: i.message,
          }));
          throw invalidInput(
            `invalid notification item ${n}: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`,
            fields,
          );
        }
        const key = `${r.data.recipient}\u0000${r.data.kind}\u0000${r.data.refId}`;
        if (seen.has(key)) {
          duplicates += 1;
          continue;
        }
        seen.add(key);
        valid.push(r.data);
      }
      const stored = await notifications.enqueue(valid);
      return { queued: stored.queued, duplicates: duplicates + stored.duplicates };
    },

    async run(options = {}) {
      const dryRun = options.dryRun === true;
      const report: NotifyRunReport = { dryRun, mails: [], suppressed: [], waiting: [] };
      const pending = await notifications.listPendingRecipients();
      const orgIds = pending.map((p) => p.orgId).filter((id): id is number => id !== null);
      const settings = await notifications.getSettings(orgIds);
      const now = clock.now();
      for (const p of pending) {
        const org = p.orgId === null ? undefined : settings.get(p.orgId);
        const s = settingsOf(org);
        const lastMailAt = await notifications.lastMailAt(p.recipient);
        const decision = decideRecipient({ ...s, lastMailAt, now });
        if (decision === 'wait') {
          report.waiting.push({
            recipient: p.recipient,
            items: p.count,
            dueAt: dueAt(s.interval, lastMailAt),
          });
          continue;
        }
        if (decision === 'suppress') {
          let n = p.count;
          if (!dryRun) {
            n = 0;
            for (;;) {
              const batch = await notifications.listPending(p.recipient, 5000);
              if (batch.length === 0) break;
              n += await notifications.markSuppressed(
                batch.map((i) => i.id),
                now.toISOString(),
              );
            }
          }
          report.suppressed.push({ recipient: p.recipient, items: n });
          continue;
        }
        const orgName = org
          ? s.language === 'en'
            ? org.nameEn || org.nameZh
            : org.nameZh || org.nameEn
          : '';
        // More rows than one mail holds: several mails in this run, maxRowsPerMail rows each.
        let offset = 0;
        for (;;) {
          const page = await notifications.listPending(p.recipient, config.maxRowsPerMail + offset);
          const items = page.slice(offset);
          if (items.length === 0) break;
          const mail = composeMail(p.recipient, orgName, s.language, items);
          let outboxId: number | null = null;
          if (dryRun) {
            offset += items.length; // nothing changes in a dry run: page on
          } else {
            const stored = await notifications.commitBatch(
              mail,
              items.map((i) => i.id),
              now.toISOString(),
            );
            if (!stored) break; // another run took them
            outboxId = stored.id;
          }
          report.mails.push({
            recipient: p.recipient,
            orgId: p.orgId,
            language: s.language,
            rows: items.length,
            outboxId,
            subject: mail.subject,
          });
          if (items.length < config.maxRowsPerMail) break;
        }
      }
      return report;
    },

    async getSettings(actor, organisationId) {
      requirePermission(actor, 'directory.read');
      const s = (await notifications.getSettings([organisationId])).get(organisationId);
      if (!s) throw notFound(`organisation ${organisationId}`);
      return view(organisationId, s);
    },

    async updateSettings(actor, organisationId, patch) {
      requirePermission(actor, 'directory.write');
      const fields = [];
      if (patch.interval !== undefined && !(BULK_INTERVALS as readonly string[]).includes(patch.interval))
        fields.push({ field: 'interval', message: `expected one of ${BULK_INTERVALS.join(', ')}` });
      if (patch.language !== undefined && patch.language !== 'zh-CN' && patch.language !== 'en')
        fields.push({ field: 'language', message: 'expected zh-CN or en' });
      if (fields.length)
        throw invalidInput(
          `invalid settings: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`,
          fields,
        );
      const current = (await notifications.getSettings([organisationId])).get(organisationId);
      if (!current) throw notFound(`organisation ${organisationId}`);
      const directoryPatch: Record<string, string> = {};
      if (patch.interval !== undefined && patch.interval !== current.interval)
        directoryPatch.notifyInterval = patch.interval;
      if (patch.language !== undefined && patch.language !== current.language)
        directoryPatch.language = patch.language;
      if (Object.keys(directoryPatch).length)
        await deps.directory.updateOrganisation(actor, organisationId, directoryPatch);
      if (patch.suppress !== undefined && patch.suppress !== current.suppress) {
        const at = clock.now().toISOString();
        await notifications.setSuppress(organisationId, patch.suppress, at);
        await deps.audit.record({
          at,
          actorId: actor.userId,
          actor: actor.label,
          entity: 'organisation',
          entityId: String(organisationId),
          action: 'notify_settings',
          incidentId: null,
          before: { suppress: current.suppress },
          after: { suppress: patch.suppress },
          ip: actor.ip,
        });
      }
      return view(organisationId, (await notifications.getSettings([organisationId])).get(organisationId));
    },

    async listItems(actor, filter) {
      requirePermission(actor, 'directory.read');
      const limit = filter.limit ?? 100;
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw invalidInput('limit: must be 1–1000', [{ field: 'limit', message: 'must be 1–1000' }]);
      return notifications.list({
        ...(filter.recipient !== undefined ? { recipient: filter.recipient.trim().toLowerCase() } : {}),
        ...(filter.state !== undefined ? { state: filter.state } : {}),
        limit,
      });
    },
  };
}
