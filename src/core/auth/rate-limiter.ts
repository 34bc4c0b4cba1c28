import type { Clock } from '../shared/clock.ts';

export interface RateLimitDecision {
  allowed: boolean;
  /** Attempts left in the current window after this one. */
  remaining: number;
  /** Seconds until the current window ends. */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Counts one attempt for the key and says whether it is within the limit. */
  hit(key: string): RateLimitDecision;
  /** Looks without counting. */
  peek(key: string): RateLimitDecision;
  reset(key: string): void;
}

/**
 * A fixed-window, in-memory limiter: at most `limit` hits per key per window of `windowSeconds`,
 * windows aligned to the clock (epoch multiples). Per process: several `certops serve` processes
 * each count on their own. Expired windows are dropped as the map is touched, so memory stays
 * bounded by the keys seen in one window.
 */
export function createRateLimiter(options: {
  limit: number;
  windowSeconds: number;
  clock: Clock;
}): RateLimiter {
  const { limit, clock } = options;
  const windowMs = options.windowSeconds * 1000;
  const windows = new Map<string, { start: number; count: number }>();
  let lastSweep = 0;

  function current(key: string, now: number) {
    const start = now - (now % windowMs);
    if (start !== lastSweep) {
      for (const [k, w] of windows) if (w.start < start) windows.delete(k);
      lastSweep = start;
    }
    let w = windows.get(key);
    if (!w || w.start !== start) {
      w = { start, count: 0 };
      windows.set(key, w);
    }
    return w;
  }

  function decide(w: { start: number; count: number }, now: number): RateLimitDecision {
    return {
      allowed: w.count <= limit,
      remaining: Math.max(0, limit - w.count),
      retryAfterSeconds: Math.max(1, Math.ceil((w.start + windowMs - now) / 1000)),
    };
  }

  return {
    hit(key) {
      const now = clock.now().getTime();
      const w = current(key, now);
      w.count += 1;
      return decide(w, now);
    },
    peek(key) {
      const now = clock.now().getTime();
      const w = windows.get(key);
      const start = now - (now % windowMs);
      if (!w || w.start !== start) return { allowed: true, remaining: limit, retryAfterSeconds: 0 };
      return { ...decide(w, now), allowed: w.count < limit };
    },
    reset(key) {
      windows.delete(key);
    },
  };
}
