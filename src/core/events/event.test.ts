import { describe, expect, it } from 'vitest';
import { getField, newEvent, NUMBER_FIELDS, STRING_FIELDS } from './event.ts';

describe('newEvent', () => {
  it('holds every known field, each undefined (absent to every reader), in one fixed order', () => {
    const e = newEvent();
    expect(Object.keys(e)).toEqual([...STRING_FIELDS, ...NUMBER_FIELDS, 'extra', 'raw']);
    expect(Object.values(e).every((v) => v === undefined)).toBe(true);
    expect(JSON.stringify(e)).toBe('{}');
    expect(getField(e, 'source.ip')).toBeUndefined();
    expect(getField(e, 'extra.x')).toBeUndefined();
  });

  it('gives a new object each time', () => {
    const a = newEvent();
    const b = newEvent();
    a['source.ip'] = '192.0.2.1';
    expect(b['source.ip']).toBeUndefined();
    expect(a).not.toBe(b);
  });
});
