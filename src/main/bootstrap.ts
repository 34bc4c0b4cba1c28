import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import type { AppServices } from '../services/index.ts';

/** First-start work: default data and the first admin account. */
export async function bootstrap(services: AppServices, config: Config, logger: Logger): Promise<void> {
  void services;
  void config;
  void logger;
  // Default directory: 31 branches + CN-NATIONAL, the seed report's CERTs and support units (idempotent).
  const seeded = await services.directory.seedDefaults();
  if (seeded.branchesInserted || seeded.organisationsInserted)
    logger.info(seeded, 'seeded the default directory');
  // Default malware family catalogue (only when empty).
  const families = await services.malwareFamilies.seedDefaults();
  if (families.inserted) logger.info(families, 'seeded the default malware family catalogue');
  // The first admin: CERTOPS_ADMIN_PASSWORD, or a one-time password printed once (stdout).
  const admin = await services.auth.ensureAdmin(config.adminPassword);
  if (admin.oneTimePassword)
    process.stdout.write(`certops: created user admin with one-time password ${admin.oneTimePassword}\n`);
  else if (admin.created)
    logger.info({ username: admin.username }, 'created user admin with the configured password');
}
