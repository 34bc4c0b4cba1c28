import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  canonicalUtcIso,
  dayRangeUtc,
  localDay,
  monthBuckets,
  parseTimestamp,
  startOfDayUtc,
} from './time.ts';

describe('time zones for statistics', () => {
  it('starts a Beijing day at 16:00 UTC the day before', () => {
    expect(startOfDayUtc('2007-01-01', 'Asia/Shanghai').toISOString()).toBe('2006-12-31T16:00:00.000Z');
    expect(startOfDayUtc('2007-01-01', 'UTC').toISOString()).toBe('2007-01-01T00:00:00.000Z');
  });

  it('handles daylight saving days', () => {
    // Europe/Berlin switched to CEST on 2007-03-25
    expect(startOfDayUtc('2007-03-25', 'Europe/Berlin').toISOString()).toBe('2007-03-24T23:00:00.000Z');
    expect(startOfDayUtc('2007-03-26', 'Europe/Berlin').toISOString()).toBe('2007-03-25T22:00:00.000Z');
  });

  it('splits a half year into six months covering the period exactly', () => {
    const b = monthBuckets('2007-01-01', '2007-06-30', 'Asia/Shanghai');
    expect(b.map((x) => x.month)).toEqual(['2007-01', '2007-02', '2007-03', '2007-04', '2007-05', '2007-06']);
    expect(b[0]!.start).toBe('2006-12-31T16:00:00.000Z');
    expect(b[5]!.end).toBe('2007-06-30T16:00:00.000Z');
    for (let i = 1; i < b.length; i++) expect(b[i]!.start).toBe(b[i - 1]!.end);
    const partial = monthBuckets('2007-01-15', '2007-02-10', 'UTC');
    expect(partial).toEqual([
      { month: '2007-01', start: '2007-01-15T00:00:00.000Z', end: '2007-02-01T00:00:00.000Z' },
      { month: '2007-02', start: '2007-02-01T00:00:00.000Z', end: '2007-02-11T00:00:00.000Z' },
    ]);
  });

  it('rejects bad days with the field named', () => {
    expect(() => dayRangeUtc('2007-02-30', '2007-03-01', 'UTC')).toThrow(/from: no such day "2007-02-30"/);
    expect(() => dayRangeUtc('2007-03-01', '2007-02-01', 'UTC')).toThrow(/to \(2007-02-01\) is before from/);
    expect(() => dayRangeUtc('2007/01/01', '2007-02-01', 'UTC')).toThrow(/from: expected YYYY-MM-DD/);
  });

  it('converts instants to local days', () => {
    expect(localDay(new Date('2007-01-31T17:00:00Z'), 'Asia/Shanghai')).toBe('2007-02-01');
    expect(addDays('2007-12-31', 1)).toBe('2008-01-01');
  });
});

describe('parseTimestamp', () => {
  it('reads zoned ISO and local forms', async () => {
    const { parseTimestamp } = await import('./time.ts');
    expect(parseTimestamp('2007-01-15T08:00:00Z', 'Asia/Shanghai')!.toISOString()).toBe(
      '2007-01-15T08:00:00.000Z',
    );
    expect(parseTimestamp('2007-01-15T08:00:00+08:00', 'UTC')!.toISOString()).toBe(
      '2007-01-15T00:00:00.000Z',
    );
    expect(parseTimestamp('2007-01-15 08:30', 'Asia/Shanghai')!.toISOString()).toBe(
      '2007-01-15T00:30:00.000Z',
    );
    expect(parseTimestamp('2007-01-15', 'Asia/Shanghai')!.toISOString()).toBe('2007-01-14T16:00:00.000Z');
    expect(parseTimestamp('2007-02-30', 'UTC')).toBeNull();
    expect(parseTimestamp('15/01/2007', 'UTC')).toBeNull();
    expect(parseTimestamp('2007-01-15 25:00', 'UTC')).toBeNull();
  });
});

describe("canonicalUtcIso (the import's fast path for timestamps)", () => {
  it('returns every instant toISOString writes, as it is', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), (ms) => {
        const iso = new Date(ms).toISOString();
        expect(canonicalUtcIso(iso)).toBe(iso);
      }),
      { numRuns: 20_000 },
    );
  });

  it('accepts only what a Date would write back unchanged, and the full parser agrees with it', () => {
    const two = (max: number) => fc.integer({ min: 0, max }).map((v) => String(v).padStart(2, '0'));
    const shaped = fc
      .tuple(
        fc.integer({ min: 0, max: 9999 }),
        two(19),
        two(39),
        two(29),
        two(69),
        two(69),
        fc.integer({ min: 0, max: 999 }),
      )
      .map(
        ([y, mo, d, h, mi, s, ms]) =>
          `${String(y).padStart(4, '0')}-${mo}-${d}T${h}:${mi}:${s}.${String(ms).padStart(3, '0')}Z`,
      );
    fc.assert(
      fc.property(shaped, (text) => {
        const fast = canonicalUtcIso(text);
        const full = parseTimestamp(text, 'UTC');
        if (fast !== null) expect(full?.toISOString()).toBe(text);
        else expect(full === null || full.toISOString() !== text).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });

  it('leaves rolled-over days, other shapes and zones to the full parser', () => {
    for (const text of [
      '2007-02-29T00:00:00.000Z', // not a leap year: a Date makes it 1 March
      '2007-04-31T10:00:00.000Z',
      '2007-01-01T24:00:00.000Z',
      '2007-01-01T04:54:02Z',
      '2007-01-01T04:54:02.552+08:00',
      ' 2007-01-15T04:54:02.552Z',
      '2007-01-15 04:54:02.552Z',
    ])
      expect(canonicalUtcIso(text)).toBeNull();
    expect(canonicalUtcIso('2008-02-29T23:59:59.999Z')).toBe('2008-02-29T23:59:59.999Z');
    expect(canonicalUtcIso('2000-02-29T00:00:00.000Z')).toBe('2000-02-29T00:00:00.000Z');
    expect(canonicalUtcIso('1900-02-29T00:00:00.000Z')).toBeNull();
  });
});
