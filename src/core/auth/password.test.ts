import { describe, expect, it } from 'vitest';
import {
  checkPasswordPolicy,
  checkUsername,
  formatGeneratedPassword,
  normaliseUsername,
} from './password.ts';

describe('password policy', () => {
  it('wants at least 12 characters, counted as characters not bytes', () => {
    expect(checkPasswordPolicy('short-pass1', 'alice')).toEqual([
      { field: 'password', message: 'must be at least 12 characters' },
    ]);
    expect(checkPasswordPolicy('twelve-chars', 'alice')).toEqual([]);
    // 12 Chinese characters are 36 UTF-8 bytes but 12 characters: accepted; 11 are not.
    expect(checkPasswordPolicy('国家互联网应急中心网络安全', 'alice')).toEqual([]);
    expect(checkPasswordPolicy('国家互联网应急中心网络', 'alice')).toHaveLength(1);
  });

  it('refuses the username as password, whatever the case', () => {
    expect(checkPasswordPolicy('Branch.Handler', 'branch.handler')).toEqual([
      { field: 'password', message: 'must not be the username' },
    ]);
    expect(checkPasswordPolicy('x'.repeat(257), 'alice')[0]!.message).toMatch(/at most 256/);
  });

  it('accepts usernames of letters, digits and . _ - only', () => {
    expect(normaliseUsername('  Alice.Wang ')).toBe('alice.wang');
    expect(checkUsername('alice.wang')).toEqual([]);
    expect(checkUsername('a')).toHaveLength(1);
    expect(checkUsername('1alice')).toHaveLength(1);
    expect(checkUsername('ali ce')).toHaveLength(1);
    expect(checkUsername('张三')).toHaveLength(1);
  });

  it('generates passwords from an unambiguous alphabet without modulo bias', () => {
    const bytes = new Uint8Array(64).map((_, i) => (i * 37) % 256);
    const pw = formatGeneratedPassword(bytes, 20);
    expect(pw).toHaveLength(20);
    expect(pw).toMatch(/^[A-HJ-NP-Za-km-z2-9]+$/);
    // Bytes at or above the largest multiple of the alphabet size are skipped.
    expect(() => formatGeneratedPassword(new Uint8Array(30).fill(255), 20)).toThrow(/not enough/);
  });
});
