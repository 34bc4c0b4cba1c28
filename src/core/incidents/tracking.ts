/** Crockford base32: no I, L, O, U, so a number read out on the phone is not misheard. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A report's tracking number, e.g. `2007-7K3M9-Q2PXA`: the year it was received and 50 random
 * bits, so numbers reveal neither volume nor order and can be made before the row exists (bulk
 * import). `random` supplies 10 random bytes (node:crypto randomBytes in production).
 */
export function generateTrackingNumber(receivedAt: Date, random: Uint8Array): string {
  if (random.length < 10) throw new Error('generateTrackingNumber needs 10 random bytes');
  let s = '';
  for (let i = 0; i < 10; i++) s += ALPHABET[random[i]! & 31];
  return `${receivedAt.getUTCFullYear()}-${s.slice(0, 5)}-${s.slice(5)}`;
}

const TRACKING_RE = /^\d{4}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/;

/** Accepts what people type: lower case, spaces, and the letters O/I/L for 0/1/1. */
export function normaliseTrackingNumber(input: string): string | null {
  const s = input.trim().toUpperCase().replace(/\s+/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  return TRACKING_RE.test(s) ? s : null;
}
