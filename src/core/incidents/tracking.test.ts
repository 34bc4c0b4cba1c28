import { describe, expect, it } from 'vitest';
import { generateTrackingNumber, normaliseTrackingNumber } from './tracking.ts';

describe('tracking numbers', () => {
  it('formats year and ten base32 characters', () => {
    const n = generateTrackingNumber(
      new Date('2007-06-14T00:00:00Z'),
      Uint8Array.from([0, 1, 2, 3, 31, 32, 33, 10, 18, 255]),
    );
    expect(n).toBe('2007-0123Z-01AJZ');
    expect(normaliseTrackingNumber(n)).toBe(n);
  });

  it('accepts what a caller types and refuses what is not a number', () => {
    expect(normaliseTrackingNumber(' 2007-o123z-0lajz ')).toBe('2007-0123Z-01AJZ');
    expect(normaliseTrackingNumber('2007-0123Z')).toBeNull();
    expect(normaliseTrackingNumber('hello')).toBeNull();
  });
});
