/**
 * How often an organisation gets its grouped notification mail (organisations.notify_interval),
 * and whether one is due. `immediate` sends at every run; `never` sends nothing (its items are
 * suppressed, like an organisation with the suppression flag).
 */
export const BULK_INTERVALS = ['immediate', 'hourly', 'daily', 'weekly', 'never'] as const;
export type BulkInterval = (typeof BULK_INTERVALS)[number];

const HOUR = 60 * 60_000;

export const INTERVAL_MS: Readonly<Record<BulkInterval, number>> = {
  immediate: 0,
  hourly: HOUR,
  daily: 24 * HOUR,
  weekly: 7 * 24 * HOUR,
  never: Number.POSITIVE_INFINITY,
};

export function isBulkInterval(v: unknown): v is BulkInterval {
  return typeof v === 'string' && (BULK_INTERVALS as readonly string[]).includes(v);
}

export type RecipientDecision = 'send' | 'wait' | 'suppress';

/**
 * What a run does with a recipient's queued items: `suppress` (organisation suppressed or
 * interval `never`), `send` (no mail yet, or the interval has elapsed since the last one) or
 * `wait` (the interval has not elapsed yet).
 */
export function decideRecipient(input: {
  interval: BulkInterval;
  suppress: boolean;
  lastMailAt: string | null;
  now: Date;
}): RecipientDecision {
  if (input.suppress || input.interval === 'never') return 'suppress';
  if (input.lastMailAt === null) return 'send';
  const elapsed = input.now.getTime() - new Date(input.lastMailAt).getTime();
  return elapsed >= INTERVAL_MS[input.interval] ? 'send' : 'wait';
}

/** When a waiting recipient becomes due (ISO), for `notify run --dry-run`. */
export function dueAt(interval: BulkInterval, lastMailAt: string | null): string | null {
  if (interval === 'never') return null;
  if (lastMailAt === null) return null;
  return new Date(new Date(lastMailAt).getTime() + INTERVAL_MS[interval]).toISOString();
}
