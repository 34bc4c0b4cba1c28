import { describe, expect, it } from 'vitest';
import { fixedClock } from '../shared/clock.ts';
import { createRateLimiter } from './rate-limiter.ts';

describe('fixed-window rate limiter', () => {
  it('allows `limit` hits per key per window, then refuses until the next window', () => {
    const clock = fixedClock('2007-06-30T08:00:00.000Z');
    const limiter = createRateLimiter({ limit: 3, windowSeconds: 60, clock });
    expect([1, 2, 3].map(() => limiter.hit('ip:1').allowed)).toEqual([true, true, true]);
    const fourth = limiter.hit('ip:1');
    expect(fourth.allowed).toBe(false);
    expect(fourth.remaining).toBe(0);
    expect(fourth.retryAfterSeconds).toBe(60);
    expect(limiter.hit('ip:2').allowed).toBe(true); // keys are independent
    expect(limiter.peek('ip:1').allowed).toBe(false);
    clock.advance(59_000);
    expect(limiter.hit('ip:1').retryAfterSeconds).toBe(1);
    clock.advance(1_000); // a new window
    expect(limiter.hit('ip:1')).toEqual({ allowed: true, remaining: 2, retryAfterSeconds: 60 });
    limiter.reset('ip:1');
    expect(limiter.peek('ip:1')).toEqual({ allowed: true, remaining: 3, retryAfterSeconds: 0 });
  });
});
