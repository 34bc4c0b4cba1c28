import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import type { Actor } from '../core/auth/actor.ts';
import type { AppServices } from '../services/index.ts';
import type { Lang } from '../i18n/index.ts';

/** Per-request values set by middleware (hono `c.var`). */
export interface AppVariables {
  /** null: anonymous (public site); API and console routes require one. */
  actor: Actor | null;
  lang: Lang;
  /** Console session's CSRF token, when signed in through the console. */
  csrfToken: string | null;
  requestId: string;
}

export interface AppEnv {
  Variables: AppVariables;
}

/** What the HTTP layer is built from (src/main wires it). */
export interface AppDeps {
  config: Config;
  services: AppServices;
  logger: Logger;
}
