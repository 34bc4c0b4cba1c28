import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps, AppEnv } from '../../context.ts';
import { registerMalwarePages } from './malware.pages.tsx';
import { registerPipelinePages } from './pipeline.pages.tsx';

/** Pipeline console: feeds, event search and details, dead letters, malware family catalogue. */
export function registerPipelineConsole(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  registerPipelinePages(app, deps);
  registerMalwarePages(app, deps);
}
