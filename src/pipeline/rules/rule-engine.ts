import { systemActor } from '../../core/auth/actor.ts';
import type { FeedEvent } from '../../core/events/event.ts';
import type { Observable } from '../../core/incidents/observables.ts';
import { isIp } from '../../core/incidents/observables.ts';
import type { NotificationItem } from '../../core/notify/notification.ts';
import type { Clock } from '../../core/shared/clock.ts';
import { systemClock } from '../../core/shared/clock.ts';
import type { AppServices } from '../../services/index.ts';
import { DEFAULT_INCIDENT_RULES, matchRule, type IncidentRule } from './rules.ts';

/**
 * An event the runtime has just stored: its dedup key and the enriched event. `id` when the
 * runtime knows it; otherwise the engine looks ids up by dedup key (one indexed query per batch,
 * for the matching events only).
 */
export interface StoredEventRef {
  dedupKey: string;
  event: FeedEvent;
  id?: number;
}

export interface RulesOutcome {
  matched: number;
  incidentsOpened: number;
  /** Matches of a key already acted on (same thing seen again, or a replay). */
  repeats: number;
  notificationsQueued: number;
  notificationDuplicates: number;
  /** Matches that could not act (e.g. no such branch); the batch is stored regardless. */
  errors: { dedupKey: string; ruleId: string; error: string }[];
}

export interface RuleEngine {
  readonly rules: readonly IncidentRule[];
  /** Applies the rules to a stored batch. Idempotent: applying the same batch again changes nothing but hit counts. */
  applyRules(events: readonly StoredEventRef[]): Promise<RulesOutcome>;
}

export interface RuleEngineDeps {
  services: Pick<AppServices, 'incidents' | 'notifications' | 'ruleMatches'>;
  rules?: readonly IncidentRule[];
  clock?: Clock;
  /** A claim without an incident older than this is retaken (the worker died between claim and incident). */
  staleClaimMs?: number;
}

const CLOSED = new Set(['resolved', 'rejected', 'merged']);

/** Columns of the notification row (the bulk mail's CSV). */
const ROW_FIELDS = [
  'time.source',
  'feed.name',
  'classification.taxonomy',
  'classification.type',
  'source.ip',
  'source.port',
  'source.asn',
  'source.fqdn',
  'source.url',
  'destination.ip',
  'destination.port',
  'malware.name',
  'protocol.transport',
] as const;

function rowOf(e: FeedEvent): Record<string, string | number | null> {
  const row: Record<string, string | number | null> = {};
  for (const f of ROW_FIELDS) row[f] = (e as Record<string, string | number | undefined>)[f] ?? null;
  return row;
}

function observablesOf(e: FeedEvent): Observable[] {
  const out: Observable[] = [];
  const ip = e['source.ip'];
  if (ip && isIp(ip)) out.push({ kind: ip.includes(':') ? 'ipv6' : 'ipv4', value: ip });
  if (e['source.url']) out.push({ kind: 'url', value: e['source.url'] });
  if (e['source.fqdn']) out.push({ kind: 'domain', value: e['source.fqdn'] });
  if (e['malware.hash.sha256']) out.push({ kind: 'sha256', value: e['malware.hash.sha256'] });
  return out;
}

function describe(e: FeedEvent, rule: IncidentRule, eventId: number): string {
  const lines = [`rule: ${rule.id}`, `event: ${eventId}`];
  for (const f of [
    ...ROW_FIELDS,
    'source.geolocation.cc',
    'source.branch',
    'source.abuse_contact',
  ] as const) {
    const v = (e as Record<string, unknown>)[f];
    if (v !== undefined && v !== null && v !== '') lines.push(`${f}: ${String(v)}`);
  }
  return lines.join('\n');
}

export function createRuleEngine(deps: RuleEngineDeps): RuleEngine {
  const rules = deps.rules ?? DEFAULT_INCIDENT_RULES;
  const clock = deps.clock ?? systemClock;
  const staleMs = deps.staleClaimMs ?? 10 * 60_000;
  const { incidents, notifications, ruleMatches } = deps.services;
  const actor = systemActor('rules');

  async function openIncident(
    rule: IncidentRule,
    e: FeedEvent,
    eventId: number,
    key: string,
  ): Promise<number> {
    const created = await incidents.createReport(actor, {
      channel: 'feed',
      reporter: { type: 'organisation', name: e['feed.provider'] ?? e['feed.name'] ?? 'feed' },
      ...(e['time.source'] ? { receivedAt: new Date(e['time.source']).toISOString() } : {}),
      subject: `[${e['feed.name'] ?? 'feed'}] ${e['classification.type'] ?? ''}: ${key}`.slice(0, 500),
      description: describe(e, rule, eventId),
      category: rule.incident!.category,
      severity: rule.incident!.severity,
      observables: observablesOf(e),
      meta: { rule: rule.id, eventId, matchKey: key },
      openIncident: true,
      ...(e['source.branch'] ? { branchCode: e['source.branch'] } : {}),
    });
    return created.incident!.id;
  }

  return {
    rules,
    async applyRules(events) {
      const outcome: RulesOutcome = {
        matched: 0,
        incidentsOpened: 0,
        repeats: 0,
        notificationsQueued: 0,
        notificationDuplicates: 0,
        errors: [],
      };
      const hits: { ref: StoredEventRef; rule: IncidentRule; key: string }[] = [];
      for (const ref of events)
        for (const rule of rules) {
          const key = matchRule(rule, ref.event, ref.dedupKey);
          if (key !== null) hits.push({ ref, rule, key });
        }
      outcome.matched = hits.length;
      // a match acts when its rule opens incidents, or notifies and the event has a contact to
      // notify: only those need their event's id (a look-up per key, for every infected host of a
      // botnet feed whose owners are not in the directory, cost more than the rest of the rules)
      const acting = hits.filter(
        (h) => h.rule.incident || (h.rule.notify && h.ref.event['source.abuse_contact']),
      );
      if (acting.length === 0) return outcome;

      const missing = [...new Set(acting.filter((h) => h.ref.id === undefined).map((h) => h.ref.dedupKey))];
      const ids =
        missing.length > 0 ? await ruleMatches.eventIdsByDedupKey(missing) : new Map<string, number>();
      const now = () => clock.now().toISOString();
      const queue: NotificationItem[] = [];

      for (const { ref, rule, key } of acting) {
        const eventId = ref.id ?? ids.get(ref.dedupKey);
        if (eventId === undefined) {
          outcome.errors.push({ dedupKey: ref.dedupKey, ruleId: rule.id, error: 'event not stored' });
          continue;
        }
        try {
          if (rule.incident) {
            const at = now();
            const claim = await ruleMatches.claim({
              ruleId: rule.id,
              matchKey: key,
              eventId,
              branchCode: ref.event['source.branch'] ?? null,
              at,
            });
            let act = claim.inserted;
            if (!act && claim.record.eventId !== eventId) {
              // a new event for a key already acted on: open again only when the incident was
              // closed meanwhile, or the claim was left without one by a worker that died
              const r = claim.record;
              const stale = r.incidentId === null && Date.parse(at) - Date.parse(r.updatedAt) > staleMs;
              const closed =
                r.incidentId !== null && CLOSED.has((await incidents.getIncident(actor, r.incidentId)).state);
              if ((stale || closed) && (await ruleMatches.retake(rule.id, key, r.updatedAt, eventId, at)))
                act = true;
              else await ruleMatches.touch(rule.id, key, at);
            } else if (!act) {
              await ruleMatches.touch(rule.id, key, at);
            }
            if (act) {
              const incidentId = await openIncident(rule, ref.event, eventId, key);
              await ruleMatches.setIncident(rule.id, key, incidentId, now());
              outcome.incidentsOpened++;
            } else outcome.repeats++;
          }
          const contact = ref.event['source.abuse_contact'];
          if (rule.notify && contact) {
            queue.push({
              recipient: contact.trim().toLowerCase(),
              orgId: ref.event['source.org_id'] ?? null,
              kind: 'event',
              refId: eventId,
              classificationType: [ref.event['classification.taxonomy'], ref.event['classification.type']]
                .filter(Boolean)
                .join('/'),
              row: rowOf(ref.event),
              queuedAt: now(),
            });
          }
        } catch (e) {
          outcome.errors.push({ dedupKey: ref.dedupKey, ruleId: rule.id, error: (e as Error).message });
        }
      }
      if (queue.length > 0) {
        // one item per (recipient, event): two rules matching one event notify once
        const unique = [...new Map(queue.map((q) => [`${q.recipient}\u0000${q.refId}`, q])).values()];
        const r = await notifications.enqueue(unique);
        outcome.notificationsQueued = r.queued;
        outcome.notificationDuplicates = r.duplicates + (queue.length - unique.length);
      }
      return outcome;
    },
  };
}
