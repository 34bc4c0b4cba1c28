import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from '../../context.ts';
import type { AppEnv } from '../../context.ts';
import { registerConsoleStatic } from '../static.ts';
import { registerSessionPages } from './session.pages.tsx';
import { registerTokenPages } from './tokens.pages.tsx';
import { registerUserPages } from './users.pages.tsx';

/** The console shell's own pages: static files, sign-in/out, password, users, API tokens. */
export function registerAuthConsole(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  registerConsoleStatic(app);
  registerSessionPages(app, deps);
  registerUserPages(app, deps);
  registerTokenPages(app, deps);
}
