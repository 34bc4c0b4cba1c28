import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from '../context.ts';
import type { AppEnv } from '../context.ts';
import { registerDirectoryApi } from './directory/directory.routes.ts';
import { registerAuthApi } from './auth/auth.routes.ts';
import { registerStatsApi } from './stats/stats.routes.ts';
import { registerIncidentsApi } from './incidents/incidents.routes.ts';

/** Mounts every resource under /api/v1. A resource adds its register function here. */
export function registerApi(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  void app;
  void deps;
  registerDirectoryApi(app, deps);
  registerAuthApi(app, deps);
  registerStatsApi(app, deps);
  registerIncidentsApi(app, deps);
}
