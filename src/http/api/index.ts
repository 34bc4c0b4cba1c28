import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from '../context.ts';
import type { AppEnv } from '../context.ts';
import { registerDirectoryApi } from './directory/directory.routes.ts';
import { registerAuthApi } from './auth/auth.routes.ts';
import { registerStatsApi } from './stats/stats.routes.ts';
import { registerBotnetStatsApi } from './stats/botnet-stats.routes.ts';
import { registerEventsApi } from './events/events.routes.ts';
import { registerMalwareFamiliesApi } from './malware/malware-families.routes.ts';
import { registerIncidentsApi } from './incidents/incidents.routes.ts';
import { registerMailApi } from './mail/mail.routes.ts';
import { registerFeedsApi } from './feeds/feeds.routes.ts';

/** Mounts every resource under /api/v1. A resource adds its register function here. */
export function registerApi(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  void app;
  void deps;
  registerDirectoryApi(app, deps);
  registerAuthApi(app, deps);
  registerStatsApi(app, deps);
  registerBotnetStatsApi(app, deps);
  registerEventsApi(app, deps);
  registerMalwareFamiliesApi(app, deps);
  registerIncidentsApi(app, deps);
  registerMailApi(app, deps);
  registerFeedsApi(app, deps);
}
