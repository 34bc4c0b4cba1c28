import type { BranchMatcher } from '../../core/directory/branch-matcher.ts';
import type { FeedEvent } from '../../core/events/event.ts';
import { Counters, SIDES } from './sides.ts';
import type { Expert } from './types.ts';

/**
 * `*.branch` for mainland addresses: the branch whose name (any form the branch matcher knows:
 * `广东省`, `广东`, `Guangdong`, `GUANGDONG SHENG`) is the event's province, else its geolocation
 * region (feeds such as Shadowserver give `GUANGDONG SHENG` there). Only for cc CN; no match → unset.
 */
export function createBranchExpert(matcher: BranchMatcher): Expert {
  const counters = new Counters();
  const memo = new Map<string, string | null>();
  const match = (name: string): string | null => {
    let code = memo.get(name);
    if (code === undefined) {
      code = matcher.match(name);
      if (memo.size < 10_000) memo.set(name, code);
    }
    return code;
  };

  return {
    id: 'branch',
    process(events: FeedEvent[]) {
      let lookups = 0;
      let hits = 0;
      for (const side of SIDES) {
        for (const e of events) {
          if (e[side.cc] !== 'CN') continue;
          const name = e[side.province] ?? e[side.region];
          if (name === undefined || name === '') continue;
          lookups++;
          const code = match(name);
          if (code === null) continue;
          hits++;
          e[side.branch] = code;
        }
      }
      counters.add('lookups', lookups);
      counters.add('hits', hits);
      counters.add('misses', lookups - hits);
    },
    stats: () => counters.snapshot(),
  };
}
