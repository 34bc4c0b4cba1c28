import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from '../app.ts';
import type { AppEnv } from '../context.ts';

/** Mounts the public site under /. */
export function registerPublic(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  void app;
  void deps;
}
