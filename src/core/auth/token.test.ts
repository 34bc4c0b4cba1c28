import { describe, expect, it } from 'vitest';
import { displayPrefixOf, formatToken, isTokenFormat, mayGrant, parseBearer } from './token.ts';

describe('token format', () => {
  it('is cto_ and 43 base64url characters for 32 bytes, with an 8-character display prefix', () => {
    const bytes = new Uint8Array(32).map((_, i) => i * 8 + 3);
    const token = formatToken(bytes);
    expect(token).toMatch(/^cto_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token.slice(4), 'base64url')).toEqual(Buffer.from(bytes));
    expect(displayPrefixOf(token)).toBe(token.slice(0, 8));
    expect(displayPrefixOf(token)).toHaveLength(8);
    expect(isTokenFormat(token)).toBe(true);
    expect(isTokenFormat(token.slice(0, -1))).toBe(false);
    expect(isTokenFormat(`xyz_${token.slice(4)}`)).toBe(false);
    expect(() => formatToken(new Uint8Array(16))).toThrow(/32 bytes/);
  });

  it('reads Bearer headers and nothing else', () => {
    const token = formatToken(new Uint8Array(32).fill(7));
    expect(parseBearer(`Bearer ${token}`)).toBe(token);
    expect(parseBearer(`bearer   ${token}`)).toBe(token);
    expect(parseBearer(`Basic ${token}`)).toBeNull();
    expect(parseBearer('Bearer cto_short')).toBeNull();
    expect(parseBearer(undefined)).toBeNull();
  });
});

describe('mayGrant: a token is never wider than its owner', () => {
  it('lets an admin grant any role with a consistent branch', () => {
    expect(mayGrant({ role: 'admin', branchCode: null }, { role: 'admin', branchCode: null })).toBe(true);
    expect(
      mayGrant({ role: 'admin', branchCode: null }, { role: 'branch_handler', branchCode: 'CN-XJ' }),
    ).toBe(true);
    expect(mayGrant({ role: 'admin', branchCode: null }, { role: 'branch_handler', branchCode: null })).toBe(
      false,
    );
    expect(mayGrant({ role: 'admin', branchCode: null }, { role: 'analyst', branchCode: 'CN-XJ' })).toBe(
      false,
    );
  });

  it('keeps a branch handler to branch_handler tokens of their own branch', () => {
    const bh = { role: 'branch_handler' as const, branchCode: 'CN-XJ' };
    expect(mayGrant(bh, { role: 'branch_handler', branchCode: 'CN-XJ' })).toBe(true);
    expect(mayGrant(bh, { role: 'branch_handler', branchCode: 'CN-BJ' })).toBe(false);
    expect(mayGrant(bh, { role: 'admin', branchCode: null })).toBe(false);
    expect(mayGrant(bh, { role: 'analyst', branchCode: null })).toBe(false);
    expect(mayGrant(bh, { role: 'reporter', branchCode: null })).toBe(false);
  });

  it('lets an all-branch role grant roles whose permissions it holds', () => {
    const nh = { role: 'national_handler' as const, branchCode: null };
    expect(mayGrant(nh, { role: 'analyst', branchCode: null })).toBe(true);
    expect(mayGrant(nh, { role: 'branch_handler', branchCode: 'CN-GD' })).toBe(true);
    expect(mayGrant(nh, { role: 'publisher', branchCode: null })).toBe(false); // advisory.publish
    expect(mayGrant(nh, { role: 'admin', branchCode: null })).toBe(false);
    const analyst = { role: 'analyst' as const, branchCode: null };
    expect(mayGrant(analyst, { role: 'analyst', branchCode: null })).toBe(true);
    expect(mayGrant(analyst, { role: 'branch_handler', branchCode: 'CN-GD' })).toBe(false); // incident.write
  });
});
