import { isNumberField, isStringField, type FeedEvent } from '../../../core/events/event.ts';
import { readUtcTime } from './time.ts';
import {
  FieldError,
  normalizeCc,
  normalizeFqdn,
  normalizeNetwork,
  normalizeTlp,
  normalizeUrl,
  quote,
  readAsn,
  readFloat,
  readInteger,
  readIp,
  readPort,
  taxonomyOf,
} from './values.ts';

/**
 * Setting an event field from a feed value, with the checks IntelMQ's harmonisation makes.
 * A setter returns false when the value is not acceptable for the field but the line can still
 * be used (IntelMQ then keeps the value in `extra` under its column name); it throws a FieldError
 * when the line cannot be read (an address, port, AS number or time that is not one).
 */
export type FieldSetter = (event: FeedEvent, value: unknown) => boolean;

type Store = (event: FeedEvent, value: unknown) => void;
const stores = new Map<string, Store>();

/**
 * A function storing one field, compiled with the field name as a constant: every field then has
 * its own monomorphic property store, where one shared `event[key] = value` is megamorphic and
 * several times slower on the parsers' hot path. The name is embedded with JSON.stringify.
 */
export function storeOf(key: string): Store {
  let store = stores.get(key);
  if (store === undefined) {
    store = new Function('e', 'v', `e[${JSON.stringify(key)}] = v;`) as Store;
    stores.set(key, store);
  }
  return store;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}

const HEX = /^[0-9a-f]+$/;

/** The setter for an event field named as in IntelMQ (`source.ip`, `extra.foo`, `extra.`-less keys). */
export function compileSetter(key: string): FieldSetter {
  if (key.startsWith('extra.')) {
    const name = key.slice('extra.'.length);
    return (event, value) => {
      if (event.extra === undefined) event.extra = {};
      event.extra[name] = value;
      return true;
    };
  }
  if (!isNumberField(key) && !isStringField(key)) {
    // not a certops field (IntelMQ fields such as user_agent, os.name): kept in extra under its name
    return (event, value) => {
      if (event.extra === undefined) event.extra = {};
      event.extra[key] = value;
      return true;
    };
  }
  const store = storeOf(key);
  switch (key) {
    case 'source.port':
    case 'destination.port':
      return (event, value) => {
        store(
          event,
          typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65535
            ? value
            : readPort(key, text(value)),
        );
        return true;
      };
    case 'source.asn':
    case 'destination.asn':
      return (event, value) => {
        const asn =
          typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 4294967295
            ? value || undefined
            : readAsn(key, text(value));
        if (asn !== undefined) store(event, asn);
        return true;
      };
    case 'source.org_id':
    case 'destination.org_id':
      return (event, value) => {
        store(event, typeof value === 'number' ? value : readInteger(key, text(value)));
        return true;
      };
    case 'feed.accuracy':
      return (event, value) => {
        const n = typeof value === 'number' ? value : readFloat(key, text(value));
        if (n < 0 || n > 100) throw new FieldError(key, `${quote(text(value))} is not between 0 and 100`);
        event['feed.accuracy'] = n;
        return true;
      };
    case 'time.source':
    case 'time.observation':
      return (event, value) => {
        store(event, readUtcTime(key, text(value)));
        return true;
      };
    case 'source.ip':
    case 'destination.ip':
    case 'source.local_ip':
      return (event, value) => {
        store(event, readIp(key, text(value)));
        return true;
      };
    case 'source.network':
    case 'destination.network':
      return (event, value) => {
        const net = normalizeNetwork(text(value));
        if (net === null) return false;
        store(event, net);
        return true;
      };
    case 'source.geolocation.cc':
    case 'destination.geolocation.cc':
      return (event, value) => {
        const cc = normalizeCc(text(value));
        if (cc === null) return false;
        store(event, cc);
        return true;
      };
    case 'source.fqdn':
    case 'destination.fqdn':
      return (event, value) => {
        const fqdn = normalizeFqdn(text(value));
        if (fqdn === null) return false;
        store(event, fqdn);
        return true;
      };
    case 'source.url':
    case 'destination.url':
    case 'event_description.url':
    case 'feed.url':
      return (event, value) => {
        const url = normalizeUrl(text(value));
        if (url === null) return false;
        store(event, url);
        return true;
      };
    case 'malware.name':
    case 'protocol.transport':
    case 'protocol.application':
      return (event, value) => {
        const v = text(value).trim().toLowerCase();
        if (v === '') return true;
        store(event, v);
        return true;
      };
    case 'malware.hash.md5':
    case 'malware.hash.sha1':
    case 'malware.hash.sha256':
      return (event, value) => {
        const v = text(value).trim().toLowerCase();
        if (!HEX.test(v)) return false;
        store(event, v);
        return true;
      };
    case 'classification.type':
      return (event, value) => {
        const v = text(value).trim();
        const taxonomy = taxonomyOf(v);
        if (taxonomy === undefined) return false;
        event['classification.type'] = v;
        if (event['classification.taxonomy'] === undefined) event['classification.taxonomy'] = taxonomy;
        return true;
      };
    case 'tlp':
      return (event, value) => {
        const tlp = normalizeTlp(text(value));
        if (tlp === null) return false;
        event.tlp = tlp;
        return true;
      };
    default:
      if (isNumberField(key))
        return (event, value) => {
          store(event, typeof value === 'number' ? value : readInteger(key, text(value)));
          return true;
        };
      return (event, value) => {
        store(event, text(value));
        return true;
      };
  }
}
