/** The two lower-case hex digits of each byte value (`HEX_BYTE[10]` is `0a`): keys and hashes as text. */
export const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, b) =>
  b.toString(16).padStart(2, '0'),
);
