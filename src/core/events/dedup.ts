import { invalidInput } from '../shared/errors.ts';
import { getField, type FeedEvent } from './event.ts';
import { normaliseClassificationType } from './taxonomy.ts';

/**
 * Deduplication: events that agree on a set of fields within one time window are one event with a
 * `count`, `first_seen` and `last_seen` (the runtime upserts on the key). The key is a 64-bit
 * FNV-1a hash (16 hex digits) of the window start and the field values; with 64 bits, a collision
 * among even ten million keys of one window has a probability below 10⁻⁵.
 */

/** Fields that make two events the same, per IntelMQ classification type. */
export const DEDUP_FIELDS: Readonly<Record<string, readonly string[]>> = {
  // One bot talking to one C&C (sinkhole, drone feeds): the bot's source port changes per connection.
  'infected-system': [
    'feed.name',
    'classification.type',
    'source.ip',
    'destination.ip',
    'destination.port',
    'destination.fqdn',
    'malware.name',
  ],
  'c2-server': [
    'feed.name',
    'classification.type',
    'source.ip',
    'source.port',
    'source.fqdn',
    'malware.name',
  ],
  'malware-distribution': ['feed.name', 'classification.type', 'source.url', 'source.fqdn', 'source.ip'],
  phishing: ['feed.name', 'classification.type', 'source.url', 'source.fqdn', 'source.ip'],
  'unauthorised-information-modification': [
    'feed.name',
    'classification.type',
    'source.url',
    'source.fqdn',
    'source.ip',
  ],
  'system-compromise': ['feed.name', 'classification.type', 'source.url', 'source.fqdn', 'source.ip'],
  scanner: ['feed.name', 'classification.type', 'source.ip', 'destination.port', 'protocol.application'],
  'brute-force': [
    'feed.name',
    'classification.type',
    'source.ip',
    'destination.port',
    'protocol.application',
  ],
  'vulnerable-system': [
    'feed.name',
    'classification.type',
    'source.ip',
    'source.port',
    'protocol.application',
  ],
};

/** Fields for any other type. */
export const DEFAULT_DEDUP_FIELDS: readonly string[] = [
  'feed.name',
  'classification.type',
  'source.ip',
  'source.port',
  'source.fqdn',
  'source.url',
  'destination.ip',
  'destination.port',
  'malware.name',
];

/** The dedup fields for an event's classification type (any IntelMQ spelling). */
export function dedupFieldsFor(type: string | null | undefined): readonly string[] {
  const t = normaliseClassificationType(type);
  return (t !== null && DEDUP_FIELDS[t]) || DEFAULT_DEDUP_FIELDS;
}

/** FNV-1a 64-bit offset basis and prime (2⁴⁰ + 0x1b3), as two 32-bit halves. */
const BASIS_HI = 0xcbf29ce4;
const BASIS_LO = 0x84222325;
const PRIME_LO = 0x1b3;
const TWO_32 = 4294967296;

/** FNV-1a 64 state over the UTF-8 octets of strings. */
class Fnv64 {
  hi = BASIS_HI;
  lo = BASIS_LO;

  private octet(b: number): void {
    const lo = (this.lo ^ b) >>> 0;
    // (hi·2³² + lo) · (2⁴⁰ + 0x1b3) mod 2⁶⁴; lo·0x1b3 < 2⁴¹ is exact in a double.
    const p = lo * PRIME_LO;
    const carry = Math.floor(p / TWO_32);
    this.lo = p >>> 0;
    this.hi = (Math.imul(this.hi, PRIME_LO) + (lo << 8) + carry) >>> 0;
  }

  /** UTF-8 octets of each UTF-16 code unit (CESU-8: the same as UTF-8 outside astral planes). */
  text(s: string): void {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) this.octet(c);
      else if (c < 0x800) {
        this.octet(0xc0 | (c >>> 6));
        this.octet(0x80 | (c & 0x3f));
      } else {
        this.octet(0xe0 | (c >>> 12));
        this.octet(0x80 | ((c >>> 6) & 0x3f));
        this.octet(0x80 | (c & 0x3f));
      }
    }
  }

  hex(): string {
    return this.hi.toString(16).padStart(8, '0') + this.lo.toString(16).padStart(8, '0');
  }
}

/** FNV-1a 64 of a string's UTF-8 octets (astral characters as CESU-8), as 16 hex digits. */
export function fnv1a64(s: string): string {
  const h = new Fnv64();
  h.text(s);
  return h.hex();
}

/**
 * The dedup key of an event: FNV-1a 64 (16 hex digits) of the window start and, for each field
 * in order, its value (absent and empty are the same; numbers as decimal), separated by U+001F.
 * Field names are part of the key, so two field lists never produce the same key by accident.
 */
export function dedupKey(event: FeedEvent, fields: readonly string[], windowStart: string): string {
  const h = new Fnv64();
  h.text(windowStart);
  for (const f of fields) {
    const v = getField(event, f);
    h.text('\u001f');
    h.text(f);
    h.text('=');
    if (v !== undefined && v !== null) h.text(typeof v === 'string' ? v : String(v));
  }
  return h.hex();
}

/** Window length used when a feed does not configure one (one day, like the seed's daily figures). */
export const DEFAULT_DEDUP_WINDOW_SECONDS = 86_400;

/**
 * The start of the window of `windowSeconds` containing `timeIso` (windows are aligned on the Unix
 * epoch, so a day window starts at 00:00 UTC), as `YYYY-MM-DDTHH:MM:SS.sssZ`.
 */
export function windowStartOf(timeIso: string, windowSeconds: number): string {
  if (!Number.isInteger(windowSeconds) || windowSeconds <= 0)
    throw invalidInput(`dedup window: expected a positive whole number of seconds, got ${windowSeconds}`, [
      { field: 'window', message: 'expected a positive whole number of seconds' },
    ]);
  const ms = Date.parse(timeIso);
  if (Number.isNaN(ms))
    throw invalidInput(`dedup window: not a time: "${timeIso}"`, [{ field: 'time', message: 'not a time' }]);
  const w = windowSeconds * 1000;
  return new Date(Math.floor(ms / w) * w).toISOString();
}
