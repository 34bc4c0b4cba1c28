import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { requirePermission, scopeOf, type Actor } from '../core/auth/actor.ts';
import { can } from '../core/auth/roles.ts';
import { categoryOfRsit, defaultRsitOf, isScanning, type Category } from '../core/incidents/categories.ts';
import {
  DEFAULT_BRANCH_CODE,
  addActionInputSchema,
  assignInputSchema,
  changeStateInputSchema,
  createIncidentInputSchema,
  createReportInputSchema,
  mergeInputSchema,
  parseInput,
  reassignInputSchema,
  redUsersInputSchema,
  updateActionInputSchema,
  updateIncidentInputSchema,
  type AddActionInput,
  type AssignInput,
  type ChangeStateInput,
  type CreateIncidentInput,
  type CreateReportInput,
  type Incident,
  type IncidentAction,
  type IncidentDetail,
  type MergeInput,
  type ReassignInput,
  type Report,
  type ReportStatus,
  type TimelineEntry,
  type UpdateActionInput,
  type UpdateIncidentInput,
} from '../core/incidents/incident.ts';
import { extractObservables, type Observable } from '../core/incidents/observables.ts';
import {
  MAX_PAGE_SIZE,
  incidentQuerySchema,
  type IncidentQuery,
  type IncidentQueryInput,
  type Page,
} from '../core/incidents/search-query.ts';
import { TLPS, computeDueAt, isOverdue, type SlaHours, type Tlp } from '../core/incidents/severity.ts';
import { assertTransition, type IncidentState } from '../core/incidents/states.ts';
import { generateTrackingNumber, normaliseTrackingNumber } from '../core/incidents/tracking.ts';
import { TrackingNumberTaken } from './ports/incidents.port.ts';
import type { Clock } from '../core/shared/clock.ts';
import { DomainError, conflict, invalidInput, notFound } from '../core/shared/errors.ts';
import type {
  AuditEntry,
  AuditPort,
  AuditRecord,
  IncidentChanges,
  IncidentRecord,
  IncidentsPort,
  IncidentsTx,
  NewAttachment,
  AttachmentContent,
} from './ports.ts';

export interface IncidentServiceDeps {
  incidents: IncidentsPort;
  audit: AuditPort;
  clock: Clock;
  config: { slaHours: SlaHours };
  /** Random bytes for tracking numbers and status secrets (tests may pin them). */
  random?: (size: number) => Uint8Array;
}

export interface CreatedReport {
  report: Report;
  /** The incident opened for the report or the one it was attached to; null when left unattached. */
  incident: Incident | null;
  trackingNumber: string;
  /** Shown once: the public follows the report's status with it. Only its sha256 is stored. */
  statusSecret: string;
}

export interface MergeResult {
  survivor: Incident;
  merged: Incident[];
  movedReportIds: number[];
}

/** Where a change comes from, for the audit log (the actor carries it; anonymous callers pass it here). */
export interface Origin {
  ip: string;
}

export interface IncidentService {
  /** A report from staff, a partner, the API (actor) or the public web form (actor null, channel web). */
  createReport(actor: Actor | null, input: CreateReportInput, origin?: Origin): Promise<CreatedReport>;
  getReport(actor: Actor, id: number): Promise<Report>;
  /** An attachment of a report the actor may read (else not_found, as for the report). */
  getAttachment(actor: Actor, reportId: number, attachmentId: number): Promise<AttachmentContent>;
  /** The public status page: wrong number or secret → not_found, and nothing else is revealed. */
  getReportStatus(trackingNumber: string, secret: string): Promise<ReportStatus>;

  createIncident(actor: Actor, input: CreateIncidentInput): Promise<Incident>;
  getIncident(actor: Actor, id: number): Promise<IncidentDetail>;
  updateIncident(actor: Actor, id: number, input: UpdateIncidentInput): Promise<Incident>;
  changeState(actor: Actor, id: number, input: ChangeStateInput): Promise<Incident>;
  assign(actor: Actor, id: number, input: AssignInput): Promise<Incident>;
  reassignBranch(
    actor: Actor,
    id: number,
    input: ReassignInput,
  ): Promise<{ incident: Incident; action: IncidentAction }>;
  merge(actor: Actor, input: MergeInput): Promise<MergeResult>;
  /** Replaces the users named on the incident (who may see it while it is TLP:RED). */
  setRedUsers(actor: Actor, id: number, input: { userIds: number[] }): Promise<number[]>;

  addAction(actor: Actor, incidentId: number, input: AddActionInput): Promise<IncidentAction>;
  updateAction(
    actor: Actor,
    incidentId: number,
    actionId: number,
    input: UpdateActionInput,
  ): Promise<IncidentAction>;

  listAudit(
    actor: Actor,
    incidentId: number,
    page?: { beforeId?: number; limit?: number },
  ): Promise<AuditRecord[]>;
  searchIncidents(actor: Actor, query: IncidentQueryInput): Promise<Page<Incident>>;
  /** Every incident the search matches, in pages, within the actor's scope; audited once. */
  exportIncidents(actor: Actor, query: IncidentQueryInput): Promise<AsyncIterable<Incident>>;
}

/** Thrown inside a transaction when an incident is not visible; turned into an audited not_found outside it. */
class HiddenIncident extends Error {
  constructor(readonly incidentId: number) {
    super(`incident ${incidentId} not found`);
  }
}

const TEXT_ATTACHMENT_RE = /^(text\/|message\/rfc822|application\/(json|xml|csv|x-csv))/i;
const TEXT_FILE_RE = /\.(txt|log|csv|eml|json|xml|html?|md)$/i;
/** Only so much of a text attachment is scanned for observables. */
const MAX_SCANNED_ATTACHMENT = 2_000_000;

function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function mostRestrictive(a: Tlp, b: Tlp): Tlp {
  return TLPS.indexOf(a) >= TLPS.indexOf(b) ? a : b;
}

function fieldError(field: string, message: string): DomainError {
  return invalidInput(`${field}: ${message}`, [{ field, message }]);
}

export function createIncidentService(deps: IncidentServiceDeps): IncidentService {
  const { incidents, audit, clock } = deps;
  const random = deps.random ?? ((n: number) => randomBytes(n));
  const nowIso = () => clock.now().toISOString();

  function withOverdue(r: IncidentRecord): Incident {
    const dueAt = r.dueAt === null ? null : new Date(r.dueAt);
    return { ...r, overdue: isOverdue({ state: r.state, dueAt }, clock.now()) };
  }

  function auditEntry(
    actor: Actor | null,
    origin: Origin | undefined,
    e: Pick<AuditEntry, 'entity' | 'entityId' | 'action' | 'incidentId' | 'before' | 'after'>,
  ): AuditEntry {
    return {
      at: nowIso(),
      actorId: actor?.userId ?? null,
      actor: actor?.label ?? 'public',
      ip: actor?.ip || origin?.ip || '',
      ...e,
    };
  }

  /** Out of scope: audit the denial when the incident exists, and answer not_found either way. */
  async function hidden(actor: Actor, incidentId: number, operation: string): Promise<never> {
    if (await incidents.incidentExists(incidentId)) {
      await audit.record(
        auditEntry(actor, undefined, {
          entity: 'incident',
          entityId: String(incidentId),
          action: 'denied',
          incidentId,
          before: null,
          after: { operation },
        }),
      );
    }
    throw notFound(`incident ${incidentId}`);
  }

  async function visibleIncident(actor: Actor, id: number, operation: string): Promise<IncidentRecord> {
    const rec = await incidents.findIncident(scopeOf(actor), id);
    return rec ?? hidden(actor, id, operation);
  }

  /** One transaction around a change of incident `id`, found within the actor's scope. */
  async function mutate<T>(
    actor: Actor,
    id: number,
    operation: string,
    fn: (tx: IncidentsTx, current: IncidentRecord) => Promise<T>,
  ): Promise<T> {
    try {
      return await incidents.transaction(async (tx) => {
        const current = await tx.findIncident(scopeOf(actor), id);
        if (!current) throw new HiddenIncident(id);
        return fn(tx, current);
      });
    } catch (e) {
      if (e instanceof HiddenIncident) return hidden(actor, e.incidentId, operation);
      throw e;
    }
  }

  function checkVersion(current: IncidentRecord, version: number | undefined): void {
    if (version !== undefined && version !== current.version) {
      throw conflict(
        `incident ${current.id} was changed by someone else (now version ${current.version}, yours ${version}); reload and retry`,
      );
    }
  }

  async function write(
    tx: IncidentsTx,
    current: IncidentRecord,
    changes: IncidentChanges,
  ): Promise<IncidentRecord> {
    const updated = await tx.updateIncident(current.id, current.version, changes, nowIso());
    if (!updated) throw conflict(`incident ${current.id} was changed by someone else; reload and retry`);
    return updated;
  }

  function pick(r: IncidentRecord, keys: (keyof IncidentRecord)[]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = r[k];
    return out;
  }

  /** The branch a new incident goes to: a branch handler's own; otherwise as asked, or the national centre. */
  async function resolveBranch(actor: Actor | null, requested: string | undefined): Promise<string> {
    if (actor && actor.kind !== 'system' && actor.role === 'branch_handler') {
      if (requested !== undefined && requested !== actor.branchCode) {
        throw new DomainError(
          'forbidden',
          `a branch handler files incidents in their own branch (${actor.branchCode})`,
          [{ field: 'branchCode', message: `must be ${actor.branchCode}` }],
        );
      }
      if (!actor.branchCode) throw new DomainError('forbidden', 'this branch handler has no branch');
      return actor.branchCode;
    }
    const code = requested ?? DEFAULT_BRANCH_CODE;
    if (!(await incidents.branchExists(code))) throw fieldError('branchCode', `no branch ${code}`);
    return code;
  }

  /** The acting branch recorded on actions. */
  function actingBranch(actor: Actor): string {
    return actor.branchCode ?? DEFAULT_BRANCH_CODE;
  }

  function classify(
    category: Category | undefined,
    rsit: string | undefined,
  ): { category: Category; rsit: string } {
    if (category !== undefined && rsit !== undefined) {
      if (categoryOfRsit(rsit) !== category) {
        throw invalidInput(`rsit ${rsit} belongs to category ${categoryOfRsit(rsit)}, not ${category}`, [
          { field: 'rsit', message: `does not match category ${category}` },
        ]);
      }
      return { category, rsit };
    }
    if (rsit !== undefined) return { category: categoryOfRsit(rsit), rsit };
    const c = category ?? 'other';
    return { category: c, rsit: defaultRsitOf(c) };
  }

  /** May `userId` be assigned incident `rec`: active, a handler, sees its branch, and on its RED list. */
  async function checkAssignee(tx: IncidentsTx, rec: IncidentRecord, userId: number): Promise<void> {
    const user = await tx.findUser(userId);
    if (!user) throw fieldError('assigneeId', `no user ${userId}`);
    if (user.disabled) throw fieldError('assigneeId', `user ${user.username} is disabled`);
    if (!can(user.role, 'incident.write')) {
      throw fieldError('assigneeId', `user ${user.username} (${user.role}) cannot handle incidents`);
    }
    if (user.role === 'branch_handler' && user.branchCode !== rec.branchCode) {
      throw fieldError(
        'assigneeId',
        `user ${user.username} works for ${user.branchCode}, not ${rec.branchCode}`,
      );
    }
    if (rec.tlp === 'red' && user.role !== 'admin') {
      const members = await tx.listRedUsers(rec.id);
      if (!members.includes(userId)) {
        throw fieldError('assigneeId', `user ${user.username} is not named on this TLP:RED incident`);
      }
    }
  }

  function attachmentText(a: { filename: string; contentType: string; content: Uint8Array }): string | null {
    if (!TEXT_ATTACHMENT_RE.test(a.contentType) && !TEXT_FILE_RE.test(a.filename)) return null;
    return Buffer.from(a.content.subarray(0, MAX_SCANNED_ATTACHMENT)).toString('utf8');
  }

  function timelineOf(
    reports: Report[],
    actions: IncidentAction[],
    states: { at: string; actor: string; from: IncidentState | null; to: IncidentState }[],
  ): TimelineEntry[] {
    const entries: TimelineEntry[] = [
      ...states.map((s) => ({ at: s.at, type: 'state' as const, from: s.from, to: s.to, actor: s.actor })),
      ...reports.map((r) => ({
        at: r.receivedAt,
        type: 'report' as const,
        reportId: r.id,
        trackingNumber: r.trackingNumber,
        channel: r.channel,
        subject: r.subject,
      })),
      ...actions.map((a) => ({
        at: a.occurredAt,
        type: 'action' as const,
        actionId: a.id,
        kind: a.kind,
        outcome: a.outcome,
        branchCode: a.branchCode,
        targetBranchCode: a.targetBranchCode,
        counterpart: a.counterpart,
        note: a.note,
      })),
    ];
    // Stable: at the same instant a report comes before the state change it caused.
    const order = { report: 0, state: 1, action: 2 };
    return entries
      .map((e, i) => ({ e, i }))
      .sort((a, b) =>
        a.e.at < b.e.at ? -1 : a.e.at > b.e.at ? 1 : order[a.e.type] - order[b.e.type] || a.i - b.i,
      )
      .map((x) => x.e);
  }

  async function insertNewIncident(
    tx: IncidentsTx,
    actor: Actor | null,
    origin: Origin | undefined,
    fields: {
      title: string;
      description: string;
      category: Category;
      rsit: string;
      severity: IncidentRecord['severity'];
      tlp: Tlp;
      branchCode: string;
      assigneeId: number | null;
      openedAt: string;
    },
  ): Promise<IncidentRecord> {
    const now = nowIso();
    const rec = await tx.insertIncident({
      ...fields,
      scanning: isScanning(fields.category),
      state: fields.assigneeId !== null ? 'assigned' : 'new',
      triagedAt: fields.assigneeId !== null ? now : null,
      dueAt: computeDueAt(new Date(fields.openedAt), fields.severity, deps.config.slaHours).toISOString(),
      createdBy: actor?.userId ?? null,
      updatedAt: now,
    });
    if (rec.tlp === 'red') {
      // Whoever files a RED incident (and its assignee) must still see it.
      const members = [actor?.userId ?? null, rec.assigneeId].filter((u): u is number => u !== null);
      await tx.setRedUsers(rec.id, members);
    }
    await tx.audit(
      auditEntry(actor, origin, {
        entity: 'incident',
        entityId: String(rec.id),
        action: 'create',
        incidentId: rec.id,
        before: null,
        after: rec,
      }),
    );
    return rec;
  }

  const service: IncidentService = {
    async createReport(actor, rawInput, origin) {
      const input = parseInput(createReportInputSchema, rawInput, 'report');
      if (actor === null) {
        const staffOnly = (['incidentId', 'branchCode', 'severity', 'tlp', 'observables'] as const).filter(
          (k) => input[k] !== undefined,
        );
        if (input.channel !== 'web') throw fieldError('channel', 'public reports come through the web form');
        if (staffOnly.length > 0) {
          throw invalidInput(
            `not allowed in a public report: ${staffOnly.join(', ')}`,
            staffOnly.map((f) => ({ field: f, message: 'staff only' })),
          );
        }
        if (!input.openIncident) throw fieldError('openIncident', 'staff only');
      } else {
        requirePermission(actor, 'report.create');
        if (input.incidentId !== undefined) requirePermission(actor, 'incident.write');
      }
      if (input.reporter.orgId != null && !(await incidents.organisationExists(input.reporter.orgId))) {
        throw fieldError('reporter.orgId', `no organisation ${input.reporter.orgId}`);
      }
      const now = nowIso();
      const receivedAt = input.receivedAt ?? now;
      const attachments: NewAttachment[] = input.attachments.map((a) => ({
        filename: a.filename,
        contentType: a.contentType,
        size: a.content.byteLength,
        sha256: sha256Hex(a.content),
        content: a.content,
      }));
      const texts = [input.subject, input.description];
      for (const a of input.attachments) {
        const t = attachmentText(a);
        if (t !== null) texts.push(t);
      }
      const observables: Observable[] = input.observables ?? extractObservables(texts.join('\n'));
      const statusSecret = Buffer.from(random(24)).toString('base64url');
      let trackingNumber = generateTrackingNumber(new Date(receivedAt), random(10));
      const branchCode =
        input.incidentId === undefined && input.openIncident
          ? await resolveBranch(actor, input.branchCode)
          : null;

      const run = () =>
        incidents.transaction(async (tx) => {
          let incident: IncidentRecord | null = null;
          if (input.incidentId !== undefined) {
            incident = await tx.findIncident(scopeOf(actor!), input.incidentId);
            if (!incident) throw new HiddenIncident(input.incidentId);
            if (incident.state === 'merged') {
              throw conflict(
                `incident ${incident.id} was merged into ${incident.mergedIntoId}; attach to that one`,
              );
            }
          } else if (branchCode !== null) {
            const category = input.category ?? 'other';
            const firstLine = input.description.trim().split('\n')[0] ?? '';
            incident = await insertNewIncident(tx, actor, origin, {
              title: (input.subject || firstLine).slice(0, 500),
              description: input.description,
              category,
              rsit: defaultRsitOf(category),
              severity: input.severity ?? 'medium',
              tlp: input.tlp ?? 'amber',
              branchCode,
              assigneeId: null,
              openedAt: receivedAt,
            });
          }
          const report = await tx.insertReport(
            {
              trackingNumber,
              statusSecretHash: sha256Hex(statusSecret),
              channel: input.channel,
              reporterType:
                actor === null && input.reporter.name === '' && input.reporter.email === ''
                  ? 'anonymous'
                  : input.reporter.type,
              reporterName: input.reporter.name,
              reporterEmail: input.reporter.email,
              reporterPhone: input.reporter.phone,
              reporterOrgId: input.reporter.orgId ?? null,
              receivedAt,
              subject: input.subject,
              description: input.description,
              category: input.category ?? incident?.category ?? 'other',
              incidentId: incident?.id ?? null,
              language: input.language,
              meta: input.meta,
              createdBy: actor?.userId ?? null,
              createdAt: now,
            },
            attachments,
            observables,
          );
          if (input.incidentId !== undefined && incident) await tx.touchIncident(incident.id, now);
          await tx.audit(
            auditEntry(actor, origin, {
              entity: 'report',
              entityId: String(report.id),
              action: 'create',
              incidentId: incident?.id ?? null,
              before: null,
              after: {
                trackingNumber,
                channel: report.channel,
                subject: report.subject,
                attachments: report.attachments.length,
                observables: observables.length,
              },
            }),
          );
          return { report, incident };
        });
      let result: { report: Report; incident: IncidentRecord | null } | null = null;
      // A random tracking number can collide with an existing one (ADR 0004): draw again, a few times.
      for (let attempt = 1; result === null; attempt++) {
        try {
          result = await run();
        } catch (e) {
          if (e instanceof HiddenIncident) return hidden(actor!, e.incidentId, 'attach_report');
          if (!(e instanceof TrackingNumberTaken) || attempt >= 5) throw e;
          trackingNumber = generateTrackingNumber(new Date(receivedAt), random(10));
        }
      }
      return {
        report: result.report,
        incident: result.incident ? withOverdue(result.incident) : null,
        trackingNumber,
        statusSecret,
      };
    },

    async getAttachment(actor, reportId, attachmentId) {
      const report = await service.getReport(actor, reportId);
      const content = report.attachments.some((a) => a.id === attachmentId)
        ? await incidents.readAttachment(reportId, attachmentId)
        : null;
      if (!content) throw notFound('attachment');
      return content;
    },

    async getReport(actor, id) {
      requirePermission(actor, 'incident.read');
      const report = await incidents.findReport(scopeOf(actor), id);
      if (report) return report;
      if (await incidents.reportExists(id)) {
        await audit.record(
          auditEntry(actor, undefined, {
            entity: 'report',
            entityId: String(id),
            action: 'denied',
            incidentId: null,
            before: null,
            after: { operation: 'read' },
          }),
        );
      }
      throw notFound(`report ${id}`);
    },

    async getReportStatus(trackingNumber, secret) {
      const gone = () => notFound('report');
      const number = normaliseTrackingNumber(trackingNumber);
      if (!number || typeof secret !== 'string' || secret.length === 0 || secret.length > 200) throw gone();
      const rec = await incidents.findReportStatus(number);
      if (!rec || !/^[0-9a-f]{64}$/.test(rec.statusSecretHash)) throw gone();
      const given = Buffer.from(sha256Hex(secret), 'hex');
      if (!timingSafeEqual(given, Buffer.from(rec.statusSecretHash, 'hex'))) throw gone();
      return {
        trackingNumber: rec.trackingNumber,
        receivedAt: rec.receivedAt,
        state: rec.incident?.state ?? 'received',
        category: rec.incident?.category ?? rec.category,
        updatedAt: rec.incident?.updatedAt ?? rec.createdAt,
      };
    },

    async createIncident(actor, rawInput) {
      const input = parseInput(createIncidentInputSchema, rawInput, 'incident');
      requirePermission(actor, 'incident.write');
      const { category, rsit } = classify(input.category, input.rsit);
      const branchCode = await resolveBranch(actor, input.branchCode);
      const rec = await incidents.transaction(async (tx) => {
        const draft = {
          title: input.title,
          description: input.description,
          category,
          rsit,
          severity: input.severity,
          tlp: input.tlp,
          branchCode,
          assigneeId: input.assigneeId ?? null,
          openedAt: input.openedAt ?? nowIso(),
        };
        if (draft.assigneeId !== null) {
          // Checked against the draft: RED membership is granted to the assignee on creation.
          const user = await tx.findUser(draft.assigneeId);
          if (!user) throw fieldError('assigneeId', `no user ${draft.assigneeId}`);
          if (user.disabled || !can(user.role, 'incident.write')) {
            throw fieldError('assigneeId', `user ${user.username} cannot handle incidents`);
          }
          if (user.role === 'branch_handler' && user.branchCode !== branchCode) {
            throw fieldError(
              'assigneeId',
              `user ${user.username} works for ${user.branchCode}, not ${branchCode}`,
            );
          }
        }
        return insertNewIncident(tx, actor, undefined, draft);
      });
      return withOverdue(rec);
    },

    async getIncident(actor, id) {
      requirePermission(actor, 'incident.read');
      const rec = await visibleIncident(actor, id, 'read');
      const [reports, observables, actions, redUserIds, states] = await Promise.all([
        incidents.listReports(id),
        incidents.listObservables(id),
        incidents.listActions(id),
        incidents.listRedUsers(id),
        incidents.listStateChanges(id),
      ]);
      return {
        ...withOverdue(rec),
        reports,
        observables,
        actions,
        redUserIds,
        timeline: timelineOf(reports, actions, states),
      };
    },

    async updateIncident(actor, id, rawInput) {
      const input = parseInput(updateIncidentInputSchema, rawInput, 'incident change');
      requirePermission(actor, 'incident.write');
      const rec = await mutate(actor, id, 'update', async (tx, current) => {
        checkVersion(current, input.version);
        if (current.state === 'merged')
          throw conflict(`incident ${id} was merged into ${current.mergedIntoId}`);
        const changes: IncidentChanges = {};
        if (input.title !== undefined && input.title !== current.title) changes.title = input.title;
        if (input.description !== undefined && input.description !== current.description) {
          changes.description = input.description;
        }
        if (input.category !== undefined || input.rsit !== undefined) {
          let next: { category: Category; rsit: string };
          if (input.rsit === undefined && categoryOfRsit(current.rsit) === input.category) {
            next = { category: input.category, rsit: current.rsit }; // keep the more specific type
          } else {
            next = classify(input.category, input.rsit);
          }
          if (next.category !== current.category) {
            changes.category = next.category;
            changes.scanning = isScanning(next.category);
          }
          if (next.rsit !== current.rsit) changes.rsit = next.rsit;
        }
        if (input.severity !== undefined && input.severity !== current.severity) {
          changes.severity = input.severity;
          changes.dueAt = computeDueAt(
            new Date(current.openedAt),
            input.severity,
            deps.config.slaHours,
          ).toISOString();
        }
        if (input.tlp !== undefined && input.tlp !== current.tlp) changes.tlp = input.tlp;
        const keys = Object.keys(changes) as (keyof IncidentRecord)[];
        if (keys.length === 0) return current;
        const updated = await write(tx, current, changes);
        if (changes.tlp === 'red') {
          const members = new Set(await tx.listRedUsers(id));
          for (const u of [actor.userId, updated.assigneeId]) if (u !== null) members.add(u);
          await tx.setRedUsers(id, [...members]);
        }
        await tx.audit(
          auditEntry(actor, undefined, {
            entity: 'incident',
            entityId: String(id),
            action: 'update',
            incidentId: id,
            before: pick(current, [...keys, 'version']),
            after: pick(updated, [...keys, 'version']),
          }),
        );
        return updated;
      });
      return withOverdue(rec);
    },

    async changeState(actor, id, rawInput) {
      const input = parseInput(changeStateInputSchema, rawInput, 'state change');
      requirePermission(actor, 'incident.write');
      const rec = await mutate(actor, id, 'state', async (tx, current) => {
        checkVersion(current, input.version);
        const to = input.state;
        assertTransition(current.state, to);
        const now = nowIso();
        const changes: IncidentChanges = { state: to };
        if (current.triagedAt === null && current.state === 'new') changes.triagedAt = now;
        if (to === 'resolved') {
          changes.resolvedAt = now;
          changes.closedAt = now;
        } else if (to === 'rejected') {
          changes.closedAt = now;
        } else if (current.state === 'resolved' || current.state === 'rejected') {
          // Reopened.
          changes.resolvedAt = null;
          changes.closedAt = null;
        }
        const updated = await write(tx, current, changes);
        await tx.audit(
          auditEntry(actor, undefined, {
            entity: 'incident',
            entityId: String(id),
            action: 'state',
            incidentId: id,
            before: pick(current, ['state', 'triagedAt', 'resolvedAt', 'closedAt', 'version']),
            after: {
              ...pick(updated, ['state', 'triagedAt', 'resolvedAt', 'closedAt', 'version']),
              note: input.note,
            },
          }),
        );
        return updated;
      });
      return withOverdue(rec);
    },

    async assign(actor, id, rawInput) {
      const input = parseInput(assignInputSchema, rawInput, 'assignment');
      requirePermission(actor, 'incident.write');
      const rec = await mutate(actor, id, 'assign', async (tx, current) => {
        checkVersion(current, input.version);
        if (current.state === 'merged')
          throw conflict(`incident ${id} was merged into ${current.mergedIntoId}`);
        if (input.assigneeId !== null) await checkAssignee(tx, current, input.assigneeId);
        const changes: IncidentChanges = { assigneeId: input.assigneeId };
        if (input.assigneeId !== null && (current.state === 'new' || current.state === 'triaged')) {
          changes.state = 'assigned';
          if (current.triagedAt === null) changes.triagedAt = nowIso();
        } else if (input.assigneeId === null && current.state === 'assigned') {
          changes.state = 'triaged';
        }
        const updated = await write(tx, current, changes);
        await tx.audit(
          auditEntry(actor, undefined, {
            entity: 'incident',
            entityId: String(id),
            action: 'assign',
            incidentId: id,
            before: pick(current, ['assigneeId', 'state', 'version']),
            after: pick(updated, ['assigneeId', 'state', 'version']),
          }),
        );
        return updated;
      });
      return withOverdue(rec);
    },

    async reassignBranch(actor, id, rawInput) {
      const input = parseInput(reassignInputSchema, rawInput, 'reassignment');
      requirePermission(actor, 'incident.write');
      if (!(await incidents.branchExists(input.branchCode)))
        throw fieldError('branchCode', `no branch ${input.branchCode}`);
      const out = await mutate(actor, id, 'reassign', async (tx, current) => {
        checkVersion(current, input.version);
        if (current.state === 'merged')
          throw conflict(`incident ${id} was merged into ${current.mergedIntoId}`);
        if (current.branchCode === input.branchCode) {
          throw fieldError('branchCode', `incident ${id} already belongs to ${input.branchCode}`);
        }
        const now = nowIso();
        const changes: IncidentChanges = { branchCode: input.branchCode };
        if (current.assigneeId !== null) {
          const user = await tx.findUser(current.assigneeId);
          if (!user || (user.role === 'branch_handler' && user.branchCode !== input.branchCode)) {
            changes.assigneeId = null;
            if (current.state === 'assigned') changes.state = 'triaged';
          }
        }
        const updated = await write(tx, current, changes);
        const action = await tx.insertAction({
          incidentId: id,
          kind: 'reassign_branch',
          branchCode: actingBranch(actor),
          targetBranchCode: input.branchCode,
          counterpartOrgId: null,
          counterpart: '',
          occurredAt: now,
          outcome: 'success',
          note: input.note,
          createdBy: actor.userId,
          createdAt: now,
        });
        await tx.audit(
          auditEntry(actor, undefined, {
            entity: 'incident',
            entityId: String(id),
            action: 'reassign',
            incidentId: id,
            before: pick(current, ['branchCode', 'assigneeId', 'state', 'version']),
            after: {
              ...pick(updated, ['branchCode', 'assigneeId', 'state', 'version']),
              actionId: action.id,
            },
          }),
        );
        return { incident: withOverdue(updated), action };
      });
      return out;
    },

    async merge(actor, rawInput) {
      const input = parseInput(mergeInputSchema, rawInput, 'merge');
      requirePermission(actor, 'incident.merge');
      const scope = scopeOf(actor);
      try {
        return await incidents.transaction(async (tx) => {
          const survivor = await tx.findIncident(scope, input.survivorId);
          if (!survivor) throw new HiddenIncident(input.survivorId);
          const merged: IncidentRecord[] = [];
          for (const mid of input.mergedIds) {
            const m = await tx.findIncident(scope, mid);
            if (!m) throw new HiddenIncident(mid);
            merged.push(m);
          }
          if (survivor.state === 'merged') {
            throw conflict(`incident ${survivor.id} was itself merged into ${survivor.mergedIntoId}`);
          }
          for (const m of merged) assertTransition(m.state, 'merged');
          const now = nowIso();
          const movedReportIds = await tx.moveReports(input.mergedIds, survivor.id);
          const mergedOut: Incident[] = [];
          let tlp = survivor.tlp;
          const redMembers = new Set(await tx.listRedUsers(survivor.id));
          for (const m of merged) {
            const updated = await write(tx, m, { state: 'merged', mergedIntoId: survivor.id, closedAt: now });
            tlp = mostRestrictive(tlp, m.tlp);
            if (m.tlp === 'red') for (const u of await tx.listRedUsers(m.id)) redMembers.add(u);
            await tx.audit(
              auditEntry(actor, undefined, {
                entity: 'incident',
                entityId: String(m.id),
                action: 'merge',
                incidentId: m.id,
                before: pick(m, ['state', 'mergedIntoId', 'closedAt', 'version']),
                after: pick(updated, ['state', 'mergedIntoId', 'closedAt', 'version']),
              }),
            );
            mergedOut.push(withOverdue(updated));
          }
          // The survivor now holds the merged reports: it takes the most restrictive TLP among them.
          const survivorChanges: IncidentChanges = tlp !== survivor.tlp ? { tlp } : {};
          const updatedSurvivor = await write(tx, survivor, survivorChanges);
          if (tlp === 'red') {
            if (survivor.tlp !== 'red' && actor.userId !== null) redMembers.add(actor.userId);
            await tx.setRedUsers(survivor.id, [...redMembers]);
          }
          await tx.audit(
            auditEntry(actor, undefined, {
              entity: 'incident',
              entityId: String(survivor.id),
              action: 'merge',
              incidentId: survivor.id,
              before: pick(survivor, ['tlp', 'version']),
              after: {
                ...pick(updatedSurvivor, ['tlp', 'version']),
                mergedIds: input.mergedIds,
                movedReportIds,
              },
            }),
          );
          return { survivor: withOverdue(updatedSurvivor), merged: mergedOut, movedReportIds };
        });
      } catch (e) {
        if (e instanceof HiddenIncident) return hidden(actor, e.incidentId, 'merge');
        throw e;
      }
    },

    async setRedUsers(actor, id, rawInput) {
      const input = parseInput(redUsersInputSchema, rawInput, 'TLP:RED list');
      requirePermission(actor, 'incident.write');
      for (const [i, u] of input.userIds.entries()) {
        if (!(await incidents.findUser(u))) throw fieldError(`userIds.${i}`, `no user ${u}`);
      }
      return mutate(actor, id, 'red_users', async (tx, current) => {
        const before = await tx.listRedUsers(id);
        await tx.setRedUsers(id, input.userIds);
        const after = await tx.listRedUsers(id);
        await write(tx, current, {});
        await tx.audit(
          auditEntry(actor, undefined, {
            entity: 'incident',
            entityId: String(id),
            action: 'red_users',
            incidentId: id,
            before: { redUserIds: before },
            after: { redUserIds: after },
          }),
        );
        return after;
      });
    },

    async addAction(actor, incidentId, rawInput) {
      const input = parseInput(addActionInputSchema, rawInput, 'action');
      requirePermission(actor, 'incident.write');
      if (input.counterpartOrgId != null && !(await incidents.organisationExists(input.counterpartOrgId))) {
        throw fieldError('counterpartOrgId', `no organisation ${input.counterpartOrgId}`);
      }
      return mutate(actor, incidentId, 'add_action', async (tx, current) => {
        if (current.state === 'merged') {
          throw conflict(`incident ${incidentId} was merged into ${current.mergedIntoId}; act on that one`);
        }
        const now = nowIso();
        const action = await tx.insertAction({
          incidentId,
          kind: input.kind,
          branchCode: actingBranch(actor),
          targetBranchCode: null,
          counterpartOrgId: input.counterpartOrgId ?? null,
          counterpart: input.counterpart,
          occurredAt: input.occurredAt ?? now,
          outcome: input.outcome,
          note: input.note,
          createdBy: actor.userId,
          createdAt: now,
        });
        await tx.touchIncident(incidentId, now);
        await tx.audit(
          auditEntry(actor, undefined, {
            entity: 'action',
            entityId: String(action.id),
            action: 'create',
            incidentId,
            before: null,
            after: action,
          }),
        );
        return action;
      });
    },

    async updateAction(actor, incidentId, actionId, rawInput) {
      const input = parseInput(updateActionInputSchema, rawInput, 'action change');
      requirePermission(actor, 'incident.write');
      return mutate(actor, incidentId, 'update_action', async (tx) => {
        const current = await tx.findAction(incidentId, actionId);
        if (!current) throw notFound(`action ${actionId} of incident ${incidentId}`);
        const updated = await tx.updateAction(actionId, { outcome: input.outcome, note: input.note });
        await tx.touchIncident(incidentId, nowIso());
        await tx.audit(
          auditEntry(actor, undefined, {
            entity: 'action',
            entityId: String(actionId),
            action: 'update',
            incidentId,
            before: { outcome: current.outcome, note: current.note },
            after: { outcome: updated.outcome, note: updated.note },
          }),
        );
        return updated;
      });
    },

    async listAudit(actor, incidentId, page = {}) {
      requirePermission(actor, 'audit.read');
      await visibleIncident(actor, incidentId, 'audit');
      const limit = page.limit ?? 100;
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw fieldError('limit', 'must be 1–500');
      return audit.list({
        incidentId,
        limit,
        ...(page.beforeId !== undefined ? { beforeId: page.beforeId } : {}),
      });
    },

    async searchIncidents(actor, rawQuery) {
      requirePermission(actor, 'incident.read');
      const q = parseInput(incidentQuerySchema, rawQuery, 'search');
      const page = await incidents.searchIncidents(scopeOf(actor), q, nowIso());
      return { ...page, items: page.items.map(withOverdue) };
    },

    async exportIncidents(actor, rawQuery) {
      requirePermission(actor, 'incident.read');
      const parsed = parseInput(incidentQuerySchema, rawQuery, 'export');
      const q: IncidentQuery = { ...parsed, limit: MAX_PAGE_SIZE, offset: undefined, cursor: undefined };
      const scope = scopeOf(actor);
      const now = nowIso();
      // Validate filters (observable, dates) before anything is streamed: a bad one is a clean 400.
      const first = await incidents.searchIncidents(scope, q, now);
      await audit.record(
        auditEntry(actor, undefined, {
          entity: 'incident',
          entityId: '*',
          action: 'export',
          incidentId: null,
          before: null,
          after: { query: rawQuery, total: first.total, totalIsLowerBound: first.totalIsLowerBound },
        }),
      );
      async function* rows(): AsyncGenerator<Incident> {
        let page = first;
        for (;;) {
          for (const r of page.items) yield withOverdue(r);
          if (!page.nextCursor) return;
          page = await incidents.searchIncidents(scope, { ...q, cursor: page.nextCursor }, now);
        }
      }
      return rows();
    },
  };
  return service;
}
