import { invalidInput } from '../shared/errors.ts';
import { HEX_BYTE } from '../shared/hex.ts';
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

/**
 * FNV-1a 64 state over the UTF-8 octets of strings, as four 16-bit limbs (a3 a2 a1 a0), so that
 * each step is exact small-integer arithmetic: × (2⁴⁰ + 0x1b3) is every limb × 0x1b3 plus limbs
 * 0 and 1 shifted by 8 into limbs 2 and 3, carries propagated upwards, mod 2⁶⁴. (Measured ~40 %
 * faster than two 32-bit halves with a floating-point carry; the same hashes.)
 */
class Fnv64 {
  // offset basis 0xcbf29ce484222325
  a0 = 0x2325;
  a1 = 0x8422;
  a2 = 0x9ce4;
  a3 = 0xcbf2;

  /** UTF-8 octets of each UTF-16 code unit (CESU-8: the same as UTF-8 outside astral planes). */
  text(s: string): void {
    let a0 = this.a0;
    let a1 = this.a1;
    let a2 = this.a2;
    let a3 = this.a3;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      // one to three octets; `n` counts those left after this one
      let b = c < 0x80 ? c : c < 0x800 ? 0xc0 | (c >>> 6) : 0xe0 | (c >>> 12);
      let n = c < 0x80 ? 0 : c < 0x800 ? 1 : 2;
      for (;;) {
        a0 ^= b;
        const t0 = a0 * 0x1b3;
        let t1 = a1 * 0x1b3;
        let t2 = a2 * 0x1b3 + (a0 << 8);
        const t3 = a3 * 0x1b3 + (a1 << 8);
        t1 += t0 >>> 16;
        t2 += t1 >>> 16;
        a0 = t0 & 0xffff;
        a1 = t1 & 0xffff;
        a2 = t2 & 0xffff;
        a3 = (t3 + (t2 >>> 16)) & 0xffff;
        if (n === 0) break;
        b = n === 2 ? 0x80 | ((c >>> 6) & 0x3f) : 0x80 | (c & 0x3f);
        n--;
      }
    }
    this.a0 = a0;
    this.a1 = a1;
    this.a2 = a2;
    this.a3 = a3;
  }

  reset(): void {
    this.a0 = 0x2325;
    this.a1 = 0x8422;
    this.a2 = 0x9ce4;
    this.a3 = 0xcbf2;
  }

  copy(from: Fnv64): void {
    this.a0 = from.a0;
    this.a1 = from.a1;
    this.a2 = from.a2;
    this.a3 = from.a3;
  }

  /** 16 hex digits, two per octet from a table (half the time of `toString(16)` and padding). */
  hex(): string {
    const { a0, a1, a2, a3 } = this;
    return (
      HEX_BYTE[a3 >>> 8]! +
      HEX_BYTE[a3 & 0xff]! +
      HEX_BYTE[a2 >>> 8]! +
      HEX_BYTE[a2 & 0xff]! +
      HEX_BYTE[a1 >>> 8]! +
      HEX_BYTE[a1 & 0xff]! +
      HEX_BYTE[a0 >>> 8]! +
      HEX_BYTE[a0 & 0xff]!
    );
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
  for (const f of fields) addField(h, f, getField(event, f));
  return h.hex();
}

function addField(h: Fnv64, f: string, v: unknown): void {
  h.text('\u001f');
  h.text(f);
  h.text('=');
  if (v !== undefined && v !== null) h.text(typeof v === 'string' ? v : String(v));
}

/** Fields at the head of a field list whose values repeat across a batch (feed, classification). */
const PREFIX_FIELDS = 2;

const isPrimitive = (v: unknown) => v === undefined || v === null || typeof v !== 'object';

/**
 * `dedupKey` for many events in a row (a batch), with the same results. The hash of the window
 * start and the first fields (feed name and classification type in every field list) is kept while
 * they repeat, so those ~80 octets are hashed once per run of events instead of once per event.
 */
export function createDedupKeyer(): (
  event: FeedEvent,
  fields: readonly string[],
  windowStart: string,
) => string {
  const prefix = new Fnv64();
  const h = new Fnv64();
  let lastFields: readonly string[] | null = null;
  let lastWindow = '';
  let last0: unknown;
  let last1: unknown;
  return (event, fields, windowStart) => {
    const n = Math.min(PREFIX_FIELDS, fields.length);
    const v0 = n > 0 ? getField(event, fields[0]!) : undefined;
    const v1 = n > 1 ? getField(event, fields[1]!) : undefined;
    if (
      fields !== lastFields ||
      windowStart !== lastWindow ||
      v0 !== last0 ||
      v1 !== last1 ||
      // an object's text could change while it stays the same object: never kept
      !isPrimitive(v0) ||
      !isPrimitive(v1)
    ) {
      prefix.reset();
      prefix.text(windowStart);
      if (n > 0) addField(prefix, fields[0]!, v0);
      if (n > 1) addField(prefix, fields[1]!, v1);
      lastFields = fields;
      lastWindow = windowStart;
      last0 = v0;
      last1 = v1;
    }
    h.copy(prefix);
    for (let i = n; i < fields.length; i++) addField(h, fields[i]!, getField(event, fields[i]!));
    return h.hex();
  };
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

/**
 * A bounded set of dedup keys (16 hex digits, as `dedupKey` makes them), each with its event's id
 * once known: the keys a worker has already stored during one report, so that the repeats of an
 * event skip the enrichment its stored row already has, and the store's look-up of its id. Open
 * addressing over typed arrays (12 bytes and a flag a slot, no object per key): a million-slot set
 * takes 13 MiB whatever the keys. When it holds `maxKeys` it starts again empty — forgetting a key
 * costs one more enrichment and look-up, never a wrong result.
 */
export interface DedupKeySet {
  has(key: string): boolean;
  add(key: string): void;
  /** The id recorded for a key of the set (ids above 2^32 − 1 are not recorded). */
  setId(key: string, id: number): void;
  /** The key's id, or 0 when the key is not in the set or its id is not known. */
  idOf(key: string): number;
  readonly size: number;
  /** Keys it holds before the next new one starts it again (empty). */
  readonly capacity: number;
  /** Times the set was full and started again. */
  readonly resets: number;
}

/** Nibble value of each lower-case hex digit's char code; -1 for any other code below 128. */
const NIBBLE = new Int8Array(128).fill(-1);
for (let c = 0; c < 16; c++) NIBBLE[c.toString(16).charCodeAt(0)] = c;

const KEY_WORDS = new Uint32Array(2);

/** Whether a string has the shape of a dedup key (16 lower-case hex digits), as `dedupKey` makes them. */
export function isDedupKey(key: string): boolean {
  return readKey(key);
}

/**
 * The two 32-bit words of a key of 16 lower-case hex digits, into `out`; false for any other
 * string. Read digit by digit: a regular-expression test, two slices and two `parseInt` cost ~5
 * times as much, and the set reads a key up to three times per event (docs/performance.md).
 */
function readKey(key: string, out: Uint32Array = KEY_WORDS): boolean {
  if (key.length !== 16) return false;
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 8; i++) {
    const c = key.charCodeAt(i);
    const n = c < 128 ? NIBBLE[c]! : -1;
    if (n < 0) return false;
    hi = (hi << 4) | n;
  }
  for (let i = 8; i < 16; i++) {
    const c = key.charCodeAt(i);
    const n = c < 128 ? NIBBLE[c]! : -1;
    if (n < 0) return false;
    lo = (lo << 4) | n;
  }
  out[0] = hi;
  out[1] = lo;
  return true;
}

export function createDedupKeySet(slotsLog2 = 20): DedupKeySet {
  const slots = 1 << slotsLog2;
  const mask = slots - 1;
  const maxKeys = Math.floor(slots * 0.7);
  const hi = new Uint32Array(slots);
  const lo = new Uint32Array(slots);
  const ids = new Uint32Array(slots);
  // a key of all zero bits is a valid key, so an empty slot needs a mark of its own
  const used = new Uint8Array(slots);
  let size = 0;
  let resets = 0;
  /** The slot of a key: where it is, or the empty slot where it would go. */
  const find = (h: number, l: number): number => {
    // the words of an FNV-1a hash are already spread: a few of their bits index directly
    let i = (l ^ (h >>> 7)) & mask;
    while (used[i] === 1 && (hi[i] !== h || lo[i] !== l)) i = (i + 1) & mask;
    return i;
  };
  const words = new Uint32Array(2);
  /** The slot of a key in the set, or -1. */
  const slotOf = (key: string): number => {
    if (!readKey(key, words)) return -1;
    const i = find(words[0]!, words[1]!);
    return used[i] === 1 ? i : -1;
  };
  return {
    has: (key) => slotOf(key) !== -1,
    add(key) {
      if (!readKey(key, words)) return;
      const h = words[0]!;
      const l = words[1]!;
      let i = find(h, l);
      if (used[i] === 1) return;
      if (size >= maxKeys) {
        used.fill(0);
        size = 0;
        resets++;
        i = find(h, l);
      }
      used[i] = 1;
      hi[i] = h;
      lo[i] = l;
      ids[i] = 0;
      size++;
    },
    setId(key, id) {
      const i = slotOf(key);
      if (i !== -1) ids[i] = Number.isInteger(id) && id > 0 && id <= 0xffffffff ? id : 0;
    },
    idOf(key) {
      const i = slotOf(key);
      return i === -1 ? 0 : ids[i]!;
    },
    get size() {
      return size;
    },
    capacity: maxKeys,
    get resets() {
      return resets;
    },
  };
}
