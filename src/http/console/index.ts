import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from '../context.ts';
import type { AppEnv } from '../context.ts';
import { registerAuthConsole } from './auth/index.ts';
import { registerDirectoryPages } from './directory/directory.pages.tsx';
import { registerStatsPages } from './stats/stats.pages.tsx';
import { registerBotnetStatsPages } from './stats/botnets.pages.tsx';
import { registerPipelineConsole } from './pipeline/index.ts';
import { registerIncidentConsole } from './incidents/index.ts';
import { registerDashboardPages } from './dashboard/dashboard.pages.tsx';
import { registerMailPages } from './mail/mail.pages.tsx';
import { registerMailOutboundPages } from './mail-outbound/mail.pages.tsx';

/** Mounts the staff console under /console. Each area adds its pages here. */
export function registerConsole(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  void app;
  void deps;
  registerAuthConsole(app, deps);
  registerDirectoryPages(app, deps);
  registerStatsPages(app, deps);
  registerBotnetStatsPages(app, deps);
  registerPipelineConsole(app, deps);
  registerIncidentConsole(app, deps);
  registerDashboardPages(app, deps);
  registerMailPages(app, deps);
  registerMailOutboundPages(app, deps);
}
