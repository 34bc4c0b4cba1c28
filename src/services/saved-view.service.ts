import { z } from 'zod';
import { requirePermission, scopeOf, type Actor } from '../core/auth/actor.ts';
import { can, seesAllBranches } from '../core/auth/roles.ts';
import { categorySchema } from '../core/incidents/categories.ts';
import { DEFAULT_BRANCH_CODE, parseInput } from '../core/incidents/incident.ts';
import { INCIDENT_SORTS, matchObservable } from '../core/incidents/search-query.ts';
import { severitySchema, tlpSchema } from '../core/incidents/severity.ts';
import { incidentStateSchema } from '../core/incidents/states.ts';
import type { Clock } from '../core/shared/clock.ts';
import { DomainError, conflict, notFound } from '../core/shared/errors.ts';
import type { AuditEntry, AuditPort, SavedViewRecord, SavedViewsPort } from './ports.ts';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The filters a saved view keeps: those of an incident search, as a person chose them (days as
 * `YYYY-MM-DD` in the configured time zone; `assignee: 'mine'` means whoever opens the view).
 * Paging is never saved.
 */
export const savedViewQuerySchema = z
  .strictObject({
    text: z.string().trim().min(1).max(200).optional(),
    observable: z.string().trim().min(1).max(2048).optional(),
    states: z.array(incidentStateSchema).max(10).optional(),
    categories: z.array(categorySchema).max(20).optional(),
    branchCodes: z.array(z.string().trim().min(1).max(32)).max(50).optional(),
    severities: z.array(severitySchema).max(4).optional(),
    tlps: z.array(tlpSchema).max(5).optional(),
    assignee: z.union([z.literal('mine'), z.literal('none'), z.number().int().positive()]).optional(),
    overdue: z.boolean().optional(),
    openedFrom: z.string().regex(DAY, 'expected YYYY-MM-DD').optional(),
    openedTo: z.string().regex(DAY, 'expected YYYY-MM-DD').optional(),
    resolvedFrom: z.string().regex(DAY, 'expected YYYY-MM-DD').optional(),
    resolvedTo: z.string().regex(DAY, 'expected YYYY-MM-DD').optional(),
    sort: z.enum(INCIDENT_SORTS).optional(),
    order: z.enum(['asc', 'desc']).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.observable !== undefined) {
      try {
        matchObservable(v.observable);
      } catch (e) {
        if (!(e instanceof DomainError)) throw e;
        ctx.addIssue({ code: 'custom', path: ['observable'], message: e.fields[0]?.message ?? e.message });
      }
    }
    if (v.openedFrom !== undefined && v.openedTo !== undefined && v.openedTo < v.openedFrom) {
      ctx.addIssue({ code: 'custom', path: ['openedTo'], message: 'before openedFrom' });
    }
  });

export type SavedViewQuery = z.output<typeof savedViewQuerySchema>;

export const SAVED_VIEW_VISIBILITIES = ['personal', 'branch'] as const;
export type SavedViewVisibility = (typeof SAVED_VIEW_VISIBILITIES)[number];

export const createSavedViewInputSchema = z.object({
  name: z.string().trim().min(1, 'a name is required').max(100),
  visibility: z.enum(SAVED_VIEW_VISIBILITIES).default('personal'),
  /** The branch of a branch view: a branch handler's own (the default); national roles choose one. */
  branchCode: z.string().trim().min(1).max(32).optional(),
  query: savedViewQuerySchema,
});
export type CreateSavedViewInput = z.input<typeof createSavedViewInputSchema>;

export interface SavedView {
  id: number;
  name: string;
  visibility: SavedViewVisibility;
  /** The branch of a branch view; null for a personal view. */
  branchCode: string | null;
  /** Who saved it. */
  ownerId: number | null;
  query: SavedViewQuery;
  createdAt: string;
  /** The caller saved it, and so may delete it. */
  own: boolean;
}

export interface SavedViewService {
  /** The caller's personal views and the branch views they can see (national roles: every branch's). */
  listViews(actor: Actor): Promise<SavedView[]>;
  createView(actor: Actor, input: CreateSavedViewInput): Promise<SavedView>;
  /** Only whoever saved a view deletes it; a view the caller cannot see is not_found. */
  deleteView(actor: Actor, id: number): Promise<void>;
}

export interface SavedViewServiceDeps {
  views: SavedViewsPort;
  audit: AuditPort;
  clock: Clock;
}

export function createSavedViewService(deps: SavedViewServiceDeps): SavedViewService {
  const { views, clock } = deps;

  function toView(actor: Actor, r: SavedViewRecord): SavedView {
    const parsed = savedViewQuerySchema.safeParse(r.query);
    return {
      id: r.id,
      name: r.name,
      visibility: r.branchCode === null ? 'personal' : 'branch',
      branchCode: r.branchCode,
      ownerId: r.userId,
      query: parsed.success ? parsed.data : {},
      createdAt: r.createdAt,
      own: actor.userId !== null && r.userId === actor.userId,
    };
  }

  function auditEntry(actor: Actor, action: string, id: number, before: unknown, after: unknown): AuditEntry {
    return {
      at: clock.now().toISOString(),
      actorId: actor.userId,
      actor: actor.label,
      entity: 'saved_view',
      entityId: String(id),
      action,
      incidentId: null,
      before,
      after,
      ip: actor.ip,
    };
  }

  /** The branch a new branch view belongs to. */
  async function branchOfView(actor: Actor, requested: string | undefined): Promise<string> {
    if (actor.kind !== 'system' && !can(actor.role, 'incident.write')) {
      throw new DomainError('forbidden', `role ${actor.role} may only save personal views`);
    }
    if (actor.kind !== 'system' && !seesAllBranches(actor.role)) {
      if (!actor.branchCode) throw new DomainError('forbidden', 'this user has no branch');
      if (requested !== undefined && requested !== actor.branchCode) {
        throw new DomainError(
          'forbidden',
          `a branch view is saved for your own branch (${actor.branchCode})`,
          [{ field: 'branchCode', message: `must be ${actor.branchCode}` }],
        );
      }
      return actor.branchCode;
    }
    const code = requested ?? DEFAULT_BRANCH_CODE;
    if (!(await views.branchExists(code))) {
      throw new DomainError('invalid_input', `branchCode: no branch ${code}`, [
        { field: 'branchCode', message: `no branch ${code}` },
      ]);
    }
    return code;
  }

  return {
    async listViews(actor) {
      requirePermission(actor, 'incident.read');
      return (await views.listVisible(scopeOf(actor))).map((r) => toView(actor, r));
    },

    async createView(actor, rawInput) {
      requirePermission(actor, 'incident.read');
      const input = parseInput(createSavedViewInputSchema, rawInput, 'saved view');
      if (input.visibility === 'personal' && actor.userId === null) {
        throw new DomainError('invalid_input', 'only a user has personal views', [
          { field: 'visibility', message: 'must be branch' },
        ]);
      }
      const branchCode = input.visibility === 'branch' ? await branchOfView(actor, input.branchCode) : null;
      const existing = await views.listVisible(scopeOf(actor));
      const clash = existing.some(
        (v) =>
          v.name === input.name &&
          v.branchCode === branchCode &&
          (branchCode !== null || v.userId === actor.userId),
      );
      if (clash) throw conflict(`a view named "${input.name}" already exists there`);
      const record = await views.insertView(
        {
          userId: actor.userId,
          branchCode,
          name: input.name,
          query: input.query,
          createdAt: clock.now().toISOString(),
        },
        (view) =>
          auditEntry(actor, 'create', view.id, null, { name: view.name, branchCode, query: view.query }),
      );
      return toView(actor, record);
    },

    async deleteView(actor, id) {
      requirePermission(actor, 'incident.read');
      const view = await views.findVisible(scopeOf(actor), id);
      if (!view) throw notFound(`saved view ${id}`);
      if (actor.userId === null || view.userId !== actor.userId) {
        throw new DomainError('forbidden', 'only whoever saved a view may delete it');
      }
      const gone = await views.deleteView(
        id,
        auditEntry(
          actor,
          'delete',
          id,
          { name: view.name, branchCode: view.branchCode, query: view.query },
          null,
        ),
      );
      if (!gone) throw notFound(`saved view ${id}`);
    },
  };
}
