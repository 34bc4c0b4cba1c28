import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from '../app.ts';
import type { AppEnv } from '../context.ts';

/** Mounts the staff console under /console. Each area adds its pages here. */
export function registerConsole(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  void app;
  void deps;
}
