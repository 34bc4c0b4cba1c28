import type { FeedEvent } from '../../core/events/event.ts';
import { compileSetter, type FieldSetter } from './lib/fields.ts';
import { readJsonRecords } from './lib/json-records.ts';
import { addExtra, baseEvent, classify, mapRecords } from './lib/outcomes.ts';
import { readUtcTime, readWindowsFileTime, readEpochSeconds } from './lib/time.ts';
import { FieldError, normalizeFqdn, normalizeIp, quote } from './lib/values.ts';
import type { FeedParser } from './types.ts';

/**
 * Microsoft CTIP (Cyber Threat Intelligence Program) infected-host data, in its two shapes:
 * - Interflow (`ctip.txt`): a JSON array of objects with `version: 1.5` and lower-case keys;
 * - Azure (`ctip_azure.txt`): JSON lines with nested `SourceIpInfo`, `HttpInfo`, `CustomInfo`
 *   and a base64 `Payload` (JSON or text). `DateTimeReceivedUtc` is a Windows file time.
 * Confidence becomes feed.accuracy (Azure: High 100, Medium 50, Low 20, Informational 10).
 */

const INTERFLOW: Readonly<Record<string, string>> = {
  additionalmetadata: 'extra.additionalmetadata',
  description: 'event_description.text',
  externalid: 'malware.name',
  tlplevel: 'tlp',
  firstreporteddatetime: 'time.source',
  networksourceipv4: 'source.ip',
  networksourceport: 'source.port',
  networkdestinationipv4: 'destination.ip',
  networkdestinationport: 'destination.port',
  isproductlicensed: 'extra.isproductlicensed',
  ispartnershareable: 'extra.ispartnershareable',
  networksourceasn: 'source.asn',
  hostname: 'destination.fqdn',
  useragent: 'extra.user_agent',
  severity: 'extra.severity',
  tags: 'extra.tags',
};

const AZURE: Readonly<Record<string, string>> = {
  DataFeed: 'feed.name',
  SourcedFrom: 'event_description.text',
  Malware: 'extra.malware',
  ThreatCode: 'malware.name',
  TotalEncounters: 'extra.total_encounters',
  TLP: 'tlp',
  SourceIp: 'source.ip',
  SourcePort: 'source.port',
  DestinationIp: 'destination.ip',
  DestinationPort: 'destination.port',
  'DestinationIpInfo.DestinationIpAsnNumber': 'destination.asn',
  'DestinationIpInfo.DestinationIpAsnOrgName': 'destination.as_name',
  'DestinationIpInfo.DestinationIpCountryCode': 'destination.geolocation.cc',
  'DestinationIpInfo.DestinationIpRegion': 'destination.geolocation.region',
  'DestinationIpInfo.DestinationIpCity': 'destination.geolocation.city',
  'DestinationIpInfo.DestinationIpPostalCode': 'extra.destination.geolocation.postal_code',
  'DestinationIpInfo.DestinationIpLatitude': 'extra.destination.geolocation.latitude',
  'DestinationIpInfo.DestinationIpLongitude': 'extra.destination.geolocation.longitude',
  'DestinationIpInfo.DestinationIpMetroCode': 'extra.destination.geolocation.metro_code',
  'DestinationIpInfo.DestinationIpAreaCode': 'extra.destination.geolocation.area_code',
  'DestinationIpInfo.DestinationIpConnectionType': 'extra.destination.connection_type',
  'SourceIpInfo.SourceIpAsnNumber': 'source.asn',
  'SourceIpInfo.SourceIpAsnOrgName': 'source.as_name',
  'SourceIpInfo.SourceIpCountryCode': 'source.geolocation.cc',
  'SourceIpInfo.SourceIpRegion': 'source.geolocation.region',
  'SourceIpInfo.SourceIpCity': 'source.geolocation.city',
  'SourceIpInfo.SourceIpPostalCode': 'extra.source.geolocation.postal_code',
  'SourceIpInfo.SourceIpLatitude': 'extra.source.geolocation.latitude',
  'SourceIpInfo.SourceIpLongitude': 'extra.source.geolocation.longitude',
  'SourceIpInfo.SourceIpMetroCode': 'extra.source.geolocation.metro_code',
  'SourceIpInfo.SourceIpAreaCode': 'extra.source.geolocation.area_code',
  'SourceIpInfo.SourceIpConnectionType': 'extra.source.connection_type',
  'HttpInfo.HttpHost': 'extra.http.host',
  'HttpInfo.HttpRequest': 'extra.http.request',
  'HttpInfo.HttpMethod': 'extra.http.method',
  'HttpInfo.HttpReferrer': 'extra.http.referrer',
  'HttpInfo.HttpUserAgent': 'extra.user_agent',
  'HttpInfo.HttpVersion': 'extra.http.version',
  'CustomInfo.CustomField1': 'extra.custom_field1',
  'CustomInfo.CustomField2': 'extra.custom_field2',
  'CustomInfo.CustomField3': 'extra.custom_field3',
  'CustomInfo.CustomField4': 'extra.custom_field4',
  'CustomInfo.CustomField5': 'extra.custom_field5',
  'Payload.ip': 'extra.payload.ip',
  'Payload.port': 'extra.payload.port',
  'Payload.serverIp': 'extra.payload.server.ip',
  'Payload.serverPort': 'extra.payload.server.port',
  'Payload.domain': 'extra.payload.domain',
  'Payload.family': 'extra.payload.family',
  'Payload.malware': 'extra.payload.malware',
  'Payload.response': 'extra.payload.response',
  'Payload.handler': 'extra.payload.handler',
  'Payload.type': 'protocol.application',
  Payload: 'extra.payload.text',
};

const IGNORED = new Set([
  'version',
  'indicatorthreattype',
  'confidence',
  'indicatorexpirationdatetime',
  'DateTimeReceivedUtcTxt',
  'TargetIp',
  'TargetPort',
  'SourceIpInfo.SourceIpv4Int',
  'DestinationIpInfo.DestinationIpv4Int',
]);

const CONFIDENCE: Readonly<Record<string, number>> = { High: 100, Medium: 50, Low: 20, Informational: 10 };

const setters = new Map<string, FieldSetter>();
function set(event: FeedEvent, field: string, value: unknown): boolean {
  let s = setters.get(field);
  if (s === undefined) setters.set(field, (s = compileSetter(field)));
  return s(event, value);
}

export const microsoftCtipParser: FeedParser = {
  id: 'microsoft-ctip',
  parse(input, ctx) {
    return mapRecords(readJsonRecords(input), (r): FeedEvent => {
      const o = r.value as Record<string, unknown>;
      if (o === null || typeof o !== 'object' || Array.isArray(o))
        throw new FieldError('record', 'expected a JSON object');
      const event = baseEvent(ctx.feedName, ctx.reportTime, 'Microsoft', r.raw);
      if (o.version !== undefined || o.indicatorthreattype !== undefined) readInterflow(o, event);
      else readAzure(o, event);
      classify(event, 'infected-system', 'malicious-code');
      return event;
    });
  },
};

function readInterflow(o: Record<string, unknown>, event: FeedEvent): void {
  if (o.indicatorthreattype !== 'Botnet')
    throw new FieldError(
      'indicatorthreattype',
      `${quote(String(o.indicatorthreattype))} is not supported (only Botnet)`,
    );
  const meta = o.additionalmetadata;
  const emptyMeta =
    Array.isArray(meta) &&
    (meta.length === 0 || (meta.length === 1 && (meta[0] === '' || meta[0] === 'null' || meta[0] === null)));
  for (const [key, raw] of Object.entries(o)) {
    if (IGNORED.has(key) || raw === null || raw === '') continue;
    if (key === 'additionalmetadata' && emptyMeta) continue;
    let value: unknown = raw;
    if (key === 'firstreporteddatetime') value = readUtcTime('time.source', String(raw));
    if (key === 'hostname') {
      if (raw === o.networkdestinationipv4 || normalizeFqdn(String(raw)) === null) continue;
    }
    if (key === 'networkdestinationipv4') {
      let ip = String(raw);
      if (ip.indexOf(',') !== -1) ip = ip.slice(0, ip.indexOf(','));
      if (ip === '0.0.0.0') continue;
      value = ip;
    }
    const field = INTERFLOW[key];
    if (field === undefined) addExtra(event, key, raw);
    else if (!set(event, field, value)) addExtra(event, key, raw);
  }
  if (typeof o.confidence === 'number') event['feed.accuracy'] = o.confidence;
}

function readAzure(o: Record<string, unknown>, event: FeedEvent): void {
  const flat: [string, unknown][] = [];
  for (const [key, value] of Object.entries(o)) {
    if (key === 'Payload' && typeof value === 'string') {
      if (value === 'AA==' || value === '') continue;
      const decoded = decodePayload(value);
      if (decoded !== null && typeof decoded === 'object' && !Array.isArray(decoded)) {
        for (const [k, v] of Object.entries(decoded as Record<string, unknown>))
          flat.push([`Payload.${k}`, v]);
      } else flat.push(['Payload', decoded ?? value]);
      continue;
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) flat.push([`${key}.${k}`, v]);
    } else flat.push([key, value]);
  }
  for (const [key, value] of flat) {
    if (IGNORED.has(key)) continue;
    if (key === 'ThreatConfidence') {
      const c = CONFIDENCE[String(value)];
      if (c !== undefined) event['feed.accuracy'] = c;
      continue;
    }
    if (key === 'DateTimeReceivedUtc') {
      event['time.source'] = readWindowsFileTime('time.source', value as number);
      continue;
    }
    if (key === 'Payload.ts') {
      addExtra(event, 'payload.timestamp', readEpochSeconds('extra.payload.timestamp', value as number));
      continue;
    }
    if (value === null || value === '' || value === 0) continue;
    if ((key === 'SourceIp' || key === 'DestinationIp') && normalizeIp(String(value)) === null) {
      addExtra(event, key, value);
      continue;
    }
    const field = AZURE[key];
    if (field === undefined) {
      // keys Microsoft adds over time: kept, under a lower-case name
      addExtra(event, key.startsWith('Payload.') ? `payload.${key.slice(8)}` : key.toLowerCase(), value);
      continue;
    }
    if (!set(event, field, value)) addExtra(event, key, value);
  }
}

function decodePayload(b64: string): unknown {
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length === 0) return null;
  const text = bytes.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    // valid base64 that is not JSON: keep the text when it is printable, the base64 otherwise
    return /^[\x20-\x7e\t\r\n]*$/.test(text) &&
      Buffer.from(text, 'utf8').toString('base64').replace(/=+$/, '') === b64.replace(/=+$/, '')
      ? text
      : b64;
  }
}
