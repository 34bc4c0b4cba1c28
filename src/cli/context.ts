import type { Config } from '../config/config.ts';
import type { AppServices } from '../services/index.ts';

/** What a command gets from the composition root: services over the configured database, and output. */
export interface CliContext {
  withServices<T>(fn: (services: AppServices, config: Config) => Promise<T>): Promise<T>;
  out(line: string): void;
  err(line: string): void;
}
