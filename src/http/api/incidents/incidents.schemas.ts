import { z } from '@hono/zod-openapi';
import { ACTION_KINDS, ACTION_OUTCOMES } from '../../../core/incidents/actions.ts';
import { CATEGORIES } from '../../../core/incidents/categories.ts';
import {
  REPORT_CHANNELS,
  REPORTER_TYPES,
  createReportInputSchema,
  reportChannelSchema,
} from '../../../core/incidents/incident.ts';
import { OBSERVABLE_KINDS } from '../../../core/incidents/observables.ts';
import { INCIDENT_SORTS } from '../../../core/incidents/search-query.ts';
import { SEVERITIES, TLPS } from '../../../core/incidents/severity.ts';
import { INCIDENT_STATES } from '../../../core/incidents/states.ts';

/*
 * Shapes of the incidents API for /api/openapi.json. Request bodies reuse the core input schemas
 * (core/incidents/incident.ts) so the API validates exactly what the service does; only the
 * report body differs (attachments travel as base64).
 */

const nullableId = z.number().int().nullable();
const instant = z.string().openapi({ example: '2007-03-01T08:00:00.000Z' });

export const incidentSchema = z
  .object({
    id: z.number().int(),
    title: z.string(),
    description: z.string(),
    category: z.enum(CATEGORIES),
    rsit: z.string().openapi({ example: 'malicious-code/infected-system' }),
    scanning: z.boolean(),
    severity: z.enum(SEVERITIES),
    tlp: z.enum(TLPS),
    branchCode: z.string().openapi({ example: 'CN-XJ' }),
    assigneeId: nullableId,
    state: z.enum(INCIDENT_STATES),
    mergedIntoId: nullableId,
    openedAt: instant,
    dueAt: instant.nullable(),
    triagedAt: instant.nullable(),
    resolvedAt: instant.nullable(),
    closedAt: instant.nullable(),
    createdBy: nullableId,
    updatedAt: instant,
    version: z.number().int().openapi({ description: 'send it back with changes (optimistic locking)' }),
    overdue: z.boolean().openapi({ description: 'open and past its due time' }),
  })
  .openapi('Incident');

export const attachmentInfoSchema = z
  .object({
    id: z.number().int(),
    filename: z.string(),
    contentType: z.string(),
    size: z.number().int(),
    sha256: z.string(),
  })
  .openapi('AttachmentInfo');

export const reportSchema = z
  .object({
    id: z.number().int(),
    trackingNumber: z.string().openapi({ example: '2007-7K3M9-Q2PXA' }),
    channel: z.enum(REPORT_CHANNELS),
    reporter: z.object({
      type: z.enum(REPORTER_TYPES),
      name: z.string(),
      email: z.string(),
      phone: z.string(),
      orgId: nullableId,
    }),
    receivedAt: instant,
    subject: z.string(),
    description: z.string(),
    category: z.enum(CATEGORIES),
    incidentId: nullableId,
    language: z.string(),
    meta: z.record(z.string(), z.unknown()),
    createdBy: nullableId,
    createdAt: instant,
    attachments: z.array(attachmentInfoSchema),
  })
  .openapi('Report');

export const observableSchema = z
  .object({
    id: z.number().int(),
    kind: z.enum(OBSERVABLE_KINDS),
    value: z.string(),
    reportId: nullableId,
    incidentId: nullableId,
  })
  .openapi('Observable');

export const actionSchema = z
  .object({
    id: z.number().int(),
    incidentId: z.number().int(),
    kind: z.enum(ACTION_KINDS),
    branchCode: z.string(),
    targetBranchCode: z.string().nullable(),
    counterpartOrgId: nullableId,
    counterpart: z.string(),
    occurredAt: instant,
    outcome: z.enum(ACTION_OUTCOMES),
    note: z.string(),
    createdBy: nullableId,
    createdAt: instant,
  })
  .openapi('IncidentAction');

export const timelineEntrySchema = z
  .discriminatedUnion('type', [
    z.object({
      at: instant,
      type: z.literal('report'),
      reportId: z.number().int(),
      trackingNumber: z.string(),
      channel: z.enum(REPORT_CHANNELS),
      subject: z.string(),
    }),
    z.object({
      at: instant,
      type: z.literal('action'),
      actionId: z.number().int(),
      kind: z.enum(ACTION_KINDS),
      outcome: z.enum(ACTION_OUTCOMES),
      branchCode: z.string(),
      targetBranchCode: z.string().nullable(),
      counterpart: z.string(),
      note: z.string(),
    }),
    z.object({
      at: instant,
      type: z.literal('state'),
      from: z.enum(INCIDENT_STATES).nullable(),
      to: z.enum(INCIDENT_STATES),
      actor: z.string(),
    }),
  ])
  .openapi('TimelineEntry');

export const incidentDetailSchema = incidentSchema
  .extend({
    reports: z.array(reportSchema),
    observables: z.array(observableSchema),
    actions: z.array(actionSchema),
    timeline: z.array(timelineEntrySchema),
    redUserIds: z.array(z.number().int()),
  })
  .openapi('IncidentDetail');

export const incidentPageSchema = z
  .object({
    items: z.array(incidentSchema),
    total: z.number().int().openapi({ description: 'matches, counted up to 10,000' }),
    totalIsLowerBound: z.boolean().openapi({ description: 'true when there are more than `total`' }),
    nextCursor: z.string().nullable().openapi({ description: 'pass as `cursor` for the next page' }),
  })
  .openapi('IncidentPage');

export const createdReportSchema = z
  .object({
    report: reportSchema,
    incident: incidentSchema.nullable(),
    trackingNumber: z.string(),
    statusSecret: z.string().openapi({ description: 'shown once: the reporter follows the status with it' }),
  })
  .openapi('CreatedReport');

export const reassignResultSchema = z
  .object({ incident: incidentSchema, action: actionSchema })
  .openapi('ReassignResult');

export const mergeResultSchema = z
  .object({
    survivor: incidentSchema,
    merged: z.array(incidentSchema),
    movedReportIds: z.array(z.number().int()),
  })
  .openapi('MergeResult');

export const auditRecordSchema = z
  .object({
    id: z.number().int(),
    at: instant,
    actorId: nullableId,
    actor: z.string(),
    entity: z.string(),
    entityId: z.string(),
    action: z.string(),
    incidentId: nullableId,
    before: z.unknown(),
    after: z.unknown(),
    ip: z.string(),
  })
  .openapi('AuditRecord');

export const redUsersSchema = z.object({ userIds: z.array(z.number().int()) }).openapi('RedUsers');

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

/** A report as the API takes it: like the service input, attachments as base64. */
export const reportBodySchema = z
  .object({
    ...createReportInputSchema.shape,
    channel: reportChannelSchema.default('api'),
    attachments: z
      .array(
        z.object({
          filename: z.string().trim().min(1).max(255),
          contentType: z.string().trim().min(1).max(255).default('application/octet-stream'),
          contentBase64: z.base64({ message: 'expected base64' }),
        }),
      )
      .max(20)
      .default([]),
  })
  .openapi('ReportInput');

const positiveId = (name: string) =>
  z.coerce
    .number()
    .int('expected a whole number')
    .positive('expected a positive id')
    .openapi({ param: { name, in: 'path' }, example: 12 });

export const idParamSchema = z.object({ id: positiveId('id') });
export const actionParamSchema = z.object({ id: positiveId('id'), actionId: positiveId('actionId') });
export const attachmentParamSchema = z.object({
  id: positiveId('id'),
  attachmentId: positiveId('attachmentId'),
});

const list = (description: string, example: string) =>
  z
    .string()
    .optional()
    .openapi({ description: `${description} (comma-separated)`, example });

/**
 * Search filters as query parameters, named like the service's fields; lists are comma-separated.
 * The handler turns them into the service's query, which validates them and names bad fields.
 */
export const incidentListQuerySchema = z.object({
  ids: list('incident ids', '12,13'),
  text: z
    .string()
    .optional()
    .openapi({ description: 'substring of title, description or report text', example: '熊猫烧香' }),
  observable: z.string().optional().openapi({
    description: 'IP, CIDR, domain (and subdomains), URL, e-mail or hash; defanged accepted',
    example: '10.1.0.0/16',
  }),
  states: list(`states: ${INCIDENT_STATES.join(', ')}`, 'new,triaged'),
  categories: list(`categories: ${CATEGORIES.join(', ')}`, 'phishing'),
  branchCodes: list('branch codes', 'CN-XJ'),
  assigneeId: z
    .string()
    .optional()
    .openapi({ description: 'user id, or `none` for unassigned', example: 'none' }),
  severities: list(`severities: ${SEVERITIES.join(', ')}`, 'high,critical'),
  tlps: list(`TLP labels: ${TLPS.join(', ')}`, 'amber'),
  overdue: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .openapi({ description: 'only open incidents past due' }),
  openedFrom: z
    .string()
    .optional()
    .openapi({ description: 'YYYY-MM-DD or ISO date-time, inclusive', example: '2007-01-01' }),
  openedTo: z.string().optional().openapi({
    description: 'YYYY-MM-DD (whole day included) or ISO date-time, exclusive',
    example: '2007-06-30',
  }),
  resolvedFrom: z.string().optional(),
  resolvedTo: z.string().optional(),
  sort: z
    .string()
    .optional()
    .openapi({ description: INCIDENT_SORTS.join(' | '), example: 'id' }),
  order: z.string().optional().openapi({ description: 'asc | desc', example: 'desc' }),
  limit: z.string().optional().openapi({ description: '1–500, default 50', example: '50' }),
  cursor: z.string().optional().openapi({ description: '`nextCursor` of the previous page' }),
  offset: z.string().optional().openapi({ description: 'up to 10,000; prefer cursor' }),
});

export const exportQuerySchema = incidentListQuerySchema
  .omit({ cursor: true, offset: true, limit: true })
  .extend({
    format: z.enum(['csv', 'json'], { error: 'expected csv or json' }).default('csv'),
  });

export const auditQuerySchema = z.object({
  beforeId: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .openapi({ description: 'entries older than this id' }),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
