/**
 * Delivery retries of the outbox: after a failed attempt the message waits 1 minute, then 5, 30,
 * 120 and 360 minutes; when the attempt after the last wait fails too, the message is failed for
 * good (6 attempts in all, spread over about 8½ hours) and the handler sees it.
 */
export const RETRY_DELAYS_MS: readonly number[] = [
  60_000,
  5 * 60_000,
  30 * 60_000,
  2 * 60 * 60_000,
  6 * 60 * 60_000,
];

/** Attempts a message gets before it is failed: the first one plus one per retry delay. */
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

/**
 * When to try again after `attempts` attempts (the failed one included) have failed, or null
 * when there are no more tries.
 */
export function nextAttemptAfter(attempts: number, failedAt: Date): Date | null {
  if (!Number.isInteger(attempts) || attempts < 1)
    throw new RangeError(`attempts must be ≥ 1, got ${attempts}`);
  const delay = RETRY_DELAYS_MS[attempts - 1];
  return delay === undefined ? null : new Date(failedAt.getTime() + delay);
}
