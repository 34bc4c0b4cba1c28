import type { FeedEvent } from '../../core/events/event.ts';
import type { DirectorySnapshot } from '../../services/ports/directory.port.ts';
import { maskIpv6, parseCidr, parseIp, parseIpv4 } from './ip.ts';
import { createRangeFinder, flattenNetworks } from './ranges.ts';
import { Counters, SIDES } from './sides.ts';
import type { Expert } from './types.ts';
import { normaliseFqdn } from './url.expert.ts';

type Org = DirectorySnapshot['orgs'][number];

/** How an organisation was found. */
export type ContactMatch = 'network' | 'domain' | 'asn';

export interface ContactExpert extends Expert {
  /** The organisation responsible for an address / domain / AS number, in that order of precedence. */
  lookup(q: { ip?: string; fqdn?: string; asn?: number }): { org: Org; match: ContactMatch } | null;
}

/**
 * The directory organisation answering for each side of an event → `*.org_id`, `*.abuse_contact`
 * (its abuse e-mail) and, when geo gave no branch, `*.branch` from the organisation. Precedence:
 * the most specific network covering the address (longest prefix), then the most specific listed
 * domain the fqdn is (or is under), then the AS number. All in memory, built from one snapshot.
 */
export function createContactExpert(snapshot: DirectorySnapshot): ContactExpert {
  const counters = new Counters();
  const orgs = new Map<number, Org>();
  for (const o of snapshot.orgs) orgs.set(o.id, o);

  // IPv4 networks flattened into disjoint ranges (longest prefix wins; on duplicates the first
  // listed, i.e. the lowest id). IPv6 networks by prefix length: masking the address with each
  // length present, longest first, one Map lookup per length finds the longest prefix.
  const v4: { start: number; end: number; value: number }[] = [];
  const v6 = new Map<number, Map<bigint, number>>();
  let invalidNetworks = 0;
  for (const n of snapshot.networks) {
    if (!orgs.has(n.orgId)) continue;
    const c = parseCidr(n.cidr);
    if (c === null) {
      invalidNetworks++;
      continue;
    }
    if (c.v === 4) v4.push({ start: c.start, end: c.start + 2 ** (32 - c.bits) - 1, value: n.orgId });
    else {
      let m = v6.get(c.bits);
      if (!m) v6.set(c.bits, (m = new Map()));
      if (!m.has(c.start)) m.set(c.start, n.orgId);
    }
  }
  const v4Flat = flattenNetworks(v4);
  const v4Ranges = createRangeFinder(v4Flat.starts, v4Flat.ends);
  const v6Lengths = [...v6.keys()].sort((a, b) => b - a);

  const asns = new Map<number, number>();
  for (const a of snapshot.asns) if (orgs.has(a.orgId) && !asns.has(a.asn)) asns.set(a.asn, a.orgId);
  const domains = new Map<string, number>();
  for (const d of snapshot.domains) {
    const key = normaliseFqdn(d.domain);
    if (key !== null && orgs.has(d.orgId) && !domains.has(key)) domains.set(key, d.orgId);
  }

  function byIp(ip: string): number | undefined {
    let n = parseIpv4(ip);
    if (n === -1) {
      const p = parseIp(ip.trim());
      if (p === null) return undefined;
      if (p.v === 6) {
        for (const bits of v6Lengths) {
          const id = v6.get(bits)!.get(maskIpv6(p.n, bits));
          if (id !== undefined) return id;
        }
        return undefined;
      }
      n = p.n;
    }
    const k = v4Ranges.find(n);
    return k === -1 ? undefined : v4Flat.values[k];
  }

  function byDomain(fqdn: string): number | undefined {
    if (domains.size === 0) return undefined;
    let name = fqdn;
    for (;;) {
      const id = domains.get(name);
      if (id !== undefined) return id;
      const dot = name.indexOf('.');
      if (dot === -1) return undefined;
      name = name.slice(dot + 1);
    }
  }

  function find(ip: string | undefined, fqdn: string | undefined, asn: number | undefined) {
    let id: number | undefined;
    if (ip !== undefined && ip !== '' && v4.length + v6Lengths.length > 0) {
      id = byIp(ip);
      if (id !== undefined) return { org: orgs.get(id)!, match: 'network' as const };
    }
    if (fqdn !== undefined && fqdn !== '') {
      id = byDomain(fqdn);
      if (id !== undefined) return { org: orgs.get(id)!, match: 'domain' as const };
    }
    if (asn !== undefined) {
      id = asns.get(asn);
      if (id !== undefined) return { org: orgs.get(id)!, match: 'asn' as const };
    }
    return null;
  }

  counters.add('invalidNetworks', invalidNetworks);
  const empty = orgs.size === 0;

  return {
    id: 'contact',
    lookup: (q) => find(q.ip, q.fqdn === undefined ? undefined : (normaliseFqdn(q.fqdn) ?? undefined), q.asn),
    process(events: FeedEvent[]) {
      if (empty) return;
      let lookups = 0;
      let network = 0;
      let domain = 0;
      let asn = 0;
      for (const side of SIDES) {
        for (const e of events) {
          const ip = e[side.ip];
          const fqdn = e[side.fqdn];
          const as = e[side.asn];
          if (ip === undefined && fqdn === undefined && as === undefined) continue;
          lookups++;
          const r = find(ip, fqdn, as);
          if (r === null) continue;
          if (r.match === 'network') network++;
          else if (r.match === 'domain') domain++;
          else asn++;
          e[side.orgId] = r.org.id;
          if (r.org.abuseEmail !== null) e[side.abuseContact] = r.org.abuseEmail;
          if (e[side.branch] === undefined && r.org.branchCode !== null) e[side.branch] = r.org.branchCode;
        }
      }
      counters.add('lookups', lookups);
      counters.add('hits', network + domain + asn);
      counters.add('misses', lookups - network - domain - asn);
      counters.add('match:network', network);
      counters.add('match:domain', domain);
      counters.add('match:asn', asn);
    },
    stats: () => counters.snapshot(),
  };
}
