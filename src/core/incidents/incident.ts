import { z } from 'zod';
import { invalidInput, type FieldIssue } from '../shared/errors.ts';
import { actionKindSchema, actionOutcomeSchema, type ActionKind, type ActionOutcome } from './actions.ts';
import { categorySchema, rsitSchema, type Category } from './categories.ts';
import { observableSchema, type ObservableKind } from './observables.ts';
import { severitySchema, tlpSchema, type Severity, type Tlp } from './severity.ts';
import { incidentStateSchema, type IncidentState } from './states.ts';

/** The branch an incident belongs to when nobody says otherwise: the national centre. */
export const DEFAULT_BRANCH_CODE = 'CN-NATIONAL';

export const REPORT_CHANNELS = ['web', 'email', 'api', 'phone', 'fax', 'partner', 'feed'] as const;
export type ReportChannel = (typeof REPORT_CHANNELS)[number];
export const reportChannelSchema = z.enum(REPORT_CHANNELS);

export const REPORTER_TYPES = [
  'individual',
  'organisation',
  'cert',
  'isp',
  'vendor',
  'government',
  'partner',
  'anonymous',
] as const;
export type ReporterType = (typeof REPORTER_TYPES)[number];
export const reporterTypeSchema = z.enum(REPORTER_TYPES);

export const REPORT_LANGUAGES = ['zh-CN', 'en'] as const;
export type ReportLanguage = (typeof REPORT_LANGUAGES)[number];

/** The largest text body accepted in one report field (characters). */
export const MAX_TEXT = 200_000;

/** An incident as stored; `overdue` is computed against the clock when it is read. */
export interface Incident {
  id: number;
  title: string;
  description: string;
  category: Category;
  rsit: string;
  scanning: boolean;
  severity: Severity;
  tlp: Tlp;
  branchCode: string;
  assigneeId: number | null;
  state: IncidentState;
  mergedIntoId: number | null;
  openedAt: string;
  dueAt: string | null;
  triagedAt: string | null;
  resolvedAt: string | null;
  closedAt: string | null;
  createdBy: number | null;
  updatedAt: string;
  version: number;
  overdue: boolean;
}

export interface AttachmentInfo {
  id: number;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
}

export interface Report {
  id: number;
  trackingNumber: string;
  channel: ReportChannel;
  reporter: { type: ReporterType; name: string; email: string; phone: string; orgId: number | null };
  receivedAt: string;
  subject: string;
  description: string;
  category: Category;
  incidentId: number | null;
  language: string;
  meta: Record<string, unknown>;
  createdBy: number | null;
  createdAt: string;
  attachments: AttachmentInfo[];
}

export interface StoredObservable {
  id: number;
  kind: ObservableKind;
  value: string;
  reportId: number | null;
  incidentId: number | null;
}

export interface IncidentAction {
  id: number;
  incidentId: number;
  kind: ActionKind;
  /** The branch that acted. */
  branchCode: string;
  targetBranchCode: string | null;
  counterpartOrgId: number | null;
  counterpart: string;
  occurredAt: string;
  outcome: ActionOutcome;
  note: string;
  createdBy: number | null;
  createdAt: string;
}

export type TimelineEntry =
  | {
      at: string;
      type: 'report';
      reportId: number;
      trackingNumber: string;
      channel: ReportChannel;
      subject: string;
    }
  | {
      at: string;
      type: 'action';
      actionId: number;
      kind: ActionKind;
      outcome: ActionOutcome;
      branchCode: string;
      targetBranchCode: string | null;
      counterpart: string;
      note: string;
    }
  | { at: string; type: 'state'; from: IncidentState | null; to: IncidentState; actor: string };

export interface IncidentDetail extends Incident {
  reports: Report[];
  observables: StoredObservable[];
  actions: IncidentAction[];
  timeline: TimelineEntry[];
  /** Users named on a TLP:RED incident (empty otherwise). */
  redUserIds: number[];
}

/** What the public may learn with a tracking number and its secret: nothing else. */
export interface ReportStatus {
  trackingNumber: string;
  receivedAt: string;
  /** The state of the incident the report belongs to, or `received` before it has one. */
  state: IncidentState | 'received';
  category: Category;
  updatedAt: string;
}

// ---------------------------------------------------------------------------------------------
// Inputs (validated by the service whatever the caller: API, console, CLI, pipeline)
// ---------------------------------------------------------------------------------------------

/** ISO 8601 date-time with offset or Z, normalised to UTC with milliseconds. */
export const isoInstantSchema = z.iso
  .datetime({ offset: true, message: 'expected an ISO 8601 date-time such as 2007-03-01T08:00:00Z' })
  .transform((s) => new Date(s).toISOString());

const idSchema = z.number().int().positive();

const trimmed = (max: number) => z.string().trim().max(max);

export const attachmentInputSchema = z.object({
  filename: z.string().trim().min(1).max(255),
  contentType: z.string().trim().min(1).max(255).default('application/octet-stream'),
  content: z.instanceof(Uint8Array, { message: 'expected binary content' }),
});

export const createReportInputSchema = z
  .object({
    channel: reportChannelSchema,
    reporter: z
      .object({
        type: reporterTypeSchema.default('individual'),
        name: trimmed(200).default(''),
        email: z.union([z.literal(''), z.email().max(320)]).default(''),
        phone: trimmed(50).default(''),
        orgId: idSchema.nullish(),
      })
      .prefault({}),
    receivedAt: isoInstantSchema.optional(),
    subject: trimmed(500).default(''),
    description: z.string().max(MAX_TEXT).default(''),
    category: categorySchema.optional(),
    language: z.enum(REPORT_LANGUAGES).default('zh-CN'),
    attachments: z.array(attachmentInputSchema).max(20).default([]),
    meta: z.record(z.string(), z.unknown()).default({}),
    /**
     * Exactly these observables (staff and system callers, e.g. the mail intake passing a machine
     * report's own); absent: extracted from the subject, description and text attachments.
     */
    observables: z.array(observableSchema).max(10_000).optional(),
    /** Attach to this existing incident instead of opening one. */
    incidentId: idSchema.optional(),
    /** Open a new incident for the report (default); false leaves it unattached for triage. */
    openIncident: z.boolean().default(true),
    /** For the incident opened from the report. */
    severity: severitySchema.optional(),
    tlp: tlpSchema.optional(),
    branchCode: z.string().trim().min(1).max(32).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.subject === '' && v.description.trim() === '') {
      ctx.addIssue({ code: 'custom', path: ['subject'], message: 'a subject or a description is required' });
    }
  });
export type CreateReportInput = z.input<typeof createReportInputSchema>;
export type CreateReportData = z.output<typeof createReportInputSchema>;

export const createIncidentInputSchema = z
  .object({
    title: trimmed(500).min(1),
    description: z.string().max(MAX_TEXT).default(''),
    category: categorySchema.optional(),
    rsit: rsitSchema.optional(),
    severity: severitySchema.default('medium'),
    tlp: tlpSchema.default('amber'),
    branchCode: z.string().trim().min(1).max(32).optional(),
    assigneeId: idSchema.nullish(),
    /** When the incident opened; defaults to now (imports pass the historical time). */
    openedAt: isoInstantSchema.optional(),
  })
  .superRefine((v, ctx) => {
    if (v.category === undefined && v.rsit === undefined) {
      ctx.addIssue({ code: 'custom', path: ['category'], message: 'a category or an RSIT type is required' });
    }
  });
export type CreateIncidentInput = z.input<typeof createIncidentInputSchema>;

export const updateIncidentInputSchema = z
  .object({
    version: z.number().int().positive(),
    title: trimmed(500).min(1).optional(),
    description: z.string().max(MAX_TEXT).optional(),
    category: categorySchema.optional(),
    rsit: rsitSchema.optional(),
    severity: severitySchema.optional(),
    tlp: tlpSchema.optional(),
  })
  .superRefine((v, ctx) => {
    const { version: _v, ...rest } = v;
    if (Object.values(rest).every((x) => x === undefined)) {
      ctx.addIssue({ code: 'custom', path: [], message: 'nothing to change' });
    }
  });
export type UpdateIncidentInput = z.input<typeof updateIncidentInputSchema>;

export const changeStateInputSchema = z.object({
  state: incidentStateSchema.refine((s) => s !== 'merged', 'use merge to merge incidents'),
  version: z.number().int().positive().optional(),
  note: z.string().max(2000).default(''),
});
export type ChangeStateInput = z.input<typeof changeStateInputSchema>;

export const assignInputSchema = z.object({
  assigneeId: idSchema.nullable(),
  version: z.number().int().positive().optional(),
});
export type AssignInput = z.input<typeof assignInputSchema>;

export const reassignInputSchema = z.object({
  branchCode: z.string().trim().min(1).max(32),
  note: z.string().max(2000).default(''),
  version: z.number().int().positive().optional(),
});
export type ReassignInput = z.input<typeof reassignInputSchema>;

export const mergeInputSchema = z
  .object({
    survivorId: idSchema,
    mergedIds: z.array(idSchema).min(1).max(100),
  })
  .superRefine((v, ctx) => {
    if (v.mergedIds.includes(v.survivorId)) {
      ctx.addIssue({ code: 'custom', path: ['mergedIds'], message: 'must not contain the survivor' });
    }
    if (new Set(v.mergedIds).size !== v.mergedIds.length) {
      ctx.addIssue({ code: 'custom', path: ['mergedIds'], message: 'contains duplicates' });
    }
  });
export type MergeInput = z.input<typeof mergeInputSchema>;

export const addActionInputSchema = z.object({
  kind: actionKindSchema.refine((k) => k !== 'reassign_branch', 'use reassign to move an incident'),
  counterpartOrgId: idSchema.nullish(),
  counterpart: trimmed(500).default(''),
  occurredAt: isoInstantSchema.optional(),
  outcome: actionOutcomeSchema.default('pending'),
  note: z.string().max(10_000).default(''),
});
export type AddActionInput = z.input<typeof addActionInputSchema>;

export const updateActionInputSchema = z.object({
  outcome: actionOutcomeSchema,
  note: z.string().max(10_000).optional(),
});
export type UpdateActionInput = z.input<typeof updateActionInputSchema>;

export const redUsersInputSchema = z.object({
  userIds: z.array(idSchema).max(200),
});

/** Validates `input` with `schema`; failures become `invalid_input` naming every offending field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'input'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields: FieldIssue[] = result.error.issues.map((i) => ({
    field: i.path.map(String).join('.') || '(body)',
    message: i.message,
  }));
  throw invalidInput(`invalid ${what}: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, fields);
}
