import {
  sql,
  type Expression,
  type ExpressionBuilder,
  type Kysely,
  type Selectable,
  type SqlBool,
  type Transaction,
} from 'kysely';
import type { Scope } from '../../core/auth/actor.ts';
import type { Role } from '../../core/auth/roles.ts';
import type { ActionKind, ActionOutcome } from '../../core/incidents/actions.ts';
import type { Category } from '../../core/incidents/categories.ts';
import type {
  IncidentAction,
  Report,
  ReportChannel,
  ReporterType,
  StoredObservable,
} from '../../core/incidents/incident.ts';
import type { ObservableKind } from '../../core/incidents/observables.ts';
import {
  COUNT_CAP,
  matchObservable,
  observableKeys,
  type IncidentQuery,
  type Page,
} from '../../core/incidents/search-query.ts';
import type { Severity, Tlp } from '../../core/incidents/severity.ts';
import { INCIDENT_STATES, OPEN_STATES, type IncidentState } from '../../core/incidents/states.ts';
import { invalidInput } from '../../core/shared/errors.ts';
import type {
  IncidentChanges,
  IncidentRecord,
  IncidentsPort,
  IncidentsTx,
  NewAttachment,
  NewObservable,
  NewReportRecord,
  ReportStatusRecord,
  StateChangeRecord,
  UserRef,
} from '../../services/ports.ts';
import { dialectOf, type Dialect } from '../database.ts';
import type { ActionsTable, DB, IncidentsTable, ReportsTable } from '../schema.ts';
import { insertAudit } from './audit.repository.ts';
import { isTrackingNumberTaken } from '../tracking-numbers.ts';
import { TrackingNumberTaken } from '../../services/ports/incidents.port.ts';

type Executor = Kysely<DB> | Transaction<DB>;
type IncidentEb = ExpressionBuilder<DB, 'incidents'>;

// ---------------------------------------------------------------------------------------------
// Row mapping
// ---------------------------------------------------------------------------------------------

const num = (v: number | string): number => Number(v);
const numOrNull = (v: number | string | null): number | null => (v === null ? null : Number(v));

function toIncident(r: Selectable<IncidentsTable>): IncidentRecord {
  return {
    id: num(r.id),
    title: r.title,
    description: r.description,
    category: r.category as Category,
    rsit: r.rsit,
    scanning: Number(r.scanning) === 1,
    severity: r.severity as Severity,
    tlp: r.tlp as Tlp,
    branchCode: r.branch_code,
    assigneeId: numOrNull(r.assignee_id),
    state: r.state as IncidentState,
    mergedIntoId: numOrNull(r.merged_into_id),
    openedAt: r.opened_at,
    dueAt: r.due_at,
    triagedAt: r.triaged_at,
    resolvedAt: r.resolved_at,
    closedAt: r.closed_at,
    createdBy: numOrNull(r.created_by),
    updatedAt: r.updated_at,
    version: num(r.version),
  };
}

const CHANGE_COLUMNS: Record<keyof IncidentChanges, keyof IncidentsTable> = {
  title: 'title',
  description: 'description',
  category: 'category',
  rsit: 'rsit',
  scanning: 'scanning',
  severity: 'severity',
  tlp: 'tlp',
  branchCode: 'branch_code',
  assigneeId: 'assignee_id',
  state: 'state',
  mergedIntoId: 'merged_into_id',
  dueAt: 'due_at',
  triagedAt: 'triaged_at',
  resolvedAt: 'resolved_at',
  closedAt: 'closed_at',
};

function parseJson(text: string | null): Record<string, unknown> {
  if (!text) return {};
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function toReport(r: Selectable<ReportsTable>, attachments: Report['attachments']): Report {
  return {
    id: num(r.id),
    trackingNumber: r.tracking_number,
    channel: r.channel as ReportChannel,
    reporter: {
      type: r.reporter_type as ReporterType,
      name: r.reporter_name,
      email: r.reporter_email,
      phone: r.reporter_phone,
      orgId: numOrNull(r.reporter_org_id),
    },
    receivedAt: r.received_at,
    subject: r.subject,
    description: r.description,
    category: r.category as Category,
    incidentId: numOrNull(r.incident_id),
    language: r.language,
    meta: parseJson(r.meta),
    createdBy: numOrNull(r.created_by),
    createdAt: r.created_at,
    attachments,
  };
}

function toAction(r: Selectable<ActionsTable>): IncidentAction {
  return {
    id: num(r.id),
    incidentId: num(r.incident_id),
    kind: r.kind as ActionKind,
    branchCode: r.branch_code,
    targetBranchCode: r.target_branch_code,
    counterpartOrgId: numOrNull(r.counterpart_org_id),
    counterpart: r.counterpart,
    occurredAt: r.occurred_at,
    outcome: r.outcome as ActionOutcome,
    note: r.note,
    createdBy: numOrNull(r.created_by),
    createdAt: r.created_at,
  };
}

// ---------------------------------------------------------------------------------------------
// Scope and filters (all in SQL)
// ---------------------------------------------------------------------------------------------

/**
 * The access rule as a WHERE term on `incidents`: the scope's branch only; TLP:RED only for users
 * named in incident_red_users, unless the scope is unrestricted.
 *
 * RED is written as "not one of the RED incidents this user is not named on": that set is small
 * and comes from the partial index on RED incidents, so the term needs no column of the row
 * itself and count queries stay index-only. (`'red'` is a literal: SQLite matches partial index
 * terms textually.)
 */
function scopeTerm(eb: IncidentEb, scope: Scope): Expression<SqlBool> {
  const terms: Expression<SqlBool>[] = [];
  if (scope.branchCode !== null) terms.push(eb('incidents.branch_code', '=', scope.branchCode));
  if (!scope.unrestricted) {
    const hiddenRed =
      scope.userId === null
        ? sql`(select hr.id from incidents hr where hr.tlp = 'red')`
        : sql`(select hr.id from incidents hr where hr.tlp = 'red' and not exists
            (select 1 from incident_red_users ru where ru.incident_id = hr.id and ru.user_id = ${scope.userId}))`;
    terms.push(sql<SqlBool>`${sql.ref('incidents.id')} not in ${hiddenRed}`);
  }
  return eb.and(terms);
}

/**
 * `state in ('a', 'b')` with literals in INCIDENT_STATES order: SQLite uses the partial indexes
 * over open incidents only when the query repeats their WHERE term exactly. Values are enum-checked.
 */
function stateListSql(states: readonly IncidentState[]) {
  const ordered = INCIDENT_STATES.filter((s) => states.includes(s));
  if (ordered.length === 0) return sql<SqlBool>`1 = 0`;
  return sql<SqlBool>`state in (${sql.raw(ordered.map((s) => `'${s}'`).join(', '))})`;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function likeSql(dialect: Dialect, column: string, pattern: string) {
  return sql<SqlBool>`${sql.ref(column)} ${sql.raw(dialect === 'postgres' ? 'ilike' : 'like')} ${pattern} escape '\\'`;
}

const SEVERITY_RANK = sql<number>`case incidents.severity when 'critical' then 3 when 'high' then 2 when 'medium' then 1 else 0 end`;
/**
 * The term of the partial index over observables by value (migration 0013), literal: SQLite uses a
 * partial index only when the query repeats its term. IP addresses are searched by `ip_key`.
 */
const valueKindsSql = (alias: string) => sql.raw(`${alias}.kind not in ('ipv4', 'ipv6')`);

const DUE_KEY = sql<string>`coalesce(incidents.due_at, '9999-12-31T23:59:59.999Z')`;

interface Cursor {
  s: IncidentQuery['sort'];
  o: IncidentQuery['order'];
  v: string | number;
  id: number;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');
}

function decodeCursor(text: string, q: IncidentQuery): Cursor {
  const bad = () =>
    invalidInput('cursor: not a cursor of this search (use nextCursor of the previous page)', [
      { field: 'cursor', message: 'invalid or from a different sort order' },
    ]);
  let c: unknown;
  try {
    c = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (typeof c !== 'object' || c === null) throw bad();
  const { s, o, v, id } = c as Partial<Cursor>;
  if (s !== q.sort || o !== q.order || !Number.isSafeInteger(id)) throw bad();
  const numeric = q.sort === 'id' || q.sort === 'severity';
  if (numeric ? !Number.isSafeInteger(v) : typeof v !== 'string' || v.length > 40) throw bad();
  return { s, o, v: v as string | number, id: id as number };
}

function sortValue(r: IncidentRecord, sort: IncidentQuery['sort']): string | number {
  switch (sort) {
    case 'id':
      return r.id;
    case 'opened_at':
      return r.openedAt;
    case 'due_at':
      return r.dueAt ?? '9999-12-31T23:59:59.999Z';
    case 'severity':
      return ['low', 'medium', 'high', 'critical'].indexOf(r.severity);
  }
}

function sortExpression(sort: IncidentQuery['sort']) {
  switch (sort) {
    case 'id':
      return sql.ref('incidents.id');
    case 'opened_at':
      return sql.ref('incidents.opened_at');
    case 'due_at':
      return DUE_KEY;
    case 'severity':
      return SEVERITY_RANK;
  }
}

// ---------------------------------------------------------------------------------------------
// Repository
// ---------------------------------------------------------------------------------------------

export function createIncidentsRepository(db: Kysely<DB>): IncidentsPort {
  const dialect = dialectOf(db);

  function findIncidentWith(ex: Executor, scope: Scope, id: number, forUpdate: boolean) {
    let q = ex
      .selectFrom('incidents')
      .selectAll('incidents')
      .where('incidents.id', '=', id)
      .where((eb) => scopeTerm(eb, scope));
    if (forUpdate && dialect === 'postgres') q = q.forUpdate();
    return q.executeTakeFirst().then((r) => (r ? toIncident(r) : null));
  }

  async function attachmentsOf(
    ex: Executor,
    reportIds: number[],
  ): Promise<Map<number, Report['attachments']>> {
    const out = new Map<number, Report['attachments']>();
    if (reportIds.length === 0) return out;
    const rows = await ex
      .selectFrom('attachments')
      .select(['id', 'report_id', 'filename', 'content_type', 'size', 'sha256'])
      .where('report_id', 'in', reportIds)
      .orderBy('id')
      .execute();
    for (const a of rows) {
      const list = out.get(num(a.report_id)) ?? [];
      list.push({
        id: num(a.id),
        filename: a.filename,
        contentType: a.content_type,
        size: Number(a.size),
        sha256: a.sha256,
      });
      out.set(num(a.report_id), list);
    }
    return out;
  }

  async function reportsWithAttachments(ex: Executor, rows: Selectable<ReportsTable>[]): Promise<Report[]> {
    const atts = await attachmentsOf(
      ex,
      rows.map((r) => num(r.id)),
    );
    return rows.map((r) => toReport(r, atts.get(num(r.id)) ?? []));
  }

  async function listRedUsersWith(ex: Executor, incidentId: number): Promise<number[]> {
    const rows = await ex
      .selectFrom('incident_red_users')
      .select('user_id')
      .where('incident_id', '=', incidentId)
      .orderBy('user_id')
      .execute();
    return rows.map((r) => num(r.user_id));
  }

  async function findUserWith(ex: Executor, id: number): Promise<UserRef | null> {
    const row = await ex
      .selectFrom('users')
      .select(['id', 'username', 'role', 'branch_code', 'disabled'])
      .where('id', '=', id)
      .executeTakeFirst();
    return row
      ? {
          id: num(row.id),
          username: row.username,
          role: row.role as Role,
          branchCode: row.branch_code,
          disabled: Number(row.disabled) === 1,
        }
      : null;
  }

  /** Every filter of the query except paging, on a scoped `incidents` select. */
  function filteredBase(scope: Scope, q: IncidentQuery, now: string) {
    let base = db.selectFrom('incidents').where((eb) => scopeTerm(eb, scope));
    if (q.ids?.length) base = base.where('incidents.id', 'in', q.ids);
    if (q.states?.length) base = base.where(stateListSql(q.states));
    if (q.overdue) base = base.where(stateListSql(OPEN_STATES)).where('incidents.due_at', '<', now);
    if (q.categories?.length) base = base.where('incidents.category', 'in', q.categories);
    if (q.branchCodes?.length) base = base.where('incidents.branch_code', 'in', q.branchCodes);
    if (q.severities?.length) base = base.where('incidents.severity', 'in', q.severities);
    if (q.tlps?.length) base = base.where('incidents.tlp', 'in', q.tlps);
    if (q.assigneeId === 'none') base = base.where('incidents.assignee_id', 'is', null);
    else if (q.assigneeId !== undefined) base = base.where('incidents.assignee_id', '=', q.assigneeId);
    if (q.openedFrom) base = base.where('incidents.opened_at', '>=', q.openedFrom);
    if (q.openedTo) base = base.where('incidents.opened_at', '<', q.openedTo);
    if (q.resolvedFrom) base = base.where('incidents.resolved_at', '>=', q.resolvedFrom);
    if (q.resolvedTo) base = base.where('incidents.resolved_at', '<', q.resolvedTo);
    if (q.text) {
      const p = `%${escapeLike(q.text)}%`;
      if (dialect === 'postgres') {
        // A union of two lookups the trigram indexes answer, instead of an OR with a correlated
        // EXISTS, which would force a scan of every incident.
        base = base.where(
          'incidents.id',
          'in',
          sql<number>`(select ti.id from incidents ti where ${likeSql(dialect, 'ti.title', p)} or ${likeSql(dialect, 'ti.description', p)}
            union select tr.incident_id from reports tr where tr.incident_id is not null and (${likeSql(dialect, 'tr.subject', p)} or ${likeSql(dialect, 'tr.description', p)}))`,
        );
      } else {
        // No substring index in SQLite: test row by row in the page's order, so a page stops as
        // soon as it is full instead of materialising every match first.
        base = base.where((eb) =>
          eb.or([
            likeSql(dialect, 'incidents.title', p),
            likeSql(dialect, 'incidents.description', p),
            eb.exists(
              eb
                .selectFrom('reports as tr')
                .select(sql.lit(1).as('one'))
                .whereRef('tr.incident_id', '=', 'incidents.id')
                .where(
                  sql<SqlBool>`(${likeSql(dialect, 'tr.subject', p)} or ${likeSql(dialect, 'tr.description', p)})`,
                ),
            ),
          ]),
        );
      }
    }
    if (q.observable) {
      const m = matchObservable(q.observable);
      if (m.by === 'ip') {
        base = base.where(
          'incidents.id',
          'in',
          m.start === m.end
            ? sql<number>`(select o.incident_id from observables o where o.ip_key = ${m.start})`
            : sql<number>`(select o.incident_id from observables o where o.ip_key between ${m.start} and ${m.end})`,
        );
      } else if (m.by === 'domain') {
        const exact = m.start.slice(0, -1).split('.').reverse().join('.');
        base = base.where(
          'incidents.id',
          'in',
          sql<number>`(select o.incident_id from observables o where o.domain_key >= ${m.start} and o.domain_key < ${m.end}
            union select o2.incident_id from observables o2 where o2.kind = 'domain' and o2.value = ${exact} and ${valueKindsSql('o2')})`,
        );
      } else {
        base = base.where(
          'incidents.id',
          'in',
          sql<number>`(select o.incident_id from observables o where o.kind = ${m.kind} and o.value = ${m.value} and ${valueKindsSql('o')})`,
        );
      }
    }
    return base;
  }

  async function insertObservables(
    ex: Executor,
    reportId: number,
    incidentId: number | null,
    list: NewObservable[],
  ) {
    const seen = new Set<string>();
    const rows = [];
    for (const o of list) {
      const key = `${o.kind}\u0000${o.value}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const keys = observableKeys(o.kind, o.value);
      rows.push({
        report_id: reportId,
        incident_id: incidentId,
        kind: o.kind,
        value: o.value,
        ip_key: keys.ipKey,
        domain_key: keys.domainKey,
      });
    }
    for (let i = 0; i < rows.length; i += 500) {
      await ex
        .insertInto('observables')
        .values(rows.slice(i, i + 500))
        .execute();
    }
  }

  function makeTx(trx: Transaction<DB>): IncidentsTx {
    return {
      findIncident: (scope, id) => findIncidentWith(trx, scope, id, true),

      async insertIncident(r) {
        const row = await trx
          .insertInto('incidents')
          .values({
            title: r.title,
            description: r.description,
            category: r.category,
            rsit: r.rsit,
            scanning: r.scanning ? 1 : 0,
            severity: r.severity,
            tlp: r.tlp,
            branch_code: r.branchCode,
            assignee_id: r.assigneeId,
            state: r.state,
            merged_into_id: null,
            opened_at: r.openedAt,
            due_at: r.dueAt,
            triaged_at: r.triagedAt,
            resolved_at: null,
            closed_at: null,
            created_by: r.createdBy,
            updated_at: r.updatedAt,
            version: 1,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toIncident(row);
      },

      async updateIncident(id, expectedVersion, changes, updatedAt) {
        const set: Record<string, unknown> = { updated_at: updatedAt, version: expectedVersion + 1 };
        for (const [k, v] of Object.entries(changes) as [keyof IncidentChanges, unknown][]) {
          if (v === undefined) continue;
          set[CHANGE_COLUMNS[k]] = k === 'scanning' ? (v ? 1 : 0) : v;
        }
        const row = await trx
          .updateTable('incidents')
          .set(set)
          .where('id', '=', id)
          .where('version', '=', expectedVersion)
          .returningAll()
          .executeTakeFirst();
        return row ? toIncident(row) : null;
      },

      async touchIncident(id, updatedAt) {
        await trx.updateTable('incidents').set({ updated_at: updatedAt }).where('id', '=', id).execute();
      },

      async insertReport(r: NewReportRecord, attachments: NewAttachment[], observables: NewObservable[]) {
        const row = await (async () => {
          try {
            return await trx
              .insertInto('reports')
              .values({
                tracking_number: r.trackingNumber,
                status_secret_hash: r.statusSecretHash,
                channel: r.channel,
                reporter_type: r.reporterType,
                reporter_name: r.reporterName,
                reporter_email: r.reporterEmail,
                reporter_phone: r.reporterPhone,
                reporter_org_id: r.reporterOrgId,
                received_at: r.receivedAt,
                subject: r.subject,
                description: r.description,
                category: r.category,
                incident_id: r.incidentId,
                language: r.language,
                meta: JSON.stringify(r.meta),
                created_by: r.createdBy,
                created_at: r.createdAt,
              })
              .returningAll()
              .executeTakeFirstOrThrow();
          } catch (e) {
            if (isTrackingNumberTaken(e)) throw new TrackingNumberTaken(r.trackingNumber);
            throw e;
          }
        })();
        const reportId = num(row.id);
        const infos: Report['attachments'] = [];
        for (const a of attachments) {
          const ins = await trx
            .insertInto('attachments')
            .values({
              report_id: reportId,
              filename: a.filename,
              content_type: a.contentType,
              size: a.size,
              sha256: a.sha256,
              content: Buffer.from(a.content),
              created_at: r.createdAt,
            })
            .returning('id')
            .executeTakeFirstOrThrow();
          infos.push({
            id: num(ins.id),
            filename: a.filename,
            contentType: a.contentType,
            size: a.size,
            sha256: a.sha256,
          });
        }
        await insertObservables(trx, reportId, r.incidentId, observables);
        return toReport(row, infos);
      },

      async moveReports(fromIds, toId) {
        if (fromIds.length === 0) return [];
        const rows = await trx
          .selectFrom('reports')
          .select('id')
          .where('incident_id', 'in', fromIds)
          .orderBy('id')
          .execute();
        await trx
          .updateTable('reports')
          .set({ incident_id: toId })
          .where('incident_id', 'in', fromIds)
          .execute();
        await trx
          .updateTable('observables')
          .set({ incident_id: toId })
          .where('incident_id', 'in', fromIds)
          .execute();
        return rows.map((r) => num(r.id));
      },

      async insertAction(a) {
        const row = await trx
          .insertInto('actions')
          .values({
            incident_id: a.incidentId,
            kind: a.kind,
            branch_code: a.branchCode,
            target_branch_code: a.targetBranchCode,
            counterpart_org_id: a.counterpartOrgId,
            counterpart: a.counterpart,
            occurred_at: a.occurredAt,
            outcome: a.outcome,
            note: a.note,
            created_by: a.createdBy,
            created_at: a.createdAt,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toAction(row);
      },

      async findAction(incidentId, actionId) {
        const row = await trx
          .selectFrom('actions')
          .selectAll()
          .where('id', '=', actionId)
          .where('incident_id', '=', incidentId)
          .executeTakeFirst();
        return row ? toAction(row) : null;
      },

      async updateAction(actionId, changes) {
        const row = await trx
          .updateTable('actions')
          .set({ outcome: changes.outcome, ...(changes.note !== undefined ? { note: changes.note } : {}) })
          .where('id', '=', actionId)
          .returningAll()
          .executeTakeFirstOrThrow();
        return toAction(row);
      },

      listRedUsers: (incidentId) => listRedUsersWith(trx, incidentId),

      async setRedUsers(incidentId, userIds) {
        await trx.deleteFrom('incident_red_users').where('incident_id', '=', incidentId).execute();
        const unique = [...new Set(userIds)];
        if (unique.length > 0) {
          await trx
            .insertInto('incident_red_users')
            .values(unique.map((u) => ({ incident_id: incidentId, user_id: u })))
            .execute();
        }
      },

      findUser: (id) => findUserWith(trx, id),

      audit: (entry) => insertAudit(trx, entry),
    };
  }

  return {
    transaction: (fn) => db.transaction().execute((trx) => fn(makeTx(trx))),

    findIncident: (scope, id) => findIncidentWith(db, scope, id, false),

    async incidentExists(id) {
      const row = await db.selectFrom('incidents').select('id').where('id', '=', id).executeTakeFirst();
      return row !== undefined;
    },

    async searchIncidents(scope, q, now): Promise<Page<IncidentRecord>> {
      const base = filteredBase(scope, q, now);
      const expr = sortExpression(q.sort);
      const dir = q.order;
      // The page's ids first, from the filter alone (index-only where an index holds the filter
      // columns), then those rows: only the page's rows are ever read from the table.
      let ids = base.select('incidents.id');
      if (q.cursor) {
        const c = decodeCursor(q.cursor, q);
        const op = sql.raw(dir === 'desc' ? '<' : '>');
        ids =
          q.sort === 'id'
            ? ids.where('incidents.id', dir === 'desc' ? '<' : '>', c.id)
            : ids.where(sql<SqlBool>`(${expr}, incidents.id) ${op} (${c.v}, ${c.id})`);
      }
      ids =
        q.sort === 'id'
          ? ids.orderBy('incidents.id', dir)
          : ids.orderBy(expr, dir).orderBy('incidents.id', dir);
      ids = ids.limit(q.limit + 1);
      if (!q.cursor && q.offset) ids = ids.offset(q.offset);
      let page = db.selectFrom('incidents').selectAll('incidents').where('incidents.id', 'in', ids);
      page =
        q.sort === 'id'
          ? page.orderBy('incidents.id', dir)
          : page.orderBy(expr, dir).orderBy('incidents.id', dir);
      const rows = await page.execute();
      const items = rows.slice(0, q.limit).map(toIncident);
      const last = items[items.length - 1];
      const hasMore = rows.length > q.limit;

      let n: number;
      if (!hasMore && !q.cursor && (items.length > 0 || !q.offset)) {
        // The first page holds every match: no count query needed.
        n = (q.offset ?? 0) + items.length;
      } else {
        // Capped count: walks at most COUNT_CAP + 1 index entries, never the whole table.
        const counted = await db
          .selectFrom(
            base
              .select(sql.lit(1).as('one'))
              .limit(COUNT_CAP + 1)
              .as('capped'),
          )
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        n = Number(counted.n);
      }
      return {
        items,
        total: Math.min(n, COUNT_CAP),
        totalIsLowerBound: n > COUNT_CAP,
        nextCursor:
          hasMore && last
            ? encodeCursor({ s: q.sort, o: q.order, v: sortValue(last, q.sort), id: last.id })
            : null,
      };
    },

    async findReport(scope, id) {
      const row = await db
        .selectFrom('reports')
        .leftJoin('incidents', 'incidents.id', 'reports.incident_id')
        .selectAll('reports')
        .where('reports.id', '=', id)
        .where((eb) => {
          const visible = scopeTerm(eb as unknown as IncidentEb, scope);
          const unattached =
            scope.branchCode === null ? eb('reports.incident_id', 'is', null) : sql<SqlBool>`1 = 0`;
          return eb.or([unattached, eb.and([eb('incidents.id', 'is not', null), visible])]);
        })
        .executeTakeFirst();
      if (!row) return null;
      const [report] = await reportsWithAttachments(db, [row]);
      return report ?? null;
    },

    async readAttachment(reportId, attachmentId) {
      const row = await db
        .selectFrom('attachments')
        .select(['filename', 'content_type', 'sha256', 'content'])
        .where('id', '=', attachmentId)
        .where('report_id', '=', reportId)
        .executeTakeFirst();
      if (!row) return null;
      return {
        filename: row.filename,
        contentType: row.content_type,
        sha256: row.sha256,
        content: new Uint8Array(row.content),
      };
    },

    async reportExists(id) {
      const row = await db.selectFrom('reports').select('id').where('id', '=', id).executeTakeFirst();
      return row !== undefined;
    },

    async findReportStatus(trackingNumber): Promise<ReportStatusRecord | null> {
      const row = await db
        .selectFrom('reports')
        .leftJoin('incidents', 'incidents.id', 'reports.incident_id')
        .select([
          'reports.tracking_number',
          'reports.status_secret_hash',
          'reports.received_at',
          'reports.created_at',
          'reports.category',
          'incidents.id as incident_id',
          'incidents.state',
          'incidents.category as incident_category',
          'incidents.updated_at',
        ])
        .where('reports.tracking_number', '=', trackingNumber)
        .executeTakeFirst();
      if (!row) return null;
      return {
        trackingNumber: row.tracking_number,
        statusSecretHash: row.status_secret_hash,
        receivedAt: row.received_at,
        createdAt: row.created_at,
        category: row.category as Category,
        incident:
          row.incident_id === null || row.state === null
            ? null
            : {
                state: row.state as IncidentState,
                category: row.incident_category as Category,
                updatedAt: row.updated_at ?? row.created_at,
              },
      };
    },

    async listReports(incidentId) {
      const rows = await db
        .selectFrom('reports')
        .selectAll()
        .where('incident_id', '=', incidentId)
        .orderBy('received_at')
        .orderBy('id')
        .execute();
      return reportsWithAttachments(db, rows);
    },

    async listObservables(incidentId): Promise<StoredObservable[]> {
      const rows = await db
        .selectFrom('observables')
        .select(['id', 'kind', 'value', 'report_id', 'incident_id'])
        .where('incident_id', '=', incidentId)
        .orderBy('id')
        .execute();
      return rows.map((r) => ({
        id: num(r.id),
        kind: r.kind as ObservableKind,
        value: r.value,
        reportId: numOrNull(r.report_id),
        incidentId: numOrNull(r.incident_id),
      }));
    },

    async listActions(incidentId) {
      const rows = await db
        .selectFrom('actions')
        .selectAll()
        .where('incident_id', '=', incidentId)
        .orderBy('occurred_at')
        .orderBy('id')
        .execute();
      return rows.map(toAction);
    },

    listRedUsers: (incidentId) => listRedUsersWith(db, incidentId),

    async listStateChanges(incidentId): Promise<StateChangeRecord[]> {
      const rows = await db
        .selectFrom('audit_log')
        .select(['at', 'actor', 'before', 'after'])
        .where('incident_id', '=', incidentId)
        .where('entity', '=', 'incident')
        .where('entity_id', '=', String(incidentId))
        .orderBy('id')
        .execute();
      const out: StateChangeRecord[] = [];
      for (const r of rows) {
        const before = parseJson(r.before).state;
        const after = parseJson(r.after).state;
        if (typeof after !== 'string' || after === before) continue;
        out.push({
          at: r.at,
          actor: r.actor,
          from: typeof before === 'string' ? (before as IncidentState) : null,
          to: after as IncidentState,
        });
      }
      return out;
    },

    findUser: (id) => findUserWith(db, id),
    async branchExists(code) {
      const row = await db.selectFrom('branches').select('code').where('code', '=', code).executeTakeFirst();
      return row !== undefined;
    },

    async organisationExists(id) {
      const row = await db.selectFrom('organisations').select('id').where('id', '=', id).executeTakeFirst();
      return row !== undefined;
    },
  };
}
