import { can, seesAllBranches, type Permission, type Role } from './roles.ts';

/**
 * API token format: `cto_` followed by 32 random bytes in base64url (43 characters). The
 * database keeps only the SHA-256 (hex) of the whole token and an 8-character display prefix.
 */
export const TOKEN_PREFIX = 'cto_';
export const TOKEN_RANDOM_BYTES = 32;
export const TOKEN_DISPLAY_PREFIX_LENGTH = 8;

const TOKEN_PATTERN = /^cto_[A-Za-z0-9_-]{43}$/;

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The token text for 32 random bytes. */
export function formatToken(randomBytes: Uint8Array): string {
  if (randomBytes.length !== TOKEN_RANDOM_BYTES)
    throw new Error(`formatToken: expected ${TOKEN_RANDOM_BYTES} bytes, got ${randomBytes.length}`);
  return TOKEN_PREFIX + toBase64Url(randomBytes);
}

/** Does the text look like a certops token (before any lookup)? */
export function isTokenFormat(text: string): boolean {
  return TOKEN_PATTERN.test(text);
}

/** What lists show so that people can tell their tokens apart: `cto_AbCd`. */
export function displayPrefixOf(token: string): string {
  return token.slice(0, TOKEN_DISPLAY_PREFIX_LENGTH);
}

/** base64url of random bytes: session cookie values and CSRF tokens. */
export function formatSecret(randomBytes: Uint8Array): string {
  return toBase64Url(randomBytes);
}

/** Extracts the token from an `Authorization` header value; null when it is not `Bearer cto_…`. */
export function parseBearer(header: string | undefined | null): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m || !isTokenFormat(m[1]!)) return null;
  return m[1]!;
}

/** Every permission (a Record so that a new Permission fails to compile until listed here). */
const PERMISSION_SET: Record<Permission, true> = {
  'incident.read': true,
  'incident.write': true,
  'incident.merge': true,
  'report.create': true,
  'directory.read': true,
  'directory.write': true,
  'user.manage': true,
  'token.manage': true,
  'audit.read': true,
  'stats.read': true,
  'advisory.publish': true,
};
const PERMISSIONS = Object.keys(PERMISSION_SET) as Permission[];

/** Who a token acts for: the owner's (or requested) role and branch. */
export interface Grant {
  role: Role;
  branchCode: string | null;
}

/**
 * May a holder of `owner` mint (and keep using) a token with `requested`? Never wider than the
 * owner: an admin any role and branch; a role that sees every branch any role whose permissions
 * are a subset of its own (a national handler may mint an analyst token, or a branch handler
 * token of any branch); a role narrowed to one branch (or none) only its own role and branch.
 */
export function mayGrant(owner: Grant, requested: Grant): boolean {
  if (requested.role === 'branch_handler' ? !requested.branchCode : requested.branchCode !== null)
    return false;
  if (owner.role === 'admin') return true;
  if (!seesAllBranches(owner.role))
    return requested.role === owner.role && requested.branchCode === owner.branchCode;
  if (requested.role === 'admin') return false;
  return PERMISSIONS.filter((p) => can(requested.role, p)).every((p) => can(owner.role, p));
}
