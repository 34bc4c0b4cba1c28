import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../core/shared/clock.ts';

export type FormTokenCheck = 'ok' | 'expired' | 'invalid';

export interface FormTokens {
  /** A token for a form served now: `<issued ms, base36>.<nonce>.<HMAC-SHA256, base64url>`. */
  issue(form: string): string;
  /** Is `token` one this server signed for `form`, issued at most maxAgeMs ago (and not in the future)? */
  verify(form: string, token: string | undefined | null): FormTokenCheck;
}

/** Clock skew tolerated for tokens issued "in the future" (several servers sharing one secret). */
const FUTURE_SKEW_MS = 5 * 60_000;

/**
 * Signed, stateless tokens for the public forms. A page on another site cannot read our form
 * (same-origin policy), so it cannot post one blindly: it has no valid signature. The timestamp
 * bounds how long a fetched form stays usable. `secret`: config.site.formSecret, or random bytes
 * made at start (then forms served before a restart are refused once, with the form shown again).
 */
export function createFormTokens(options: { secret?: string; maxAgeMs: number; clock: Clock }): FormTokens {
  const key = options.secret ? Buffer.from(options.secret, 'utf8') : randomBytes(32);
  const sign = (form: string, issued: string, nonce: string) =>
    createHmac('sha256', key).update(`${form}\n${issued}\n${nonce}`).digest('base64url');

  return {
    issue(form) {
      const issued = options.clock.now().getTime().toString(36);
      const nonce = randomBytes(9).toString('base64url');
      return `${issued}.${nonce}.${sign(form, issued, nonce)}`;
    },
    verify(form, token) {
      if (typeof token !== 'string' || token.length > 200) return 'invalid';
      const m = /^([0-9a-z]{1,12})\.([A-Za-z0-9_-]{12})\.([A-Za-z0-9_-]{43})$/.exec(token);
      if (!m) return 'invalid';
      const [, issued, nonce, mac] = m as unknown as [string, string, string, string];
      const expected = Buffer.from(sign(form, issued, nonce));
      const given = Buffer.from(mac);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
      const age = options.clock.now().getTime() - parseInt(issued, 36);
      if (age < -FUTURE_SKEW_MS) return 'invalid';
      return age > options.maxAgeMs ? 'expired' : 'ok';
    },
  };
}
