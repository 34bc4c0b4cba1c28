import type { Config } from '../config/config.ts';
import type { MailProcessorFactory } from '../mail/intake/mail-processor.ts';
import type { AppServices } from '../services/index.ts';
import type { Lang } from '../i18n/index.ts';

/** What a command gets from the composition root: services over the configured database, and output. */
export interface CliContext {
  /**
   * Runs fn with services over the configured database (migrated). The default directory is
   * seeded first, as `serve` does on start, unless `seedDefaults: false` (loading another
   * country's branch list into a fresh database).
   */
  withServices<T>(
    fn: (services: AppServices, config: Config) => Promise<T>,
    options?: { seedDefaults?: boolean },
  ): Promise<T>;
  /** Where `mail serve` processes stored mail (a worker thread); undefined: in the listener's thread. */
  mailProcessorFactory?(config: Config, services: AppServices): MailProcessorFactory | undefined;
  /** The configured language of what commands print (the configuration's `language`). */
  language(): Lang;
  out(line: string): void;
  err(line: string): void;
}
