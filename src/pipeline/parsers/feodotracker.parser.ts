import type { FeedEvent } from '../../core/events/event.ts';
import { readJsonRecords } from './lib/json-records.ts';
import { addExtra, baseEvent, classify, mapRecords } from './lib/outcomes.ts';
import { readUtcTime } from './lib/time.ts';
import { FieldError, normalizeCc, normalizeFqdn, readAsn, readIp, readPort } from './lib/values.ts';
import type { FeedParser } from './types.ts';

/**
 * abuse.ch Feodo Tracker `ipblocklist.json` (a JSON array of C&C servers: ip_address, port,
 * status, hostname, as_number, as_name, country, first_seen, last_online, malware). time.source is
 * first_seen, or last_online when there is none.
 */
export const feodotrackerParser: FeedParser = {
  id: 'feodotracker',
  parse(input, ctx) {
    return mapRecords(readJsonRecords(input), (r): FeedEvent => {
      const o = r.value as Record<string, unknown>;
      if (o === null || typeof o !== 'object' || Array.isArray(o))
        throw new FieldError('record', 'expected a JSON object');
      const event = baseEvent(ctx.feedName, ctx.reportTime, 'abuse.ch', r.raw);
      event['source.ip'] = readIp('source.ip', str(o.ip_address));
      if (o.port !== undefined && o.port !== null)
        event['source.port'] = readPort('source.port', str(o.port));
      const seen = o.first_seen ?? o.last_online;
      if (seen === undefined || seen === null || seen === '')
        throw new FieldError('time.source', 'neither first_seen nor last_online is given');
      event['time.source'] = readUtcTime('time.source', str(seen));
      if (typeof o.status === 'string' && o.status !== '') event.status = o.status;
      if (typeof o.hostname === 'string') {
        const host = normalizeFqdn(o.hostname);
        if (host !== null) event['source.reverse_dns'] = host;
      }
      if (o.as_number !== undefined && o.as_number !== null) {
        const asn = readAsn('source.asn', str(o.as_number));
        if (asn !== undefined) event['source.asn'] = asn;
      }
      if (typeof o.as_name === 'string' && o.as_name !== '') event['source.as_name'] = o.as_name;
      if (typeof o.country === 'string') {
        const cc = normalizeCc(o.country);
        if (cc !== null) event['source.geolocation.cc'] = cc;
      }
      if (typeof o.malware === 'string' && o.malware !== '') event['malware.name'] = o.malware.toLowerCase();
      if (o.last_online) addExtra(event, 'last_online', readUtcTime('extra.last_online', str(o.last_online)));
      classify(event, 'c2-server', 'malicious-code');
      return event;
    });
  },
};

function str(v: unknown): string {
  return typeof v === 'string' ? v : String(v);
}
