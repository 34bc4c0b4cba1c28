import { describe, expect, it } from 'vitest';
import { wholeNumber } from './options.ts';

describe('wholeNumber', () => {
  it('reads decimal whole numbers within the range', () => {
    expect(wholeNumber('--limit', '1', 1, 500)).toBe(1);
    expect(wholeNumber('--limit', '500', 1, 500)).toBe(500);
    expect(wholeNumber('--port', '0', 0, 65535)).toBe(0);
    expect(wholeNumber('--port', ' 8080 ', 0, 65535)).toBe(8080);
  });

  it.each(['', ' ', '0', '501', '1.5', '1.0', '0x10', '1e2', '-1', 'ten', '12abc'])(
    'refuses "%s" in one line naming the option and the range',
    (raw) => {
      expect(() => wholeNumber('--limit', raw, 1, 500)).toThrow(
        `--limit: expected a whole number 1-500, got "${raw}"`,
      );
    },
  );
});
