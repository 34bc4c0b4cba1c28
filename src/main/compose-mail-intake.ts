import type { Kysely } from 'kysely';
import type { Config } from '../config/config.ts';
import type { Clock } from '../core/shared/clock.ts';
import { createAuditRepository } from '../db/repositories/audit.repository.ts';
import { createIncidentsRepository } from '../db/repositories/incidents.repository.ts';
import { createMailRepository } from '../db/repositories/mail.repository.ts';
import type { DB } from '../db/schema.ts';
import { createMailAnalyser } from '../mail/intake/analyser.ts';
import { reportAddressesOf } from '../mail/intake/mail-intake.runtime.ts';
import { createIncidentService } from '../services/incident.service.ts';
import { createMailIntakeService, type MailIntakeService } from '../services/mail-intake.service.ts';
import type { OutboundMailService } from '../services/outbound-mail.service.ts';
import type { MailSender } from '../services/ports.ts';
import type { FeedMailRouter } from '../services/mail-intake.service.ts';

/** Acknowledgements go out through the outbox (kind `ack`): retried, recorded, threaded. */
export function outboxMailSender(outbound: Pick<OutboundMailService, 'queue'>): MailSender {
  return {
    async send(m) {
      const mail = await outbound.queue({
        kind: 'ack',
        to: m.to,
        subject: m.subject,
        text: m.text,
        headers: m.headers,
        inReplyTo: m.inReplyTo,
        references: m.references,
        incidentId: m.incidentId,
      });
      return { messageId: mail.messageId };
    },
  };
}

/**
 * The e-mail intake service over one database; `sender` null: acknowledgements are not sent.
 * `feedRouter` (composeMailFeedRouter): attachments of feed mail go to the feed pipeline.
 */
export function composeMailIntake(
  db: Kysely<DB>,
  config: Config,
  clock: Clock,
  sender: MailSender | null,
  feedRouter?: FeedMailRouter,
): MailIntakeService {
  return createMailIntakeService({
    repo: createMailRepository(db),
    incidents: createIncidentService({
      incidents: createIncidentsRepository(db),
      audit: createAuditRepository(db),
      clock,
      config: { slaHours: config.slaHours },
    }),
    analyser: createMailAnalyser(),
    sender,
    clock,
    ...(feedRouter ? { feedRouter } : {}),
    options: {
      subjectTag: config.mail.subjectTag,
      ownAddresses: [...reportAddressesOf(config).map((a) => a.address), config.mail.from.toLowerCase()],
      loopAddress: config.mail.from.toLowerCase(),
      autoAck: config.mail.autoAck,
      publicBaseUrl: config.http.publicBaseUrl,
      siteName: { 'zh-CN': config.site.nameZh, en: config.site.nameEn },
      defaultLanguage: config.language,
    },
  });
}
