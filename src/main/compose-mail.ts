import type { Kysely } from 'kysely';
import type { Config } from '../config/config.ts';
import type { Clock } from '../core/shared/clock.ts';
import type { DB } from '../db/schema.ts';
import { createAuditRepository } from '../db/repositories/audit.repository.ts';
import { createDirectoryRepository } from '../db/repositories/directory.repository.ts';
import { createIncidentsRepository } from '../db/repositories/incidents.repository.ts';
import { createNotificationsRepository } from '../db/repositories/notifications.repository.ts';
import { createOutboundMailRepository } from '../db/repositories/outbound-mail.repository.ts';
import { t } from '../i18n/index.ts';
import { createConfiguredTransport } from '../mail/outbound/relay.ts';
import { createDirectoryService } from '../services/directory.service.ts';
import { createIncidentService } from '../services/incident.service.ts';
import { createNotificationService, type NotificationService } from '../services/notification.service.ts';
import { createOutboundMailService, type OutboundMailService } from '../services/outbound-mail.service.ts';
import type { MailTransport } from '../services/ports.ts';

/**
 * Outgoing mail and bulk notifications over one database (composeServices spreads this in).
 * `transport` replaces the configured relay (tests).
 */
export function composeMailServices(
  db: Kysely<DB>,
  config: Config,
  clock: Clock,
  options: { transport?: MailTransport | null } = {},
): { mailOutbound: OutboundMailService; notifications: NotificationService } {
  const audit = createAuditRepository(db);
  const directoryRepo = createDirectoryRepository(db);
  const incidents = createIncidentService({
    incidents: createIncidentsRepository(db),
    audit,
    clock,
    config: { slaHours: config.slaHours },
  });
  const directory = createDirectoryService({ directory: directoryRepo, audit, clock });
  let branches: Map<string, { nameZh: string; nameEn: string }> | null = null;
  const mailOutbound = createOutboundMailService({
    outbox: createOutboundMailRepository(db),
    transport: options.transport !== undefined ? options.transport : createConfiguredTransport(config),
    incidents,
    clock,
    config: {
      from: config.mail.from,
      subjectTag: config.mail.subjectTag,
      messageIdHost: config.mail.messageIdHost,
      timeZone: config.timeZone,
      site: config.site,
    },
    labels: {
      category: (lang, category) => t(lang, `category.${category}`),
      async branch(lang, code) {
        branches ??= new Map((await directoryRepo.listBranches()).map((b) => [b.code, b]));
        const b = branches.get(code);
        return b ? (lang === 'en' ? b.nameEn : b.nameZh) : code;
      },
    },
  });
  const notifications = createNotificationService({
    notifications: createNotificationsRepository(db),
    outbound: mailOutbound,
    directory,
    audit,
    clock,
    config: {
      defaultInterval: config.mail.notify.defaultInterval,
      defaultLanguage: config.language,
      maxRowsPerMail: config.mail.notify.maxRowsPerMail,
      from: config.mail.from,
      timeZone: config.timeZone,
      site: config.site,
    },
  });
  return { mailOutbound, notifications };
}
