/**
 * A feed event: one observation from a machine feed, in the field names IntelMQ made familiar to
 * CERTs (`source.ip`, `classification.type`, `malware.name`, …). Parsers produce events, experts
 * enrich them in place, the pipeline stores them. Fields a feed carries beyond these go in
 * `extra` (IntelMQ's `extra.*`), keyed without the `extra.` prefix.
 *
 * certops additions (not in IntelMQ's harmonisation): `source.geolocation.province` and
 * `destination.geolocation.province` (mainland province, as named in the branch data),
 * `source.geolocation.source` (which offline database answered), `source.branch` and
 * `destination.branch` (the branch code responsible), `source.org_id`/`destination.org_id`
 * (directory organisation covering the address) and `malware.family` (catalogue name).
 */

/** Fields holding integers. */
export const NUMBER_FIELDS = [
  'source.port',
  'source.asn',
  'source.org_id',
  'destination.port',
  'destination.asn',
  'destination.org_id',
  'feed.accuracy',
] as const;

/** Fields holding text. */
export const STRING_FIELDS = [
  'feed.name',
  'feed.code',
  'feed.provider',
  'feed.url',
  'time.source',
  'time.observation',
  'classification.taxonomy',
  'classification.type',
  'classification.identifier',
  'source.ip',
  'source.network',
  'source.as_name',
  'source.fqdn',
  'source.url',
  'source.reverse_dns',
  'source.local_hostname',
  'source.local_ip',
  'source.geolocation.cc',
  'source.geolocation.region',
  'source.geolocation.province',
  'source.geolocation.city',
  'source.geolocation.source',
  'source.branch',
  'source.abuse_contact',
  'destination.ip',
  'destination.network',
  'destination.as_name',
  'destination.fqdn',
  'destination.url',
  'destination.reverse_dns',
  'destination.geolocation.cc',
  'destination.geolocation.region',
  'destination.geolocation.province',
  'destination.geolocation.city',
  'destination.geolocation.source',
  'destination.branch',
  'destination.abuse_contact',
  'malware.name',
  'malware.family',
  'malware.version',
  'malware.hash.md5',
  'malware.hash.sha1',
  'malware.hash.sha256',
  'protocol.transport',
  'protocol.application',
  'event_description.text',
  'event_description.url',
  'event_description.target',
  'status',
  'comment',
  'tlp',
] as const;

export type NumberField = (typeof NUMBER_FIELDS)[number];
export type StringField = (typeof STRING_FIELDS)[number];
export type EventField = NumberField | StringField;

export type FeedEvent = { [K in StringField]?: string } & { [K in NumberField]?: number } & {
  /** Feed-specific fields (IntelMQ `extra.*`), keys without the `extra.` prefix. */
  extra?: Record<string, unknown>;
  /** The input line (or record) the event came from, as text. */
  raw?: string;
};

/**
 * A new, empty event: every known field present, holding undefined (absent, as everywhere else:
 * code reads `undefined` as "not set", and JSON leaves such keys out). Parsers start from it so
 * that V8 gives all events one fixed shape: an object built up field by field (~20 from the
 * parser, ~15 more from the experts) turned into a hash table that had to grow as the experts
 * added fields, which was a quarter of the pipeline's allocations.
 */
export const newEvent = new Function(
  `return {${[...STRING_FIELDS, ...NUMBER_FIELDS, 'extra', 'raw'].map((k) => `${JSON.stringify(k)}: undefined`).join(', ')}};`,
) as () => FeedEvent;

const NUMBER_SET: ReadonlySet<string> = new Set(NUMBER_FIELDS);
const STRING_SET: ReadonlySet<string> = new Set(STRING_FIELDS);

export function isNumberField(key: string): key is NumberField {
  return NUMBER_SET.has(key);
}

export function isStringField(key: string): key is StringField {
  return STRING_SET.has(key);
}

/**
 * Reads a field by its IntelMQ name, including `extra.*` (for golden tests and generic mappings).
 */
export function getField(event: FeedEvent, key: string): unknown {
  if (key.startsWith('extra.')) return event.extra?.[key.slice('extra.'.length)];
  if (key === 'raw') return event.raw;
  return (event as Record<string, unknown>)[key];
}
