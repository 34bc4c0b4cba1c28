import type { Scope } from '../../core/auth/actor.ts';

/** Filters of the event search (console and `GET /api/v1/events`), already validated. */
export interface EventSearch {
  /** 32-hex key of an address: source or destination is it. */
  ipKey?: string;
  /** Key range of a CIDR: source or destination inside it. */
  range?: { start: string; end: string };
  /** source.asn */
  asn?: number;
  /** source.branch or destination.branch */
  branch?: string;
  /** classification.type (IntelMQ short type, e.g. `infected-system`) */
  classificationType?: string;
  classificationTaxonomy?: string;
  /** Lower-case malware name: events with this name, or any name/alias of the catalogue family it belongs to. */
  malware?: string;
  feed?: string;
  /** time_source in [start, end) (UTC ISO) */
  time?: { start: string; end: string };
  /** Keyset paging: events with id below this. */
  beforeId?: number;
  limit: number;
}

export interface EventSide {
  ip: string | null;
  port: number | null;
  asn: number | null;
  asName: string | null;
  cc: string | null;
  province: string | null;
  city: string | null;
  branch: string | null;
  fqdn: string | null;
  url: string | null;
  orgId: number | null;
}

/** One stored event, as the console and the API show it. */
export interface StoredEvent {
  id: number;
  rawReportId: number;
  line: number;
  feed: string;
  classificationTaxonomy: string | null;
  classificationType: string | null;
  classificationIdentifier: string | null;
  timeSource: string;
  firstSeen: string;
  lastSeen: string;
  count: number;
  source: EventSide;
  destination: EventSide;
  malwareName: string | null;
  malwareFamily: string | null;
  protocolTransport: string | null;
  protocolApplication: string | null;
  /** Other harmonised fields by dotted name (`source.abuse_contact`, …). */
  fields: Record<string, unknown>;
  extra: Record<string, unknown>;
  createdAt: string;
}

/** Per feed: collector state, stored events and open dead letters, last raw report. */
export interface FeedOverview {
  feed: string;
  lastRunAt: string | null;
  lastStatus: string;
  lastError: string | null;
  reportsTotal: number;
  eventsTotal: number;
  errorsTotal: number;
  openDeadLetters: number;
  lastReport: { id: number; receivedAt: string; state: string; fileName: string } | null;
}

export interface DeadLetterRow {
  id: number;
  rawReportId: number;
  feed: string;
  line: number;
  raw: string;
  error: string;
  attempts: number;
  createdAt: string;
  retriedAt: string | null;
}

/** Read side of the event store for people: every event read takes a Scope, applied in SQL. */
export interface EventsQueryPort {
  searchEvents(scope: Scope, search: EventSearch): Promise<StoredEvent[]>;
  getEvent(scope: Scope, id: number): Promise<StoredEvent | null>;
  listFeeds(): Promise<FeedOverview[]>;
  listDeadLetters(query: {
    feed?: string;
    includeRetried?: boolean;
    beforeId?: number;
    limit: number;
  }): Promise<DeadLetterRow[]>;
}
