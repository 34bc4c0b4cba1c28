import type { FeedEvent } from '../../core/events/event.ts';
import { baseEvent, classify, mapRecords } from './lib/outcomes.ts';
import { readLinesAsRecords } from './lib/text-input.ts';
import { readUtcTime } from './lib/time.ts';
import { FieldError, normalizeFqdn, normalizeIp, normalizeUrl, quote } from './lib/values.ts';
import type { FeedParser } from './types.ts';

/**
 * Bambenek Consulting C2 masterlists (`c2-ipmasterlist.txt`, `c2-dommasterlist.txt`): `#`
 * comment header, then `indicator,description,time,manual URL`. The indicator is an IP address
 * (source.ip) or a domain (source.fqdn); the malware family is read from the description
 * (`IP used by shiotob/urlzone/bebloh C&C` → `bebloh`, the last of the names).
 */
export const bambenekC2Parser: FeedParser = {
  id: 'bambenek-c2',
  parse(input, ctx) {
    return mapRecords(readLinesAsRecords(input), (r): FeedEvent | null => {
      const text = r.raw.trim();
      if (text === '' || text.startsWith('#')) return null;
      const cols = text.split(',');
      if (cols.length < 3)
        throw new FieldError('line', `expected "indicator,description,time[,url]", got ${quote(text)}`);
      const [indicator, description, time, manual] = cols.map((c) => c.trim()) as [
        string,
        string,
        string,
        string?,
      ];
      const event = baseEvent(ctx.feedName, ctx.reportTime, 'Bambenek Consulting', r.raw);
      const ip = normalizeIp(indicator);
      if (ip !== null) event['source.ip'] = ip;
      else {
        const fqdn = normalizeFqdn(indicator);
        if (fqdn === null)
          throw new FieldError(
            'source.fqdn',
            `${quote(indicator)} is neither an IP address nor a domain name`,
          );
        event['source.fqdn'] = fqdn;
      }
      event['time.source'] = readUtcTime('time.source', time);
      event['event_description.text'] = description;
      if (manual) {
        const url = normalizeUrl(manual);
        if (url !== null) event['event_description.url'] = url;
      }
      const family = familyOf(description);
      if (family !== null) event['malware.name'] = family;
      classify(event, 'c2-server', 'malicious-code');
      return event;
    });
  },
};

const PREFIX = /^(?:IP|Domain|Master Indicator Feed)(?: used)?(?: by| for)?\s+/i;
const SUFFIX = /\s+(?:C&C|C2|CnC|DGA)\b.*$/i;

/** `IP used by shiotob/urlzone/bebloh C&C` → `bebloh`. */
export function familyOf(description: string): string | null {
  const names = description.replace(PREFIX, '').replace(SUFFIX, '').trim();
  if (names === '') return null;
  const last = names.split('/').pop()!.trim().toLowerCase();
  return last === '' ? null : last;
}
