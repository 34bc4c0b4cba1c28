import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { FEED_UPLOAD_PATH } from './api/feeds/feeds.routes.ts';
import { secureHeaders } from 'hono/secure-headers';
import { randomUUID } from 'node:crypto';
import { negotiateLang, isLang } from '../i18n/index.ts';
import type { AppDeps, AppEnv } from './context.ts';

export type { AppDeps };
import { errorBody, fieldsOfZodError, toErrorResponse } from './errors.ts';
import { registerApi } from './api/index.ts';
import { registerConsole } from './console/index.ts';
import { registerPublic } from './public/index.ts';
import { renderPublicBodyTooLarge } from './public/error-pages.tsx';
import { registerAuthMiddleware } from './auth/auth.middleware.ts';

/** A router whose zod validation failures answer 400 with the field names. */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        return c.json(errorBody('invalid_input', 'invalid input', fieldsOfZodError(result.error)), 400);
      }
      return undefined;
    },
  });
}

export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = createRouter();
  const { config, logger } = deps;

  app.use('*', async (c, next) => {
    c.set('requestId', c.req.header('x-request-id') ?? randomUUID());
    c.set('actor', null);
    c.set('csrfToken', null);
    const q = c.req.query('lang');
    const cookieLang = /(?:^|;\s*)lang=([^;]+)/.exec(c.req.header('cookie') ?? '')?.[1];
    c.set(
      'lang',
      negotiateLang([isLang(q) ? q : null, cookieLang, c.req.header('accept-language')], config.language),
    );
    const started = performance.now();
    await next();
    logger.debug(
      {
        req: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      },
      'request',
    );
  });
  registerAuthMiddleware(app, deps);
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
      crossOriginEmbedderPolicy: false,
    }),
  );
  // Request bodies: JSON and plain forms up to http.bodyLimit; multipart (a file upload) up to
  // http.uploadLimit plus room for the other fields. Public pages answer with an HTML 413 page.
  const tooLarge = (limit: number) => (c: Context<AppEnv>) =>
    renderPublicBodyTooLarge(c, config) ??
    c.json(errorBody('payload_too_large', `request body over ${limit} bytes`), 413);
  const uploadMax = config.http.uploadLimit + 65_536;
  const plainBody = bodyLimit({ maxSize: config.http.bodyLimit, onError: tooLarge(config.http.bodyLimit) });
  const uploadBody = bodyLimit({ maxSize: uploadMax, onError: tooLarge(config.http.uploadLimit) });
  app.use('*', (c, next) =>
    // feed uploads stream into raw reports under their own limit (pipeline.uploadLimit)
    c.req.method === 'POST' && FEED_UPLOAD_PATH.test(c.req.path)
      ? next()
      : /^multipart\/form-data/i.test(c.req.header('content-type') ?? '')
        ? uploadBody(c, next)
        : plainBody(c, next),
  );

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const ok = await deps.services.ping();
    return c.json({ status: ok ? 'ready' : 'database unreachable' }, ok ? 200 : 503);
  });

  registerApi(app, deps);
  registerConsole(app, deps);
  registerPublic(app, deps);

  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'certops API',
      version: '1',
      description: 'Incident intake, coordination and directory of a CERT.',
    },
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });

  app.notFound((c) => c.json(errorBody('not_found', 'not found'), 404));
  app.onError((err, c) =>
    toErrorResponse(err, c, (e) => logger.error({ err: e, path: c.req.path }, 'unhandled error')),
  );
  return app;
}
