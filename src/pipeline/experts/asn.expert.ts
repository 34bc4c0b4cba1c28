import type { FeedEvent } from '../../core/events/event.ts';
import { findRangeV6, type AsnTableV4, type AsnTableV6 } from './asn-data.ts';
import { isPublicIpv4, isPublicIpv6, parseIp, parseIpv4 } from './ip.ts';
import { createRangeFinder } from './ranges.ts';
import { Counters, SIDES } from './sides.ts';
import type { Expert } from './types.ts';

export interface AsnAnswer {
  asn: number;
  name: string;
}

export interface AsnExpert extends Expert {
  lookup(ip: string): AsnAnswer | null;
}

const MASK_64 = (1n << 64n) - 1n;

/**
 * `*.asn` and `*.as_name` from the offline table. An AS number the feed already gives is kept (feeds
 * such as Shadowserver resolve it at observation time, fresher than bundled data); the AS name is
 * filled when missing and the feed's number is ours (or absent).
 */
export function createAsnExpert(
  v4: AsnTableV4,
  /** The IPv6 table's loader: called on the first public IPv6 address (most feeds have none). */
  v6: () => AsnTableV6,
): AsnExpert {
  const counters = new Counters();
  let table6: AsnTableV6 | null = null;
  const six = (): AsnTableV6 => (table6 ??= v6());
  const v4Ranges = createRangeFinder(v4.starts, v4.ends);
  // Lookups return a row index: IPv4 rows are ≥ 0, IPv6 rows are encoded as -2 - row; -1 is none.
  function rowOf(ip: string): number {
    let n = parseIpv4(ip);
    if (n === -1) {
      const p = parseIp(ip.trim());
      if (p === null) return -1;
      if (p.v === 6) {
        if (!isPublicIpv6(p.n)) return -1;
        const i = findRangeV6(six(), p.n >> 64n, p.n & MASK_64);
        return i === -1 ? -1 : -2 - i;
      }
      n = p.n;
    }
    return isPublicIpv4(n) ? v4Ranges.find(n) : -1;
  }
  const asnOf = (row: number) => (row >= 0 ? v4.asns[row]! : six().asns[-2 - row]!);
  const nameOf = (row: number) => (row >= 0 ? v4.nameOf(row) : six().nameOf(-2 - row));

  return {
    id: 'asn',
    lookup(ip) {
      const row = rowOf(ip);
      return row === -1 ? null : { asn: asnOf(row), name: nameOf(row) };
    },
    process(events: FeedEvent[]) {
      let lookups = 0;
      let misses = 0;
      let kept = 0;
      for (const side of SIDES) {
        for (const e of events) {
          const ip = e[side.ip];
          if (ip === undefined || ip === '') continue;
          lookups++;
          const row = rowOf(ip);
          if (row === -1) {
            misses++;
            continue;
          }
          const asn = asnOf(row);
          const given = e[side.asn];
          if (given === undefined) e[side.asn] = asn;
          else if (given !== asn) {
            kept++;
            continue;
          }
          if (e[side.asName] === undefined) {
            const name = nameOf(row);
            if (name !== '') e[side.asName] = name;
          }
        }
      }
      counters.add('lookups', lookups);
      counters.add('hits', lookups - misses);
      counters.add('misses', misses);
      counters.add('feedAsnKept', kept);
    },
    stats: () => counters.snapshot(),
  };
}
