import type { Actor } from '../core/auth/actor.ts';
import { requirePermission, scopeOf } from '../core/auth/actor.ts';
import { seesAllBranches } from '../core/auth/roles.ts';
import { parseEventQuery, type EventQuery } from '../core/events/event-query.ts';
import { DomainError, invalidInput, notFound } from '../core/shared/errors.ts';
import type { DeadLetterRow, EventsQueryPort, FeedOverview, StoredEvent } from './ports.ts';

export interface EventPage {
  items: StoredEvent[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
  /** The filters as understood (normalised). */
  query: Record<string, string>;
}

export interface EventsQueryService {
  /** The event search (filters: core/events/event-query.ts), within the actor's branch scope, newest first. */
  searchEvents(actor: Actor, input: unknown): Promise<EventPage>;
  getEvent(actor: Actor, id: number): Promise<StoredEvent>;
  /** Feeds with their last run, events and errors (national roles). */
  listFeeds(actor: Actor): Promise<FeedOverview[]>;
  /** Lines the parsers could not read (national roles: they may hold any branch's addresses). */
  listDeadLetters(
    actor: Actor,
    query: { feed?: string; includeRetried?: boolean; cursor?: string; limit?: number },
  ): Promise<{ items: DeadLetterRow[]; nextCursor: string | null }>;
}

function requireNational(actor: Actor): void {
  requirePermission(actor, 'incident.read');
  if (actor.kind !== 'system' && !seesAllBranches(actor.role))
    throw new DomainError(
      'forbidden',
      `role ${actor.role} sees one branch; feeds and dead letters are national`,
    );
}

export function createEventsQueryService(deps: {
  events: EventsQueryPort;
  timeZone: string;
}): EventsQueryService {
  return {
    async searchEvents(actor, input) {
      requirePermission(actor, 'incident.read');
      const q: EventQuery = parseEventQuery(input, deps.timeZone);
      const { echo, limit, ...search } = q;
      const rows = await deps.events.searchEvents(scopeOf(actor), { ...search, limit: limit + 1 });
      const items = rows.slice(0, limit);
      return {
        items,
        nextCursor: rows.length > limit ? String(items[items.length - 1]!.id) : null,
        query: echo,
      };
    },
    async getEvent(actor, id) {
      requirePermission(actor, 'incident.read');
      const e = await deps.events.getEvent(scopeOf(actor), id);
      if (!e) throw notFound('event');
      return e;
    },
    async listFeeds(actor) {
      requireNational(actor);
      return deps.events.listFeeds();
    },
    async listDeadLetters(actor, query) {
      requireNational(actor);
      const limit = query.limit ?? 100;
      if (!Number.isInteger(limit) || limit < 1 || limit > 500)
        throw invalidInput('limit: expected 1–500', [{ field: 'limit', message: 'expected 1–500' }]);
      let beforeId: number | undefined;
      if (query.cursor !== undefined && query.cursor !== '') {
        if (!/^\d{1,15}$/.test(query.cursor))
          throw invalidInput('cursor: expected the nextCursor of a previous page', [
            { field: 'cursor', message: 'expected the nextCursor of a previous page' },
          ]);
        beforeId = Number(query.cursor);
      }
      const rows = await deps.events.listDeadLetters({
        ...(query.feed ? { feed: query.feed } : {}),
        includeRetried: query.includeRetried ?? false,
        ...(beforeId !== undefined ? { beforeId } : {}),
        limit: limit + 1,
      });
      const items = rows.slice(0, limit);
      return { items, nextCursor: rows.length > limit ? String(items[items.length - 1]!.id) : null };
    },
  };
}
