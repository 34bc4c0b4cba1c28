import { sql, type ExpressionBuilder, type Kysely, type Selectable } from 'kysely';
import type { Scope } from '../../core/auth/actor.ts';
import type { EventSearch, EventsQueryPort, StoredEvent } from '../../services/ports.ts';
import type { DB, EventsTable } from '../schema.ts';

function num(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

function parseJson(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function toStoredEvent(r: Selectable<EventsTable>): StoredEvent {
  return {
    id: Number(r.id),
    rawReportId: Number(r.raw_report_id),
    line: Number(r.line),
    feed: r.feed,
    classificationTaxonomy: r.classification_taxonomy,
    classificationType: r.classification_type,
    classificationIdentifier: r.classification_identifier,
    timeSource: r.time_source,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    count: Number(r.count),
    source: {
      ip: r.source_ip,
      port: num(r.source_port),
      asn: num(r.source_asn),
      asName: r.source_as_name,
      cc: r.source_cc,
      province: r.source_province,
      city: r.source_city,
      branch: r.source_branch,
      fqdn: r.source_fqdn,
      url: r.source_url,
      orgId: num(r.source_org_id),
    },
    destination: {
      ip: r.destination_ip,
      port: num(r.destination_port),
      asn: num(r.destination_asn),
      asName: null,
      cc: r.destination_cc,
      province: r.destination_province,
      city: null,
      branch: r.destination_branch,
      fqdn: r.destination_fqdn,
      url: r.destination_url,
      orgId: num(r.destination_org_id),
    },
    malwareName: r.malware_name,
    malwareFamily: r.malware_family,
    protocolTransport: r.protocol_transport,
    protocolApplication: r.protocol_application,
    fields: parseJson(r.fields),
    extra: parseJson(r.extra),
    createdAt: r.created_at,
  };
}

type Eb = ExpressionBuilder<DB, 'events'>;

/** A branch-scoped reader sees events whose source or destination is in the branch. */
function inScope(eb: Eb, scope: Scope) {
  if (scope.unrestricted || scope.branchCode === null) return eb.lit(true);
  return eb.or([eb('source_branch', '=', scope.branchCode), eb('destination_branch', '=', scope.branchCode)]);
}

/**
 * The event search, every filter in SQL on indexed columns (docs/pipeline.md): address keys
 * (source or destination, exact or CIDR range), source ASN, branch, classification, malware
 * (the name, or every name and alias of its catalogue family), feed, time; newest first, keyset
 * paged by id.
 */
export function createEventsQueryRepository(db: Kysely<DB>): EventsQueryPort {
  return {
    async searchEvents(scope, s: EventSearch) {
      let q = db
        .selectFrom('events')
        .selectAll()
        .where((eb) => inScope(eb, scope));
      if (s.ipKey !== undefined) {
        const k = s.ipKey;
        q = q.where((eb) => eb.or([eb('source_ip_key', '=', k), eb('destination_ip_key', '=', k)]));
      }
      if (s.range !== undefined) {
        const { start, end } = s.range;
        q = q.where((eb) =>
          eb.or([
            eb('source_ip_key', '>=', start).and('source_ip_key', '<=', end),
            eb('destination_ip_key', '>=', start).and('destination_ip_key', '<=', end),
          ]),
        );
      }
      if (s.asn !== undefined) q = q.where('source_asn', '=', s.asn);
      if (s.branch !== undefined) {
        const b = s.branch;
        q = q.where((eb) => eb.or([eb('source_branch', '=', b), eb('destination_branch', '=', b)]));
      }
      if (s.classificationType !== undefined) q = q.where('classification_type', '=', s.classificationType);
      if (s.classificationTaxonomy !== undefined)
        q = q.where('classification_taxonomy', '=', s.classificationTaxonomy);
      if (s.malware !== undefined) {
        const m = s.malware;
        q = q.where((eb) =>
          eb.or([
            eb('malware_name', '=', m),
            eb(
              'malware_name',
              'in',
              eb
                .selectFrom('malware_name_keys as k')
                .select('k.name_key')
                .where(
                  'k.family_id',
                  'in',
                  eb
                    .selectFrom('malware_name_keys as k2')
                    .select('k2.family_id')
                    .where('k2.name_key', '=', m),
                ),
            ),
          ]),
        );
      }
      if (s.feed !== undefined) q = q.where('feed', '=', s.feed);
      if (s.time !== undefined)
        q = q.where('time_source', '>=', s.time.start).where('time_source', '<', s.time.end);
      if (s.beforeId !== undefined) q = q.where('id', '<', s.beforeId);
      const rows = await q.orderBy('id', 'desc').limit(s.limit).execute();
      return rows.map(toStoredEvent);
    },

    async getEvent(scope, id) {
      const r = await db
        .selectFrom('events')
        .selectAll()
        .where('id', '=', id)
        .where((eb) => inScope(eb, scope))
        .executeTakeFirst();
      return r ? toStoredEvent(r) : null;
    },

    async listFeeds() {
      const rows = await sql<{
        feed: string;
        last_run_at: string | null;
        last_status: string | null;
        last_error: string | null;
        reports_total: number | null;
        events_total: number | null;
        errors_total: number | null;
        open_dead: number;
        report_id: number | null;
        received_at: string | null;
        state: string | null;
        file_name: string | null;
      }>`
        with names as (select feed from feed_state union select distinct feed from raw_reports),
        last_report as (select feed, max(id) as id from raw_reports group by feed),
        dead as (select feed, count(*) as n from dead_letters where retried_at is null group by feed)
        select n.feed, f.last_run_at, f.last_status, f.last_error, f.reports_total, f.events_total, f.errors_total,
          coalesce(d.n, 0) as open_dead, r.id as report_id, r.received_at, r.state, r.file_name
        from names n
        left join feed_state f on f.feed = n.feed
        left join dead d on d.feed = n.feed
        left join last_report lr on lr.feed = n.feed
        left join raw_reports r on r.id = lr.id
        order by n.feed`.execute(db);
      return rows.rows.map((r) => ({
        feed: r.feed,
        lastRunAt: r.last_run_at,
        lastStatus: r.last_status ?? '',
        lastError: r.last_error,
        reportsTotal: Number(r.reports_total ?? 0),
        eventsTotal: Number(r.events_total ?? 0),
        errorsTotal: Number(r.errors_total ?? 0),
        openDeadLetters: Number(r.open_dead),
        lastReport:
          r.report_id === null
            ? null
            : {
                id: Number(r.report_id),
                receivedAt: r.received_at!,
                state: r.state!,
                fileName: r.file_name ?? '',
              },
      }));
    },

    async listDeadLetters(query) {
      let q = db.selectFrom('dead_letters').selectAll();
      if (query.feed !== undefined) q = q.where('feed', '=', query.feed);
      if (!query.includeRetried) q = q.where('retried_at', 'is', null);
      if (query.beforeId !== undefined) q = q.where('id', '<', query.beforeId);
      const rows = await q.orderBy('id', 'desc').limit(query.limit).execute();
      return rows.map((r) => ({
        id: Number(r.id),
        rawReportId: Number(r.raw_report_id),
        feed: r.feed,
        line: Number(r.line),
        raw: r.raw,
        error: r.error,
        attempts: Number(r.attempts),
        createdAt: r.created_at,
        retriedAt: r.retried_at,
      }));
    },
  };
}
