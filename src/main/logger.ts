import pino, { type Logger } from 'pino';
import type { Config } from '../config/config.ts';

/** JSON lines on stderr (stdout stays for command output). */
export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({ level: config.logLevel, base: { app: 'certops' } }, pino.destination(2));
}
