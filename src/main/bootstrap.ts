import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import type { AppServices } from '../services/index.ts';

/** First-start work: default data and the first admin account. */
export async function bootstrap(services: AppServices, config: Config, logger: Logger): Promise<void> {
  void services;
  void config;
  void logger;
}
