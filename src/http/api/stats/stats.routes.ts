import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { CATEGORIES } from '../../../core/incidents/categories.ts';
import type { AppDeps } from '../../context.ts';
import { requireActor } from '../../auth/auth.middleware.ts';
import type { AppEnv } from '../../context.ts';
import { bearerSecurity, errorResponse, jsonResponse } from '../openapi.ts';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');

const periodQuery = z.object({
  from: day.openapi({ example: '2007-01-01', description: 'first local day' }),
  to: day.openapi({ example: '2007-06-30', description: 'last local day, inclusive' }),
});

const share = <K extends z.ZodType>(key: K) => z.object({ key, count: z.number().int(), share: z.number() });

const incidentStatsSchema = z
  .object({
    period: z.object({ from: z.string(), to: z.string(), timeZone: z.string() }),
    reportsReceivedNonScanning: z.number().int(),
    reportsPerMonth: z.array(z.object({ month: z.string(), count: z.number().int() })),
    reportsPerCategory: z.array(share(z.enum(CATEGORIES))),
    incidentsHandled: z.number().int(),
    handledPerCategory: z.array(share(z.enum(CATEGORIES))),
    branchesHandling: z.object({ total: z.number().int(), items: z.array(share(z.string())) }),
  })
  .openapi('IncidentStats');

const incidentStats = createRoute({
  method: 'get',
  path: '/api/v1/stats/incidents',
  tags: ['stats'],
  security: bearerSecurity,
  summary: '§3 figures: non-scanning reports per month and category, incidents handled, branches taking part',
  description:
    'Definitions: docs/statistics.md. Counted within the caller’s scope (a branch handler: their branch).',
  request: { query: periodQuery },
  responses: {
    200: jsonResponse(incidentStatsSchema, 'the figures'),
    400: errorResponse('invalid period (fields named)'),
    401: errorResponse('not signed in'),
    403: errorResponse('role may not read statistics'),
  },
});

export function registerStatsApi(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  app.openapi(incidentStats, async (c) => {
    const actor = requireActor(c);
    const { from, to } = c.req.valid('query');
    return c.json(await deps.services.stats.incidentStats(actor, { from, to }), 200);
  });
}
