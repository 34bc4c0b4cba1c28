import type { FeedEvent } from '../../core/events/event.ts';
import { readJsonRecords } from './lib/json-records.ts';
import { addExtra, addHostOfUrl, baseEvent, classify, mapRecords } from './lib/outcomes.ts';
import { readUtcTime } from './lib/time.ts';
import {
  FieldError,
  normalizeCc,
  normalizeNetwork,
  normalizeIp,
  normalizeUrl,
  quote,
  readAsn,
} from './lib/values.ts';
import type { FeedParser } from './types.ts';

/**
 * PhishTank `online-valid.json`: a JSON array of verified phishing URLs, streamed element by
 * element (the file is large). The first `details[]` entry gives the hosting address, network,
 * ASN and country. PhishTank lists only online sites, so status is `online`.
 */
export const phishtankParser: FeedParser = {
  id: 'phishtank',
  parse(input, ctx) {
    return mapRecords(readJsonRecords(input), (r): FeedEvent => {
      const o = r.value as Record<string, unknown>;
      if (o === null || typeof o !== 'object' || Array.isArray(o))
        throw new FieldError('record', 'expected a JSON object');
      const event = baseEvent(ctx.feedName, ctx.reportTime, 'PhishTank', r.raw);
      const url = typeof o.url === 'string' ? normalizeUrl(o.url) : null;
      if (url === null) throw new FieldError('source.url', `${quote(String(o.url))} is not a URL`);
      event['source.url'] = url;
      if (typeof o.submission_time === 'string' && o.submission_time !== '')
        event['time.source'] = readUtcTime('time.source', o.submission_time);
      if (o.phish_id !== undefined) addExtra(event, 'phishtank.phish_id', String(o.phish_id));
      if (typeof o.phish_detail_url === 'string') {
        const detail = normalizeUrl(o.phish_detail_url);
        if (detail !== null) event['event_description.url'] = detail;
      }
      if (typeof o.target === 'string' && o.target !== '') event['event_description.target'] = o.target;
      event.status = 'online';
      if (typeof o.verified === 'string') addExtra(event, 'phishtank.verified', o.verified);
      if (typeof o.verification_time === 'string')
        addExtra(event, 'phishtank.verification_time', o.verification_time);
      const details = Array.isArray(o.details)
        ? (o.details[0] as Record<string, unknown> | undefined)
        : undefined;
      if (details && typeof details === 'object') {
        if (typeof details.ip_address === 'string') {
          const ip = normalizeIp(details.ip_address);
          if (ip !== null) event['source.ip'] = ip;
        }
        if (typeof details.cidr_block === 'string') {
          const net = normalizeNetwork(details.cidr_block);
          if (net !== null) event['source.network'] = net;
        }
        if (details.announcing_network !== undefined && details.announcing_network !== null) {
          try {
            const asn = readAsn('source.asn', String(details.announcing_network));
            if (asn !== undefined) event['source.asn'] = asn;
          } catch {
            // PhishTank sometimes writes text here; IntelMQ ignores it too
          }
        }
        if (typeof details.country === 'string') {
          const cc = normalizeCc(details.country);
          if (cc !== null) event['source.geolocation.cc'] = cc;
        }
      }
      addHostOfUrl(event, url, 'source');
      classify(event, 'phishing', 'fraud');
      return event;
    });
  },
};
