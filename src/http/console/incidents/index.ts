import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from '../../context.ts';
import type { AppEnv } from '../../context.ts';
import { registerIncidentPages } from './incident.pages.tsx';
import { registerNewIncidentPages } from './new.pages.tsx';
import { registerQueuePages } from './queue.pages.tsx';

/** The incident console: the queue and saved views, staff entry, one incident's page. */
export function registerIncidentConsole(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  registerQueuePages(app, deps);
  registerNewIncidentPages(app, deps);
  registerIncidentPages(app, deps);
}
