import { DomainError } from '../core/shared/errors.ts';

/**
 * A whole-number option between `min` and `max`, written in decimal digits ("0x10", "1e3", "1.0"
 * and "" are refused); anything else is one line naming the option and the accepted range.
 */
export function wholeNumber(option: string, raw: string, min: number, max: number): number {
  const n = /^\d{1,15}$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!(n >= min && n <= max))
    throw new DomainError('invalid_input', `${option}: expected a whole number ${min}-${max}, got "${raw}"`);
  return n;
}
