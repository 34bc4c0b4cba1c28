import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import {
  addActionInputSchema,
  assignInputSchema,
  changeStateInputSchema,
  createIncidentInputSchema,
  mergeInputSchema,
  reassignInputSchema,
  redUsersInputSchema,
  updateActionInputSchema,
  updateIncidentInputSchema,
  type Incident,
} from '../../../core/incidents/incident.ts';
import type { IncidentQueryInput } from '../../../core/incidents/search-query.ts';
import type { AppDeps } from '../../context.ts';
import { attachmentResponse } from '../../attachment-response.ts';
import { requireActor } from '../../auth/auth.middleware.ts';
import type { AppEnv } from '../../context.ts';
import {
  bearerSecurity as security,
  errorResponse as err,
  jsonBody as body,
  jsonResponse as json,
} from '../openapi.ts';
import {
  actionParamSchema,
  actionSchema,
  auditQuerySchema,
  auditRecordSchema,
  createdReportSchema,
  exportQuerySchema,
  idParamSchema,
  attachmentParamSchema,
  incidentDetailSchema,
  incidentListQuerySchema,
  incidentPageSchema,
  incidentSchema,
  mergeResultSchema,
  reassignResultSchema,
  redUsersSchema,
  reportBodySchema,
  reportSchema,
} from './incidents.schemas.ts';

const TAGS = ['incidents'];

const READ_ERRORS = {
  400: err('invalid input (fields named)'),
  401: err('not signed in'),
  403: err('role may not read incidents'),
};
const ONE_ERRORS = { ...READ_ERRORS, 404: err('no such incident (or not visible to you)') };
const WRITE_ERRORS = {
  ...ONE_ERRORS,
  403: err('role may not change incidents'),
  409: err('illegal state transition, stale version, or merged incident'),
};

const createReport = createRoute({
  method: 'post',
  path: '/api/v1/reports',
  tags: TAGS,
  security,
  summary: 'Record a report (staff entry, partner, API); opens an incident unless incidentId is given',
  request: body(reportBodySchema),
  responses: {
    201: json(createdReportSchema, 'the report, its incident and its tracking number'),
    ...WRITE_ERRORS,
  },
});

const getReport = createRoute({
  method: 'get',
  path: '/api/v1/reports/{id}',
  tags: TAGS,
  security,
  summary: 'One report with its attachment list',
  request: { params: idParamSchema },
  responses: {
    200: json(reportSchema, 'the report'),
    ...ONE_ERRORS,
    404: err('no such report (or not visible)'),
  },
});

const getAttachment = createRoute({
  method: 'get',
  path: '/api/v1/reports/{id}/attachments/{attachmentId}',
  tags: TAGS,
  security,
  summary: 'Download one attachment of a report (always application/octet-stream, never inline)',
  request: { params: attachmentParamSchema },
  responses: {
    200: {
      description: 'the attachment bytes; its sha256 in X-Certops-Sha256',
      content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
    },
    ...ONE_ERRORS,
    404: err('no such report or attachment (or not visible)'),
  },
});

const listIncidents = createRoute({
  method: 'get',
  path: '/api/v1/incidents',
  tags: TAGS,
  security,
  summary:
    'Search incidents in your scope: text, observable, states, categories, branches, dates; keyset paging',
  request: { query: incidentListQuerySchema },
  responses: { 200: json(incidentPageSchema, 'one page of incidents'), ...READ_ERRORS },
});

const createIncident = createRoute({
  method: 'post',
  path: '/api/v1/incidents',
  tags: TAGS,
  security,
  summary: 'Open an incident',
  request: body(createIncidentInputSchema),
  responses: { 201: json(incidentSchema, 'created'), ...WRITE_ERRORS },
});

const exportIncidents = createRoute({
  method: 'get',
  path: '/api/v1/incidents/export',
  tags: TAGS,
  security,
  summary: 'Every incident the filters match, in your scope, as CSV (UTF-8 with BOM) or a JSON array',
  request: { query: exportQuerySchema },
  responses: {
    200: {
      content: {
        'text/csv': { schema: z.string() },
        'application/json': { schema: z.array(incidentSchema) },
      },
      description: 'the incidents',
    },
    ...READ_ERRORS,
  },
});

const mergeIncidents = createRoute({
  method: 'post',
  path: '/api/v1/incidents/merge',
  tags: TAGS,
  security,
  summary: 'Merge incidents into a survivor: reports and observables move, the others become merged',
  request: body(mergeInputSchema),
  responses: { 200: json(mergeResultSchema, 'the survivor and the merged incidents'), ...WRITE_ERRORS },
});

const getIncident = createRoute({
  method: 'get',
  path: '/api/v1/incidents/{id}',
  tags: TAGS,
  security,
  summary: 'An incident with its reports, observables, actions and timeline',
  request: { params: idParamSchema },
  responses: { 200: json(incidentDetailSchema, 'the incident'), ...ONE_ERRORS },
});

const updateIncident = createRoute({
  method: 'patch',
  path: '/api/v1/incidents/{id}',
  tags: TAGS,
  security,
  summary: 'Change title, description, category/RSIT, severity or TLP (send the version you read)',
  request: { params: idParamSchema, ...body(updateIncidentInputSchema) },
  responses: { 200: json(incidentSchema, 'the incident after the change'), ...WRITE_ERRORS },
});

const changeState = createRoute({
  method: 'post',
  path: '/api/v1/incidents/{id}/state',
  tags: TAGS,
  security,
  summary:
    'Move the incident to another state (new → triaged → assigned → in_progress → resolved | rejected)',
  request: { params: idParamSchema, ...body(changeStateInputSchema) },
  responses: { 200: json(incidentSchema, 'the incident in its new state'), ...WRITE_ERRORS },
});

const assignIncident = createRoute({
  method: 'post',
  path: '/api/v1/incidents/{id}/assign',
  tags: TAGS,
  security,
  summary: 'Assign to a handler who can see the branch (null unassigns)',
  request: { params: idParamSchema, ...body(assignInputSchema) },
  responses: { 200: json(incidentSchema, 'the incident'), ...WRITE_ERRORS },
});

const reassignIncident = createRoute({
  method: 'post',
  path: '/api/v1/incidents/{id}/reassign',
  tags: TAGS,
  security,
  summary: 'Move the incident to another branch (recorded as a reassign_branch action)',
  request: { params: idParamSchema, ...body(reassignInputSchema) },
  responses: { 200: json(reassignResultSchema, 'the incident and the action'), ...WRITE_ERRORS },
});

const setRedUsers = createRoute({
  method: 'put',
  path: '/api/v1/incidents/{id}/red-users',
  tags: TAGS,
  security,
  summary: 'Replace the users named on the incident (who may see it while it is TLP:RED)',
  request: { params: idParamSchema, ...body(redUsersInputSchema) },
  responses: { 200: json(redUsersSchema, 'the users now named'), ...WRITE_ERRORS },
});

const addAction = createRoute({
  method: 'post',
  path: '/api/v1/incidents/{id}/actions',
  tags: TAGS,
  security,
  summary: 'Record an action taken (notify owner, contact ISP, ask registrar, …)',
  request: { params: idParamSchema, ...body(addActionInputSchema) },
  responses: { 201: json(actionSchema, 'the action'), ...WRITE_ERRORS },
});

const updateAction = createRoute({
  method: 'patch',
  path: '/api/v1/incidents/{id}/actions/{actionId}',
  tags: TAGS,
  security,
  summary: "Record an action's outcome",
  request: { params: actionParamSchema, ...body(updateActionInputSchema) },
  responses: { 200: json(actionSchema, 'the action'), ...WRITE_ERRORS },
});

const listAudit = createRoute({
  method: 'get',
  path: '/api/v1/incidents/{id}/audit',
  tags: TAGS,
  security,
  summary: 'The audit log of an incident, newest first',
  request: { params: idParamSchema, query: auditQuerySchema },
  responses: { 200: json(z.object({ items: z.array(auditRecordSchema) }), 'audit entries'), ...ONE_ERRORS },
});

type ListQuery = z.infer<typeof incidentListQuerySchema>;

/** Query-string filters → the service's query. Non-numbers stay strings so its validation names the field. */
export function toIncidentQuery(q: Partial<ListQuery>): IncidentQueryInput {
  const out: Record<string, unknown> = {};
  const present = (v: string | undefined): v is string => v !== undefined && v.trim() !== '';
  const split = (v: string) =>
    v
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x !== '');
  const numeric = (v: string): number | string => (/^\d{1,15}$/.test(v.trim()) ? Number(v.trim()) : v);
  for (const k of ['states', 'categories', 'branchCodes', 'severities', 'tlps'] as const) {
    const v = q[k];
    if (present(v)) out[k] = split(v);
  }
  if (present(q.ids)) out.ids = split(q.ids).map(numeric);
  for (const k of [
    'text',
    'observable',
    'openedFrom',
    'openedTo',
    'resolvedFrom',
    'resolvedTo',
    'sort',
    'order',
    'cursor',
  ] as const) {
    const v = q[k];
    if (present(v)) out[k] = v;
  }
  if (present(q.assigneeId)) out.assigneeId = q.assigneeId.trim() === 'none' ? 'none' : numeric(q.assigneeId);
  if (present(q.overdue)) out.overdue = q.overdue === 'true' || q.overdue === '1';
  if (present(q.limit)) out.limit = numeric(q.limit);
  if (present(q.offset)) out.offset = numeric(q.offset);
  return out as IncidentQueryInput;
}

const CSV_COLUMNS: (keyof Incident)[] = [
  'id',
  'title',
  'description',
  'category',
  'rsit',
  'scanning',
  'severity',
  'tlp',
  'branchCode',
  'assigneeId',
  'state',
  'mergedIntoId',
  'openedAt',
  'dueAt',
  'triagedAt',
  'resolvedAt',
  'closedAt',
  'overdue',
  'version',
];

/** One CSV cell: quoted when needed; text a spreadsheet would run as a formula is prefixed with '. */
function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function streamOf(rows: AsyncIterable<Incident>, format: 'csv' | 'json'): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  const it = rows[Symbol.asyncIterator]();
  let first = true;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(enc.encode(format === 'csv' ? `\uFEFF${CSV_COLUMNS.join(',')}\r\n` : '['));
    },
    async pull(controller) {
      const { value, done } = await it.next();
      if (done) {
        if (format === 'json') controller.enqueue(enc.encode(']\n'));
        controller.close();
        return;
      }
      const line =
        format === 'csv'
          ? `${CSV_COLUMNS.map((k) => csvCell(value[k])).join(',')}\r\n`
          : `${first ? '' : ','}\n${JSON.stringify(value)}`;
      first = false;
      controller.enqueue(enc.encode(line));
    },
    async cancel() {
      await it.return?.();
    },
  });
}

/** /api/v1/reports and /api/v1/incidents. */
export function registerIncidentsApi(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const svc = () => deps.services.incidents;

  // Anonymous callers get 401 before any validation (401 beats 400).
  for (const path of ['/api/v1/reports', '/api/v1/reports/*', '/api/v1/incidents', '/api/v1/incidents/*']) {
    app.use(path, async (c, next) => {
      requireActor(c);
      await next();
    });
  }

  app.openapi(createReport, async (c) => {
    const { attachments, ...rest } = c.req.valid('json');
    const created = await svc().createReport(requireActor(c), {
      ...rest,
      attachments: attachments.map((a) => ({
        filename: a.filename,
        contentType: a.contentType,
        content: Buffer.from(a.contentBase64, 'base64'),
      })),
    });
    return c.json(created, 201, { location: `/api/v1/reports/${created.report.id}` });
  });

  app.openapi(getReport, async (c) => {
    const report = await svc().getReport(requireActor(c), c.req.valid('param').id);
    return c.json(report, 200);
  });

  app.openapi(getAttachment, async (c) => {
    const { id, attachmentId } = c.req.valid('param');
    return attachmentResponse(await svc().getAttachment(requireActor(c), id, attachmentId)) as never;
  });

  app.openapi(listIncidents, async (c) => {
    const page = await svc().searchIncidents(requireActor(c), toIncidentQuery(c.req.valid('query')));
    return c.json(page, 200);
  });

  app.openapi(createIncident, async (c) => {
    const incident = await svc().createIncident(requireActor(c), c.req.valid('json'));
    return c.json(incident, 201, { location: `/api/v1/incidents/${incident.id}` });
  });

  // Before /{id}: a static segment must win over the parameter.
  app.openapi(exportIncidents, async (c) => {
    const { format, ...filters } = c.req.valid('query');
    const rows = await svc().exportIncidents(requireActor(c), toIncidentQuery(filters));
    const day = new Date().toISOString().slice(0, 10).replace(/-/g, '');
    return new Response(streamOf(rows, format), {
      status: 200,
      headers: {
        'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
        'content-disposition': `attachment; filename="incidents-${day}.${format}"`,
        'cache-control': 'no-store',
      },
    });
  });

  app.openapi(mergeIncidents, async (c) => {
    const result = await svc().merge(requireActor(c), c.req.valid('json'));
    return c.json(result, 200);
  });

  app.openapi(getIncident, async (c) => {
    const incident = await svc().getIncident(requireActor(c), c.req.valid('param').id);
    return c.json(incident, 200);
  });

  app.openapi(updateIncident, async (c) => {
    const incident = await svc().updateIncident(
      requireActor(c),
      c.req.valid('param').id,
      c.req.valid('json'),
    );
    return c.json(incident, 200);
  });

  app.openapi(changeState, async (c) => {
    const incident = await svc().changeState(requireActor(c), c.req.valid('param').id, c.req.valid('json'));
    return c.json(incident, 200);
  });

  app.openapi(assignIncident, async (c) => {
    const incident = await svc().assign(requireActor(c), c.req.valid('param').id, c.req.valid('json'));
    return c.json(incident, 200);
  });

  app.openapi(reassignIncident, async (c) => {
    const result = await svc().reassignBranch(requireActor(c), c.req.valid('param').id, c.req.valid('json'));
    return c.json(result, 200);
  });

  app.openapi(setRedUsers, async (c) => {
    const userIds = await svc().setRedUsers(requireActor(c), c.req.valid('param').id, c.req.valid('json'));
    return c.json({ userIds }, 200);
  });

  app.openapi(addAction, async (c) => {
    const action = await svc().addAction(requireActor(c), c.req.valid('param').id, c.req.valid('json'));
    return c.json(action, 201);
  });

  app.openapi(updateAction, async (c) => {
    const { id, actionId } = c.req.valid('param');
    const action = await svc().updateAction(requireActor(c), id, actionId, c.req.valid('json'));
    return c.json(action, 200);
  });

  app.openapi(listAudit, async (c) => {
    const q = c.req.valid('query');
    const items = await svc().listAudit(requireActor(c), c.req.valid('param').id, {
      limit: q.limit,
      ...(q.beforeId !== undefined ? { beforeId: q.beforeId } : {}),
    });
    return c.json({ items }, 200);
  });
}
