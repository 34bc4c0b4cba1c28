import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { MALWARE_KINDS } from '../../../core/malware/malware-family.ts';
import { SIZE_BUCKETS } from '../../../core/stats/botnet-stats.ts';
import { requireActor } from '../../auth/auth.middleware.ts';
import type { AppDeps, AppEnv } from '../../context.ts';
import { bearerSecurity, errorResponse, jsonResponse } from '../openapi.ts';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');

const query = z.object({
  from: day.openapi({ example: '2007-01-01', description: 'first local day' }),
  to: day.openapi({ example: '2007-06-30', description: 'last local day, inclusive' }),
  kind: z
    .enum(MALWARE_KINDS)
    .optional()
    .openapi({ description: 'one malware kind only (default: every kind, and all kinds together)' }),
});

const int = z.number().int();
const countShare = z.object({ key: z.string(), count: int, share: z.number() });

const figures = z
  .object({
    controllerIps: z.object({ total: int, mainland: int, outsideMainland: int }),
    controlledIps: z.object({ total: int, mainland: int }),
    controlledMainlandByBranch: z.object({ total: int, items: z.array(countShare) }),
    controllersOutsideMainlandByRegion: z.object({ total: int, items: z.array(countShare) }),
    ccPorts: z.object({ items: z.array(z.object({ port: int, count: int, share: z.number() })) }),
    botnetSizes: z.object({
      total: int,
      items: z.array(
        z.object({
          bucket: z.enum(SIZE_BUCKETS.map((b) => b.key) as [string, ...string[]]),
          count: int,
          share: z.number(),
        }),
      ),
    }),
  })
  .openapi('BotnetFigures');

const byKind = z.object(Object.fromEntries(MALWARE_KINDS.map((k) => [k, figures.optional()])));

const periodFigures = z
  .object({
    period: z.object({ from: z.string(), to: z.string() }),
    all: figures.nullable(),
    byKind,
  })
  .openapi('BotnetPeriodFigures');

const botnetStatsSchema = z
  .object({
    period: z.object({ from: z.string(), to: z.string(), timeZone: z.string() }),
    kinds: z.array(z.enum(MALWARE_KINDS)),
    all: figures.nullable(),
    byKind,
    previousYearSamePeriod: periodFigures.nullable(),
    previousYearFull: periodFigures.nullable(),
  })
  .openapi('BotnetStats');

const botnetStats = createRoute({
  method: 'get',
  path: '/api/v1/stats/botnets',
  tags: ['stats'],
  security: bearerSecurity,
  summary:
    '§6 figures: trojan/bot controllers and controlled hosts, mainland by province, controllers outside the mainland by region, C&C ports, botnet sizes; per malware kind',
  description:
    'Definitions: docs/statistics.md (§6). Counted from the event store within the caller’s branch scope; previous-year figures are null when the store holds no events then.',
  request: { query },
  responses: {
    200: jsonResponse(botnetStatsSchema, 'the figures'),
    400: errorResponse('invalid period or kind (fields named)'),
    401: errorResponse('not signed in'),
    403: errorResponse('role may not read statistics'),
  },
});

export function registerBotnetStatsApi(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  app.openapi(botnetStats, async (c) => {
    const actor = requireActor(c);
    const { from, to, kind } = c.req.valid('query');
    return c.json(
      await deps.services.botnetStats.botnetStats(actor, { from, to, ...(kind ? { kind } : {}) }),
      200,
    );
  });
}
