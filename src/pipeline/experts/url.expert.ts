import type { FeedEvent } from '../../core/events/event.ts';
import { parseIp, parseIpv4 } from './ip.ts';
import { Counters, SIDES } from './sides.ts';
import type { Expert } from './types.ts';

/** What a URL's host is: a domain name (lower case, IDN in punycode) or an IP address. */
export type UrlHost = { kind: 'fqdn'; fqdn: string } | { kind: 'ip'; ip: string };

const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const PLAIN_FQDN = /^[a-z0-9.-]+$/;

/** The host of a URL (`http://` assumed when it has no scheme); null when there is none. */
export function hostOfUrl(url: string): UrlHost | null {
  const text = url.trim();
  if (text === '') return null;
  let u: URL;
  try {
    u = new URL(HAS_SCHEME.test(text) ? text : `http://${text}`);
  } catch {
    return null;
  }
  let host = u.hostname;
  if (host === '') return null;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (parseIpv4(host) !== -1 || (host.includes(':') && parseIp(host) !== null))
    return { kind: 'ip', ip: host };
  if (host.endsWith('.')) host = host.slice(0, -1);
  return host === '' ? null : { kind: 'fqdn', fqdn: host };
}

/** A domain name in the form the directory stores: lower case, punycode, no trailing dot; null if invalid. */
export function normaliseFqdn(fqdn: string): string | null {
  let s = fqdn.trim();
  if (s.endsWith('.')) s = s.slice(0, -1);
  if (s === '') return null;
  if (PLAIN_FQDN.test(s)) return s;
  const h = hostOfUrl(s);
  return h?.kind === 'fqdn' && !h.fqdn.includes('/') ? h.fqdn : null;
}

/**
 * For each side: `*.fqdn` (or `*.ip` when the host is an address) from `*.url` when unset, and an
 * existing `*.fqdn` put in normal form (lower case, IDN → punycode).
 */
export function createUrlExpert(): Expert {
  const counters = new Counters();
  return {
    id: 'url',
    process(events: FeedEvent[]) {
      let urls = 0;
      let invalid = 0;
      let fqdns = 0;
      let ips = 0;
      for (const side of SIDES) {
        for (const e of events) {
          const fqdn = e[side.fqdn];
          if (fqdn !== undefined) {
            const n = normaliseFqdn(fqdn);
            if (n !== null && n !== fqdn) e[side.fqdn] = n;
          }
          const url = e[side.url];
          if (url === undefined || url === '' || (e[side.fqdn] !== undefined && e[side.ip] !== undefined))
            continue;
          urls++;
          const host = hostOfUrl(url);
          if (host === null) {
            invalid++;
            continue;
          }
          if (host.kind === 'fqdn') {
            if (e[side.fqdn] === undefined) {
              e[side.fqdn] = host.fqdn;
              fqdns++;
            }
          } else if (e[side.ip] === undefined) {
            e[side.ip] = host.ip;
            ips++;
          }
        }
      }
      counters.add('urls', urls);
      counters.add('invalid', invalid);
      counters.add('fqdn', fqdns);
      counters.add('ip', ips);
    },
    stats: () => counters.snapshot(),
  };
}
