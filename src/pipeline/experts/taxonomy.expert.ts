import type { FeedEvent } from '../../core/events/event.ts';
import { normaliseClassificationType, taxonomyOf } from '../../core/events/taxonomy.ts';
import { Counters } from './sides.ts';
import type { Expert } from './types.ts';

/**
 * `classification.type` in IntelMQ's current spelling (`botnet drone` → `infected-system`) and
 * `classification.taxonomy` = its RSIT class (`malicious-code`), as IntelMQ's taxonomy expert does.
 * No type → `undetermined`/`other`; an unknown type is kept as given with taxonomy `other`.
 */
export function createTaxonomyExpert(): Expert {
  const counters = new Counters();
  const memo = new Map<string, { type: string; taxonomy: string; known: boolean }>();
  const resolve = (given: string) => {
    let r = memo.get(given);
    if (!r) {
      const t = normaliseClassificationType(given);
      r =
        t === null
          ? { type: given, taxonomy: 'other', known: false }
          : { type: t, taxonomy: taxonomyOf(t), known: true };
      if (memo.size < 1_000) memo.set(given, r);
    }
    return r;
  };

  return {
    id: 'taxonomy',
    process(events: FeedEvent[]) {
      let missing = 0;
      let unknown = 0;
      for (const e of events) {
        const given = e['classification.type'];
        if (given === undefined || given === '') {
          missing++;
          e['classification.type'] = 'undetermined';
          e['classification.taxonomy'] = 'other';
          continue;
        }
        const r = resolve(given);
        if (!r.known) unknown++;
        e['classification.type'] = r.type;
        e['classification.taxonomy'] = r.taxonomy;
      }
      counters.add('events', events.length);
      counters.add('missing', missing);
      counters.add('unknown', unknown);
    },
    stats: () => counters.snapshot(),
  };
}
