import type { FeedEvent } from '../../core/events/event.ts';
import { DomainError } from '../../core/shared/errors.ts';
import { readCsv } from './lib/csv.ts';
import { addExtra, baseEvent, classify, mapRecords } from './lib/outcomes.ts';
import { readUtcTime } from './lib/time.ts';
import {
  hostOfUrl,
  normalizeCc,
  normalizeFqdn,
  normalizeIp,
  normalizeUrl,
  schemeOfUrl,
} from './lib/values.ts';
import type { FeedParser } from './types.ts';

/**
 * Zone-H defacement reports (CSV with header; the accepted layout has accept_date, the pending
 * one does not). The defaced URL is in the column called `domain`.
 */
export const zoneHParser: FeedParser = {
  id: 'zone-h',
  parse(input, ctx) {
    let index: Map<string, number> | null = null;
    return mapRecords(readCsv(input), (r): FeedEvent | null => {
      if (index === null) {
        index = new Map(r.fields.map((h, i) => [h.trim(), i]));
        for (const required of ['add_date', 'domain'])
          if (!index.has(required))
            throw new DomainError(
              'invalid_input',
              `zone-h: column "${required}" is not in the header of "${ctx.fileName}"`,
            );
        return null;
      }
      const cols = index;
      const get = (name: string): string => {
        const i = cols.get(name);
        return i === undefined ? '' : (r.fields[i] ?? '').trim();
      };
      const event = baseEvent(ctx.feedName, ctx.reportTime, 'Zone-H', r.raw);
      event['time.source'] = readUtcTime('time.source', get('add_date'));
      const domain = get('domain');
      const url = normalizeUrl(domain);
      if (url !== null) {
        event['source.url'] = url;
        const scheme = schemeOfUrl(url);
        if (scheme !== null) event['protocol.application'] = scheme;
        const host = hostOfUrl(url);
        const fqdn = host === null ? null : normalizeFqdn(host);
        if (fqdn !== null) event['source.fqdn'] = fqdn;
      } else {
        const fqdn = normalizeFqdn(domain);
        if (fqdn !== null) event['source.fqdn'] = fqdn;
      }
      const ip = normalizeIp(get('ip_address'));
      if (ip !== null) event['source.ip'] = ip;
      const cc = normalizeCc(get('country_code'));
      if (cc !== null) event['source.geolocation.cc'] = cc;
      classify(event, 'unauthorised-information-modification', 'information-content-security');
      event['classification.identifier'] = 'compromised-website';
      event['event_description.text'] = 'defacement';
      const accepted = get('accept_date');
      if (accepted !== '') addExtra(event, 'accepted_date', readUtcTime('extra.accepted_date', accepted));
      addExtra(event, 'actor', get('attacker'));
      addExtra(event, 'http_target', get('web_server'));
      addExtra(event, 'os.name', get('system'));
      addExtra(event, 'compromise_method', get('hackmode'));
      addExtra(event, 'zoneh_report_id', get('defacement_id'));
      for (const [name, key] of [
        ['reason', 'reason'],
        ['type', 'defacement_type'],
        ['redefacement', 'redefacement'],
        ['state', 'state'],
        ['def_grade', 'defacement_grade'],
        ['country', 'country'],
      ] as const) {
        const v = get(name);
        if (v !== '') addExtra(event, key, v);
      }
      return event;
    });
  },
};
