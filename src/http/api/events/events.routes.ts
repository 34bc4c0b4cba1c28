import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { EVENT_PAGE_MAX } from '../../../core/events/event-query.ts';
import { requireActor } from '../../auth/auth.middleware.ts';
import type { AppDeps, AppEnv } from '../../context.ts';
import { bearerSecurity, errorResponse, jsonResponse } from '../openapi.ts';

const text = (description: string, example?: string) =>
  z
    .string()
    .max(200)
    .optional()
    .openapi({ description, ...(example ? { example } : {}) });

/** Filters: validated in core (parseEventQuery) so the console and the API name bad fields alike. */
const eventQuery = z.object({
  ip: text('source or destination address', '192.0.2.10'),
  cidr: text('source or destination inside this network', '10.0.0.0/8'),
  asn: text('source.asn (AS4134 or 4134)', 'AS4134'),
  branch: text('source or destination branch code', 'CN-BJ'),
  classification: text('classification.type, or taxonomy/type', 'infected-system'),
  malware: text('malware name; a catalogue family name or alias finds all its names', 'huigezi'),
  feed: text('feed.name'),
  from: text('first local day (YYYY-MM-DD) of time.source', '2007-01-01'),
  to: text('last local day, inclusive', '2007-06-30'),
  cursor: text('nextCursor of the previous page'),
  limit: text(`page size, 1–${EVENT_PAGE_MAX} (default 50)`, '50'),
});

const side = z.object({
  ip: z.string().nullable(),
  port: z.number().int().nullable(),
  asn: z.number().int().nullable(),
  asName: z.string().nullable(),
  cc: z.string().nullable(),
  province: z.string().nullable(),
  city: z.string().nullable(),
  branch: z.string().nullable(),
  fqdn: z.string().nullable(),
  url: z.string().nullable(),
  orgId: z.number().int().nullable(),
});

const eventSchema = z
  .object({
    id: z.number().int(),
    rawReportId: z.number().int(),
    line: z.number().int(),
    feed: z.string(),
    classificationTaxonomy: z.string().nullable(),
    classificationType: z.string().nullable(),
    classificationIdentifier: z.string().nullable(),
    timeSource: z.string(),
    firstSeen: z.string(),
    lastSeen: z.string(),
    count: z.number().int(),
    source: side,
    destination: side,
    malwareName: z.string().nullable(),
    malwareFamily: z.string().nullable(),
    protocolTransport: z.string().nullable(),
    protocolApplication: z.string().nullable(),
    fields: z.record(z.string(), z.unknown()),
    extra: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
  })
  .openapi('Event');

const pageSchema = z
  .object({
    items: z.array(eventSchema),
    nextCursor: z.string().nullable(),
    query: z.record(z.string(), z.string()),
  })
  .openapi('EventPage');

const listEvents = createRoute({
  method: 'get',
  path: '/api/v1/events',
  tags: ['events'],
  security: bearerSecurity,
  summary: 'Search the event store (feeds), newest first',
  description:
    'Filters combine with AND. Branch handlers see events whose source or destination branch is theirs; national roles all. Keyset paging: pass nextCursor as cursor.',
  request: { query: eventQuery },
  responses: {
    200: jsonResponse(pageSchema, 'a page of events'),
    400: errorResponse('invalid filter (fields named)'),
    401: errorResponse('not signed in'),
    403: errorResponse('role may not read events'),
  },
});

const getEvent = createRoute({
  method: 'get',
  path: '/api/v1/events/{id}',
  tags: ['events'],
  security: bearerSecurity,
  summary: 'One event',
  request: {
    params: z.object({
      id: z
        .string()
        .regex(/^[1-9]\d{0,14}$/, 'expected a positive integer')
        .openapi({ param: { name: 'id', in: 'path' }, example: '1' }),
    }),
  },
  responses: {
    200: jsonResponse(eventSchema, 'the event'),
    400: errorResponse('invalid id'),
    401: errorResponse('not signed in'),
    404: errorResponse('no such event in the caller’s scope'),
  },
});

export function registerEventsApi(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  app.openapi(listEvents, async (c) => {
    const actor = requireActor(c);
    return c.json(await deps.services.events.searchEvents(actor, c.req.valid('query')), 200);
  });
  app.openapi(getEvent, async (c) => {
    const actor = requireActor(c);
    return c.json(await deps.services.events.getEvent(actor, Number(c.req.valid('param').id)), 200);
  });
}
