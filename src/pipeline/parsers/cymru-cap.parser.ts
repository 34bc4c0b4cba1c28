import type { FeedEvent } from '../../core/events/event.ts';
import { addExtra, baseEvent, classify, mapRecords } from './lib/outcomes.ts';
import { readLinesAsRecords } from './lib/text-input.ts';
import { readUtcTime } from './lib/time.ts';
import {
  FieldError,
  normalizeCc,
  normalizeFqdn,
  normalizeUrl,
  quote,
  readAsn,
  readInteger,
  readIp,
  readPort,
} from './lib/values.ts';
import type { FeedParser } from './types.ts';

/**
 * Team Cymru CAP (CSIRT Assistance Program) files, `|`-separated with `#` comments, in two
 * layouts told apart by the header comment (or the file name):
 * - old, `infected_YYYYMMDD.txt` ("Data file written at …"): `report|ip|asn|timestamp|comments|asn_name`
 * - new, `certname_YYYYMMDD.txt` ("generated on …"):
 *   `category|address|asn|timestamp|optional_information|asninfo` with `key: value;` notes.
 * A new-layout line listing several destination ports yields one event per port.
 */

interface Kind {
  type: string;
  taxonomy: string;
  identifier?: string;
  application?: string;
  malware?: string;
}

const MALWARE: Kind = { type: 'infected-system', taxonomy: 'malicious-code' };
const SCANNER: Kind = { type: 'scanner', taxonomy: 'information-gathering' };

const NEW_KINDS: Readonly<Record<string, Kind>> = {
  bot: MALWARE,
  bruteforce: { type: 'brute-force', taxonomy: 'intrusion-attempts' },
  controller: { type: 'c2-server', taxonomy: 'malicious-code' },
  darknet: { ...SCANNER, identifier: 'darknet' },
  honeypot: SCANNER,
  scanner: { ...SCANNER, identifier: 'scanner' },
  phishing: { type: 'phishing', taxonomy: 'fraud', identifier: 'phishing' },
  proxy: { type: 'potentially-unwanted-accessible', taxonomy: 'vulnerable', identifier: 'openproxy' },
  openresolvers: {
    type: 'vulnerable-system',
    taxonomy: 'vulnerable',
    identifier: 'dns-open-resolver',
    application: 'dns',
  },
  openresolver: {
    type: 'vulnerable-system',
    taxonomy: 'vulnerable',
    identifier: 'dns-open-resolver',
    application: 'dns',
  },
  spam: { type: 'spam', taxonomy: 'abusive-content', identifier: 'spam' },
  conficker: { ...MALWARE, identifier: 'conficker', malware: 'conficker' },
};

const PROTOCOLS: Readonly<Record<string, string>> = {
  '1': 'icmp',
  '6': 'tcp',
  '11': 'nvp-ii',
  '17': 'udp',
  '47': 'gre',
  '59': 'ipv6-nonxt',
};

type Layout = 'old' | 'new';

/** Keys of `key: value` notes (also written without the blank after the colon). */
const NOTE_KEYS = new Set([
  'family',
  'dest_addr',
  'destaddr',
  'dest_port',
  'ports_scanned',
  'honeypot_port',
  'darknet_port',
  'destination_port_numbers',
  'protocol',
  'hostname',
  'proxy_type',
  'port',
  'srcport',
  'username',
  'additional_asns',
]);

export const cymruCapParser: FeedParser = {
  id: 'cymru-cap',
  parse(input, ctx) {
    let layout: Layout | null = /^certname_/i.test(ctx.fileName)
      ? 'new'
      : /^infected_/i.test(ctx.fileName)
        ? 'old'
        : null;
    return mapRecords(readLinesAsRecords(input), (r): FeedEvent | FeedEvent[] | null => {
      const line = r.raw.trim();
      if (line === '') return null;
      if (line.startsWith('#')) {
        if (line.includes('generated on')) layout = 'new';
        else if (line.includes('Data file written at')) layout = 'old';
        return null;
      }
      const cols = line.split('|');
      if (cols.length !== 6)
        throw new FieldError('line', `expected 6 "|"-separated columns, got ${cols.length}: ${quote(line)}`);
      const [category, ip, asn, timestamp, notes, asInfo] = cols as [
        string,
        string,
        string,
        string,
        string,
        string,
      ];
      const event = baseEvent(ctx.feedName, ctx.reportTime, 'Team Cymru', r.raw);
      event['source.ip'] = readIp('source.ip', ip.trim());
      const asNumber = readAsn('source.asn', asn.trim());
      if (asNumber !== undefined) event['source.asn'] = asNumber;
      event['time.source'] = readUtcTime('time.source', timestamp);
      // without a header comment or telling file name: the new layout ends asninfo with ", CC"
      const isNew = (layout ?? (/, [A-Z]{2}$/.test(asInfo.trim()) ? 'new' : 'old')) === 'new';
      return isNew
        ? readNew(event, category.trim(), notes, asInfo)
        : readOld(event, category.trim(), notes, asInfo);
    });
  },
};

function readNew(
  event: FeedEvent,
  category: string,
  notesText: string,
  asInfo: string,
): FeedEvent | FeedEvent[] {
  const parts = asInfo.split(', ');
  if (parts.length > 1) {
    const cc = normalizeCc(parts[parts.length - 1]!.trim());
    if (cc !== null) event['source.geolocation.cc'] = cc;
    parts.pop();
  }
  const asName = parts.join(', ').trim();
  if (asName !== '') event['source.as_name'] = asName;
  const kind = NEW_KINDS[category];
  if (kind === undefined)
    throw new FieldError('classification.type', `unknown CAP category ${quote(category)}`);
  classify(event, kind.type, kind.taxonomy);
  if (kind.identifier) event['classification.identifier'] = kind.identifier;
  if (kind.application) event['protocol.application'] = kind.application;
  if (kind.malware) event['malware.name'] = kind.malware;

  // "hostname: sub.example.comport: 80" → "hostname: sub.example.com; port: 80"
  const notes = notesText.replace(/hostname: ([^:;]+?)port: (\d+)/, 'hostname: $1; port: $2');
  const items = notes
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const ports: number[] = [];
  const pairs: [string, string][] = [];
  for (const item of items) {
    const colon = item.indexOf(':');
    const key = colon === -1 ? '' : item.slice(0, colon).trim();
    if (colon !== -1 && /^[a-z_]+$/.test(key) && (NOTE_KEYS.has(key) || item.charCodeAt(colon + 1) === 32)) {
      pairs.push([item.slice(0, colon).trim(), item.slice(colon + 1).trim()]);
    } else if (category === 'proxy') pairs.push(['proxy_type', item]);
    else if (category === 'bruteforce') {
      event['classification.identifier'] = item.toLowerCase();
      event['protocol.application'] = item.toLowerCase();
    } else if (category === 'phishing') {
      const url = normalizeUrl(item);
      if (url !== null) event['source.url'] = url;
      else addExtra(event, 'notes', item);
    } else if (category === 'bot') {
      readOldBotNotes(event, item);
    } else
      throw new FieldError('extra.notes', `cannot read note ${quote(item)} of category ${quote(category)}`);
  }
  for (const [key, value] of pairs) {
    switch (key) {
      case 'family': {
        const name = value.toLowerCase();
        event['classification.identifier'] = name;
        event['malware.name'] = name;
        break;
      }
      case 'dest_addr':
      case 'destaddr':
        event['destination.ip'] = readIp('destination.ip', value);
        break;
      case 'dest_port':
      case 'ports_scanned':
      case 'honeypot_port':
      case 'darknet_port':
      case 'destination_port_numbers':
        for (const p of value.replace(/\s*\(total_count:\d+\)$/, '').split(','))
          if (p.trim() !== '') ports.push(readPort('destination.port', p.trim()));
        break;
      case 'protocol': {
        const name = PROTOCOLS[value];
        if (name !== undefined) event['protocol.transport'] = name;
        else addExtra(event, 'protocol.transport', readInteger('protocol.transport', value));
        break;
      }
      case 'hostname': {
        const fqdn = normalizeFqdn(value);
        if (fqdn !== null) event['source.fqdn'] = fqdn;
        else addExtra(event, 'hostname', value);
        break;
      }
      case 'proxy_type': {
        const dash = value.lastIndexOf('-');
        if (dash !== -1 && /^\d+$/.test(value.slice(dash + 1))) {
          event['protocol.application'] = value.slice(0, dash).toLowerCase();
          event['source.port'] = readPort('source.port', value.slice(dash + 1));
        } else event['protocol.application'] = value.toLowerCase();
        break;
      }
      case 'port':
      case 'srcport':
        event['source.port'] = readPort('source.port', value);
        break;
      case 'username':
        addExtra(event, 'source.account', value);
        break;
      case 'additional_asns':
        addExtra(event, 'source.asns', [
          ...(event['source.asn'] !== undefined ? [event['source.asn']] : []),
          ...value.split(',').map((a) => readAsn('extra.source.asns', a.trim())),
        ]);
        break;
      default:
        addExtra(event, key, value);
    }
  }
  if (ports.length === 0) return event;
  return ports.map((port) => {
    const copy: FeedEvent = { ...event, 'destination.port': port };
    if (event.extra) copy.extra = { ...event.extra };
    return copy;
  });
}

/** Old-layout bot notes: `[srcport <PORT>] [mwtype <TYPE…>] [destaddr <IP>] [comment…]`. */
function readOldBotNotes(event: FeedEvent, notes: string): void {
  const words = notes.split(' ').filter((w) => w !== '');
  const values: Record<string, string[]> = {};
  const comment: string[] = [];
  let key: string | null = null;
  for (const w of words) {
    const lower = w.replace(/:$/, '');
    if (lower === 'srcport' || lower === 'mwtype' || lower === 'destaddr' || lower === 'dstaddr') {
      key = lower === 'dstaddr' ? 'destaddr' : lower;
      values[key] = [];
    } else if (key === 'destaddr' && values.destaddr!.length === 1) comment.push(w);
    else if (key !== null) values[key]!.push(w);
    else comment.push(w);
  }
  if (values.srcport?.length)
    addExtra(event, 'source_port', readPort('extra.source_port', values.srcport.join('')));
  if (values.mwtype?.length) {
    const name = values.mwtype.join(' ').toLowerCase();
    event['classification.identifier'] = name;
    event['malware.name'] = name;
  }
  if (values.destaddr?.length) event['destination.ip'] = readIp('destination.ip', values.destaddr[0]!);
  if (comment.length) event['event_description.text'] = comment.join(' ');
}

function readOld(event: FeedEvent, report: string, notes: string, asName: string): FeedEvent {
  if (asName.trim() !== '') event['source.as_name'] = asName.trim();
  switch (report) {
    case 'bots':
      classify(event, 'infected-system', 'malicious-code');
      readOldBotNotes(event, notes);
      break;
    case 'bruteforce':
      classify(event, 'brute-force', 'intrusion-attempts');
      if (notes.trim() !== '') {
        event['classification.identifier'] = notes.trim().toLowerCase();
        event['protocol.application'] = notes.trim().toLowerCase();
      }
      break;
    case 'openresolvers':
      classify(event, 'vulnerable-system', 'vulnerable');
      event['classification.identifier'] = 'dns-open-resolver';
      event['protocol.application'] = 'dns';
      break;
    case 'phishing': {
      classify(event, 'phishing', 'fraud');
      event['classification.identifier'] = 'phishing';
      const url = normalizeUrl(notes.trim());
      if (url !== null) event['source.url'] = url;
      break;
    }
    case 'proxy':
      classify(event, 'potentially-unwanted-accessible', 'vulnerable');
      event['classification.identifier'] = 'openproxy';
      if (notes.trim() !== '') addExtra(event, 'request', notes.trim());
      break;
    case 'spam':
      classify(event, 'spam', 'abusive-content');
      event['classification.identifier'] = 'spam';
      if (notes.trim() !== '') addExtra(event, 'notes', notes.trim());
      break;
    case 'scanners':
      classify(event, 'scanner', 'information-gathering');
      event['classification.identifier'] = 'scanner';
      if (/^\d+$/.test(notes.trim())) event['source.port'] = readPort('source.port', notes.trim());
      else if (notes.trim() !== '') addExtra(event, 'ports', notes.trim());
      break;
    case 'malwareurl':
    case 'spreaders': {
      classify(event, 'malware-distribution', 'malicious-code');
      event['classification.identifier'] = report === 'spreaders' ? 'spreader' : 'malwareurl';
      const [u, hash] = notes.trim().split(' ');
      const url = normalizeUrl(u ?? '');
      if (url !== null) event['source.url'] = url;
      if (report === 'spreaders' && hash && /^[0-9a-f]{32}$/i.test(hash))
        event['malware.hash.md5'] = hash.toLowerCase();
      break;
    }
    case 'defacement': {
      classify(event, 'unauthorised-information-modification', 'information-content-security');
      event['classification.identifier'] = 'defacement';
      const [u, id] = notes.trim().split(' ');
      const url = normalizeUrl(u ?? '');
      if (url !== null) event['source.url'] = url;
      if (id) addExtra(event, 'zoneh.id', id);
      break;
    }
    case 'fastflux':
    case 'routers':
      classify(event, 'system-compromise', 'intrusions');
      event['classification.identifier'] = report;
      if (notes.trim() !== '') addExtra(event, 'notes', notes.trim());
      break;
    case 'toxbot':
    case 'beagle':
    case 'blaster':
    case 'dameware':
    case 'dipnet':
    case 'mydoom':
    case 'nachi':
    case 'phatbot':
    case 'sinit':
    case 'slammer':
      classify(event, 'infected-system', 'malicious-code');
      event['classification.identifier'] = report;
      event['malware.name'] = report;
      if (notes.trim() !== '') readOldBotNotes(event, notes);
      break;
    default:
      throw new FieldError('classification.type', `unknown CAP report type ${quote(report)}`);
  }
  return event;
}
