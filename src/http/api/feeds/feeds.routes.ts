import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { DomainError } from '../../../core/shared/errors.ts';
import { t } from '../../../i18n/index.ts';
import { requireActor } from '../../auth/auth.middleware.ts';
import type { AppDeps, AppEnv } from '../../context.ts';
import { errorSchema } from '../directory/directory.schemas.ts';

/**
 * POST /api/v1/feeds/{name}/reports: a feed file uploaded by a machine (or a person with an API
 * token), stored as a raw report before the 202 (architecture §8). The body is streamed into
 * the database in 1 MiB chunks, never held whole; over `pipeline.uploadLimit` → 413 and nothing
 * kept. The path is exempt from the API's 1 MiB JSON body limit (src/http/app.ts).
 */

/** Paths of feed uploads (the app's general body limit skips them: they enforce their own). */
export const FEED_UPLOAD_PATH = /^\/api\/v1\/feeds\/[^/]+\/reports$/;

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});
const err = (description: string) => json(errorSchema, description);

const nameParam = z.object({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,79}$/, 'a feed name: lower-case letters, digits, dot, dash, underscore')
    .openapi({ param: { name: 'name', in: 'path' }, example: 'shadowserver-event4-sinkhole' }),
});

const uploadQuery = z.object({
  fileName: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[^/\\\0]+$/, 'a file name without path')
    .optional()
    .openapi({
      description: 'original file name (Shadowserver parsers detect the report type from it)',
      example: '2026-11-01-event4_sinkhole-cn.csv',
    }),
});

const acceptedSchema = z
  .object({
    id: z.number().int().openapi({ description: 'raw report id' }),
    feed: z.string(),
    fileName: z.string(),
    bytes: z.number().int(),
    sha256: z.string(),
    state: z.literal('pending'),
  })
  .openapi('RawReportAccepted');

const binary = { schema: z.string().openapi({ format: 'binary' }) };

const upload = createRoute({
  method: 'post',
  path: '/api/v1/feeds/{name}/reports',
  tags: ['feeds'],
  security: [{ bearer: [] }],
  summary: 'Upload a feed file; stored as a raw report, processed by the pipeline workers',
  request: {
    params: nameParam,
    query: uploadQuery,
    body: {
      content: { 'application/octet-stream': binary, 'text/csv': binary, 'text/plain': binary },
      required: true,
    },
  },
  responses: {
    202: json(acceptedSchema, 'stored; a worker will derive events from it'),
    400: err('invalid name, file name or empty body (fields named)'),
    401: err('not signed in'),
    403: err('role may not submit feed reports (admin, national_handler)'),
    404: err('no feed of this name in the feeds configuration (field: name)'),
    413: err('body over pipeline.uploadLimit'),
  },
});

export function registerFeedsApi(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const limit = deps.config.pipeline.uploadLimit;
  app.openapi(upload, async (c) => {
    const actor = requireActor(c);
    const lang = c.get('lang');
    const { name } = c.req.valid('param');
    const { fileName } = c.req.valid('query');
    if (!deps.services.pipeline.isKnownFeed(name))
      throw new DomainError('not_found', t(lang, 'pipeline.upload.unknown_feed', { name }), [
        { field: 'name', message: t(lang, 'pipeline.upload.unknown_feed', { name }) },
      ]);
    const declared = Number(c.req.header('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > limit)
      return c.json(
        {
          error: {
            id: 'payload_too_large',
            message: t(lang, 'pipeline.upload.too_large', { limit }),
            fields: [],
          },
        },
        413,
      );
    const body = c.req.raw.body;
    if (!body || declared === 0)
      throw new DomainError('invalid_input', t(lang, 'pipeline.upload.empty'), [
        { field: 'body', message: t(lang, 'pipeline.upload.empty') },
      ]);
    let stored;
    try {
      stored = await deps.services.pipeline.submitRawReport({
        feed: name,
        fileName: fileName ?? `${name}-upload`,
        source: 'upload',
        stream: body as unknown as AsyncIterable<Uint8Array>,
        maxBytes: limit,
        actor,
      });
    } catch (e) {
      if (e instanceof DomainError && e.id === 'invalid_input' && e.message.startsWith('report larger'))
        return c.json(
          {
            error: {
              id: 'payload_too_large',
              message: t(lang, 'pipeline.upload.too_large', { limit }),
              fields: [],
            },
          },
          413,
        );
      if (e instanceof DomainError && e.id === 'invalid_input' && e.message.startsWith('empty report'))
        throw new DomainError('invalid_input', t(lang, 'pipeline.upload.empty'), [
          { field: 'body', message: t(lang, 'pipeline.upload.empty') },
        ]);
      throw e;
    }
    return c.json(
      {
        id: stored.id,
        feed: name,
        fileName: fileName ?? `${name}-upload`,
        bytes: stored.bytes,
        sha256: stored.sha256,
        state: 'pending' as const,
      },
      202,
    );
  });
}
