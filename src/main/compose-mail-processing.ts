import type { Config } from '../config/config.ts';
import type { Clock } from '../core/shared/clock.ts';
import type { Database } from '../db/database.ts';
import type { MailIntakeService } from '../services/mail-intake.service.ts';
import { composeMailServices } from './compose-mail.ts';
import { composeMailFeedRouter } from './compose-mail-feeds.ts';
import { composeMailIntake, outboxMailSender } from './compose-mail-intake.ts';

/**
 * The mail intake service as `serve` runs it: acknowledgements through the outbox, feed mail to
 * the pipeline. composeServices uses it; so does the mail processor thread, which needs nothing
 * else (and so loads and holds nothing else).
 */
export function composeMailProcessing(database: Database, config: Config, clock: Clock): MailIntakeService {
  const { db } = database;
  return composeMailIntake(
    db,
    config,
    clock,
    outboxMailSender(composeMailServices(db, config, clock).mailOutbound),
    composeMailFeedRouter(database, config, clock),
  );
}
