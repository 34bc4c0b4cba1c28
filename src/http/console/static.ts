import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../context.ts';

/** Files read once at startup: the hand-written stylesheet and htmx (CSP: script-src 'self'). */
function loadStaticFiles(): Record<string, { body: string; type: string }> {
  const require = createRequire(import.meta.url);
  return {
    'console.css': {
      body: readFileSync(new URL('./static/console.css', import.meta.url), 'utf8'),
      type: 'text/css; charset=utf-8',
    },
    'htmx.min.js': {
      body: readFileSync(require.resolve('htmx.org/dist/htmx.min.js'), 'utf8'),
      type: 'text/javascript; charset=utf-8',
    },
  };
}

/** Serves /console/static/console.css and /console/static/htmx.min.js. */
export function registerConsoleStatic(app: OpenAPIHono<AppEnv>): void {
  const files = loadStaticFiles();
  app.get('/console/static/:file', (c) => {
    const f = files[c.req.param('file')];
    if (!f) return c.notFound();
    return c.body(f.body, 200, { 'content-type': f.type, 'cache-control': 'public, max-age=3600' });
  });
}
