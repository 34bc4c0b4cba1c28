import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../core/shared/clock.ts';
import { createFormTokens } from './form-token.ts';

const HOUR = 3_600_000;

describe('public form tokens', () => {
  it('accepts its own token for the same form within the age limit', () => {
    const clock = fixedClock('2007-06-30T08:00:00.000Z');
    const tokens = createFormTokens({ secret: 'x'.repeat(32), maxAgeMs: 12 * HOUR, clock });
    const token = tokens.issue('report');
    expect(token).toMatch(/^[0-9a-z]+\.[A-Za-z0-9_-]{12}\.[A-Za-z0-9_-]{43}$/);
    expect(tokens.verify('report', token)).toBe('ok');
    clock.advance(12 * HOUR);
    expect(tokens.verify('report', token)).toBe('ok');
    clock.advance(1);
    expect(tokens.verify('report', token)).toBe('expired');
  });

  it('refuses a token for another form, a tampered one, garbage, and one from another secret', () => {
    const clock = fixedClock('2007-06-30T08:00:00.000Z');
    const a = createFormTokens({ secret: 'a'.repeat(32), maxAgeMs: HOUR, clock });
    const b = createFormTokens({ secret: 'b'.repeat(32), maxAgeMs: HOUR, clock });
    const token = a.issue('report');
    expect(a.verify('status', token)).toBe('invalid');
    expect(b.verify('report', token)).toBe('invalid');
    const [issued, nonce, mac] = token.split('.') as [string, string, string];
    // Moving the timestamp forward to extend the token's life breaks the signature.
    const later = (parseInt(issued, 36) + HOUR).toString(36);
    expect(a.verify('report', `${later}.${nonce}.${mac}`)).toBe('invalid');
    for (const bad of [undefined, null, '', 'abc', `${token}x`, token.replace(/\./g, '-'), 'z'.repeat(500)])
      expect(a.verify('report', bad)).toBe('invalid');
  });

  it('refuses tokens issued in the future beyond the clock skew, and works with a generated secret', () => {
    const clock = fixedClock('2007-06-30T08:00:00.000Z');
    const tokens = createFormTokens({ maxAgeMs: HOUR, clock });
    const token = tokens.issue('report');
    clock.advance(-4 * 60_000);
    expect(tokens.verify('report', token)).toBe('ok');
    clock.advance(-2 * 60_000);
    expect(tokens.verify('report', token)).toBe('invalid');
    // Two processes without a configured secret do not accept each other's forms.
    expect(createFormTokens({ maxAgeMs: HOUR, clock }).verify('report', token)).toBe('invalid');
  });
});
