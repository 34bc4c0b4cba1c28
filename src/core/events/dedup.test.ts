import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../shared/errors.ts';
import {
  createDedupKeyer,
  createDedupKeySet,
  DEFAULT_DEDUP_FIELDS,
  dedupFieldsFor,
  dedupKey,
  fnv1a64,
  windowStartOf,
} from './dedup.ts';
import type { FeedEvent } from './event.ts';

const bot: FeedEvent = {
  'feed.name': 'shadowserver-event4-sinkhole',
  'classification.type': 'infected-system',
  'source.ip': '202.96.128.86',
  'source.port': 51234,
  'destination.ip': '198.51.100.7',
  'destination.port': 80,
  'malware.name': 'conficker',
  'time.source': '2007-03-01T10:11:12Z',
};

describe('dedup key', () => {
  it('is FNV-1a 64 (reference vectors)', () => {
    expect(fnv1a64('')).toBe('cbf29ce484222325');
    expect(fnv1a64('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64('foobar')).toBe('85944171f73967e8');
  });

  it('equals a BigInt FNV-1a 64 over the UTF-8 octets for any text (multi-byte and astral included)', () => {
    const reference = (text: string) => {
      let h = 0xcbf29ce484222325n;
      // CESU-8 as documented: each UTF-16 code unit on its own (the same as UTF-8 off the astral planes)
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        const octets =
          c < 0x80
            ? [c]
            : c < 0x800
              ? [0xc0 | (c >> 6), 0x80 | (c & 0x3f)]
              : [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)];
        for (const o of octets) h = ((h ^ BigInt(o)) * 0x100000001b3n) & 0xffffffffffffffffn;
      }
      return h.toString(16).padStart(16, '0');
    };
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (text) => {
        expect(fnv1a64(text)).toBe(reference(text));
      }),
      { numRuns: 500 },
    );
    expect(fnv1a64('僵尸网络 😀 ä')).toBe(reference('僵尸网络 😀 ä'));
  });

  it('is stable: the same fields and window give the same key, whatever else differs', () => {
    const fields = dedupFieldsFor(bot['classification.type']);
    const w = windowStartOf(bot['time.source']!, 86_400);
    const k = dedupKey(bot, fields, w);
    expect(k).toMatch(/^[0-9a-f]{16}$/);
    // Pinned (computed independently: FNV-1a 64 of the UTF-8 of window + "\x1ffield=value"…): a
    // change of the hash or of the field encoding would orphan stored keys.
    expect(k).toBe('f95c20116d50ae6a');
    expect(k).toBe(dedupKey({ ...bot }, [...fields], '2007-03-01T00:00:00.000Z'));
    expect(
      dedupKey({ ...bot, 'source.port': 60000, 'time.source': '2007-03-01T23:00:00Z', raw: 'x' }, fields, w),
    ).toBe(k);
    expect(dedupKey({ ...bot, 'source.ip': '202.96.128.87' }, fields, w)).not.toBe(k);
    expect(dedupKey({ ...bot, 'malware.name': 'necurs' }, fields, w)).not.toBe(k);
    expect(dedupKey(bot, fields, '2007-03-02T00:00:00.000Z')).not.toBe(k);
  });

  it('keyed in a row (a batch), gives every event the key dedupKey gives it alone', () => {
    const keyOf = createDedupKeyer();
    const fields = dedupFieldsFor(bot['classification.type']);
    const w = windowStartOf(bot['time.source']!, 86_400);
    expect(keyOf(bot, fields, w)).toBe('f95c20116d50ae6a');
    const lists = [fields, DEFAULT_DEDUP_FIELDS, ['feed.name'], [] as string[], ['source.ip', 'feed.name']];
    const value = fc.oneof(
      fc.constantFrom(undefined, '', 'sinkhole', 'infected-system', '僵尸网络', 0, 80),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            list: fc.integer({ min: 0, max: lists.length - 1 }),
            window: fc.constantFrom('2007-03-01T00:00:00.000Z', '2007-03-02T00:00:00.000Z'),
            feed: value,
            type: value,
            ip: value,
          }),
          { maxLength: 30 },
        ),
        (rows) => {
          const batch = createDedupKeyer();
          for (const r of rows) {
            const e = {
              ...bot,
              'feed.name': r.feed,
              'classification.type': r.type,
              'source.ip': r.ip,
            } as FeedEvent;
            expect(batch(e, lists[r.list]!, r.window)).toBe(dedupKey(e, lists[r.list]!, r.window));
          }
        },
      ),
      { numRuns: 300 },
    );
    // an object value is hashed by its text each time, even when it is the same object
    const thing = { toString: () => 'a' };
    const odd = { ...bot, 'feed.name': thing } as unknown as FeedEvent;
    const first = keyOf(odd, fields, w);
    thing.toString = () => 'b';
    expect(keyOf(odd, fields, w)).not.toBe(first);
    expect(keyOf(odd, fields, w)).toBe(dedupKey(odd, fields, w));
  });

  it('keyed in a row, hashes every later field as dedupKey does: numbers of every kind, extra fields, any name', () => {
    const lists = [
      ['feed.name', 'classification.type', 'destination.port', 'extra.botnet', 'source.ip', 'raw'],
      ['feed.name', 'classification.type', 'extra.名前😀', 'x.😀', 'source.asn'],
    ];
    const value = fc.oneof(
      fc.constantFrom(undefined, null, '', 0, -0, 80, -1, 1.5, 2 ** 53, 2 ** 53 - 1, 1e21, NaN, true),
      fc.integer(),
      fc.double(),
      fc.string({ maxLength: 6 }),
      fc.string({ unit: 'grapheme', maxLength: 4 }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), value, value, value), { maxLength: 20 }),
        (rows) => {
          const batch = createDedupKeyer();
          for (const [list, a, b, c] of rows) {
            const e = {
              'feed.name': 'f',
              'classification.type': 'infected-system',
              'destination.port': a,
              'source.ip': b,
              'source.asn': a,
              raw: c,
              'x.😀': c,
              extra: { botnet: b, '名前😀': c },
            } as unknown as FeedEvent;
            expect(batch(e, lists[list]!, 'w')).toBe(dedupKey(e, lists[list]!, 'w'));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('treats absent and empty alike, tells numbers from neighbouring fields, includes field names', () => {
    const f = ['source.ip', 'source.port'];
    expect(dedupKey({ 'source.ip': '' }, f, 'w')).toBe(dedupKey({}, f, 'w'));
    expect(dedupKey({ 'source.ip': '1.2.3.4', 'source.port': 5 }, f, 'w')).not.toBe(
      dedupKey({ 'source.ip': '1.2.3.45' }, f, 'w'),
    );
    expect(dedupKey({ 'source.ip': '1.2.3.4' }, ['source.ip'], 'w')).not.toBe(
      dedupKey({ 'destination.ip': '1.2.3.4' }, ['destination.ip'], 'w'),
    );
    expect(dedupKey({ extra: { botnet: 'x' } }, ['extra.botnet'], 'w')).not.toBe(
      dedupKey({}, ['extra.botnet'], 'w'),
    );
  });

  it('gives few collisions over many similar events', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50_000; i++)
      seen.add(
        dedupKey(
          { ...bot, 'source.ip': `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}` },
          DEFAULT_DEDUP_FIELDS,
          'w',
        ),
      );
    expect(seen.size).toBe(50_000);
  });

  it('picks fields per classification type', () => {
    expect(dedupFieldsFor('infected-system')).not.toContain('source.port');
    expect(dedupFieldsFor('botnet drone')).toEqual(dedupFieldsFor('infected-system'));
    expect(dedupFieldsFor('c2-server')).toContain('source.port');
    expect(dedupFieldsFor('phishing')).toContain('source.url');
    expect(dedupFieldsFor('whatever')).toBe(DEFAULT_DEDUP_FIELDS);
    expect(dedupFieldsFor(undefined)).toBe(DEFAULT_DEDUP_FIELDS);
  });
});

describe('windowStartOf', () => {
  it('aligns windows on the epoch', () => {
    expect(windowStartOf('2007-03-01T10:11:12Z', 86_400)).toBe('2007-03-01T00:00:00.000Z');
    expect(windowStartOf('2007-03-01T10:11:12.999Z', 3600)).toBe('2007-03-01T10:00:00.000Z');
    expect(windowStartOf('2007-03-01T10:00:00Z', 3600)).toBe('2007-03-01T10:00:00.000Z');
    expect(windowStartOf('2007-03-01T18:11:12+08:00', 86_400)).toBe('2007-03-01T00:00:00.000Z');
    expect(windowStartOf('2007-03-01T10:14:59Z', 300)).toBe('2007-03-01T10:10:00.000Z');
  });

  it('rejects a bad time or window with a clear error', () => {
    expect(() => windowStartOf('yesterday', 60)).toThrow(DomainError);
    expect(() => windowStartOf('yesterday', 60)).toThrow(/not a time: "yesterday"/);
    expect(() => windowStartOf('2007-03-01T00:00:00Z', 0)).toThrow(/positive whole number/);
    expect(() => windowStartOf('2007-03-01T00:00:00Z', 1.5)).toThrow(DomainError);
  });
});

describe('createDedupKeySet', () => {
  const hex16 = fc
    .tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }))
    .map(([a, b]) => a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0'));

  it('answers as a Set of the same keys does', () => {
    fc.assert(
      fc.property(
        fc.array(hex16, { maxLength: 400 }),
        fc.array(hex16, { maxLength: 100 }),
        (added, probes) => {
          // 2^10 slots: collisions and wrap-around of the probe sequence happen
          const set = createDedupKeySet(10);
          const ref = new Set<string>();
          for (const k of added) {
            set.add(k);
            ref.add(k);
          }
          expect(set.size).toBe(ref.size);
          for (const k of [...added, ...probes]) expect(set.has(k)).toBe(ref.has(k));
        },
      ),
    );
  });

  it('keeps keys that differ only in one word, and the all-zero key', () => {
    const set = createDedupKeySet(4);
    set.add('0000000000000000');
    set.add('0000000100000000');
    expect(set.has('0000000000000000')).toBe(true);
    expect(set.has('0000000100000000')).toBe(true);
    expect(set.has('0000000000000001')).toBe(false);
    expect(set.has('ffffffff00000000')).toBe(false);
  });

  it('starts again empty when full, so its memory stays bounded', () => {
    const set = createDedupKeySet(4); // 16 slots, at most 11 keys
    expect(set.capacity).toBe(11);
    const keys = Array.from({ length: 12 }, (_, i) => fnv1a64(String(i)));
    for (const k of keys.slice(0, 11)) set.add(k);
    expect(set.size).toBe(11);
    expect(set.resets).toBe(0);
    set.add(keys[11]!);
    expect(set.resets).toBe(1);
    expect(set.size).toBe(1);
    expect(set.has(keys[11]!)).toBe(true);
    expect(set.has(keys[0]!)).toBe(false);
    // a key already there is not added twice (no reset, no growth)
    set.add(keys[11]!);
    expect(set.size).toBe(1);
  });

  it('records an id per key once known, and forgets it with the key', () => {
    const set = createDedupKeySet(4);
    const [a, b, c] = ['a', 'b', 'c'].map(fnv1a64) as [string, string, string];
    set.add(a);
    set.add(b);
    expect(set.idOf(a)).toBe(0); // stored, id not known yet
    set.setId(a, 41);
    set.setId(b, 2 ** 32); // too large to record: stays unknown
    set.setId(c, 7); // not in the set: nothing recorded
    expect([set.idOf(a), set.idOf(b), set.idOf(c)]).toEqual([41, 0, 0]);
    set.add(a); // added again: keeps its id
    expect(set.idOf(a)).toBe(41);
    for (let i = 0; i < 20; i++) set.add(fnv1a64(`x${i}`));
    expect(set.resets).toBe(1);
    expect(set.idOf(a)).toBe(0);
    set.add(a);
    expect(set.idOf(a)).toBe(0); // a new entry in a reused slot has no id of its own
  });

  it('ignores anything that is not a dedup key', () => {
    const set = createDedupKeySet(4);
    for (const k of [
      '',
      'xyz',
      '0123456789ABCDEF',
      '0123456789abcdef0',
      '0123456789abcdeg',
      '0123456789abcde\u00e9',
      '-123456789abcdef',
    ]) {
      set.add(k);
      expect(set.has(k)).toBe(false);
    }
    expect(set.size).toBe(0);
  });
});
