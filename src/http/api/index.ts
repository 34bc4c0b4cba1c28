import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from '../app.ts';
import type { AppEnv } from '../context.ts';

/** Mounts every resource under /api/v1. A resource adds its register function here. */
export function registerApi(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  void app;
  void deps;
}
