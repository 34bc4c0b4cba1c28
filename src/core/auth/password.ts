import type { FieldIssue } from '../shared/errors.ts';

export const PASSWORD_MIN_LENGTH = 12;
/** argon2 hashes any length, but an upper bound keeps hashing requests cheap to refuse. */
export const PASSWORD_MAX_LENGTH = 256;

/**
 * The password policy: at least 12 characters (code points, so Chinese passphrases count per
 * character), at most 256, and not the username itself (case-insensitive). Returns the problems
 * found, empty when the password is acceptable.
 */
export function checkPasswordPolicy(password: string, username: string, field = 'password'): FieldIssue[] {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH)
    return [{ field, message: `must be at least ${PASSWORD_MIN_LENGTH} characters` }];
  if (length > PASSWORD_MAX_LENGTH)
    return [{ field, message: `must be at most ${PASSWORD_MAX_LENGTH} characters` }];
  if (password.trim().toLowerCase() === username.trim().toLowerCase())
    return [{ field, message: 'must not be the username' }];
  return [];
}

/** Usernames: lower-case letters, digits, `.`, `_`, `-`; 2 to 64 characters, starting with a letter. */
export const USERNAME_PATTERN = /^[a-z][a-z0-9._-]{1,63}$/;

export function normaliseUsername(raw: string): string {
  return raw.trim().toLowerCase();
}

export function checkUsername(username: string, field = 'username'): FieldIssue[] {
  return USERNAME_PATTERN.test(username)
    ? []
    : [
        {
          field,
          message: 'must be 2-64 characters: a letter, then letters, digits, ".", "_" or "-"',
        },
      ];
}

/**
 * A generated one-time password: `length` characters from an alphabet without look-alikes
 * (no 0/O, 1/l/I), drawn from the given random bytes by rejection sampling (no modulo bias).
 */
export function formatGeneratedPassword(randomBytes: Uint8Array, length = 20): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  for (const b of randomBytes) {
    if (b >= limit) continue;
    out += alphabet[b % alphabet.length];
    if (out.length === length) return out;
  }
  throw new Error('formatGeneratedPassword: not enough random bytes');
}
