import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import { startMailIntake, type RunningMailIntake } from '../mail/intake/mail-intake.runtime.ts';
import type { AppServices } from '../services/index.ts';
import { mailProcessorFactoryFor } from './mail-processor.thread.ts';

/**
 * The SMTP intake inside `certops serve` (config.mail.smtp). A listener that cannot start (port
 * taken) is logged as an error and the web server runs on without it; `certops mail serve` fails instead.
 */
export async function startConfiguredMailIntake(
  services: AppServices,
  config: Config,
  logger: Logger,
): Promise<RunningMailIntake | null> {
  if (!config.mail.smtp.enabled) return null;
  try {
    const startProcessor = mailProcessorFactoryFor(config, services.mailIntake);
    return await startMailIntake({
      config,
      mailIntake: services.mailIntake,
      logger,
      ...(startProcessor ? { startProcessor } : {}),
    });
  } catch (err) {
    logger.error(
      { err, host: config.mail.smtp.host, port: config.mail.smtp.port },
      'smtp intake not started: mail is not being received',
    );
    return null;
  }
}
