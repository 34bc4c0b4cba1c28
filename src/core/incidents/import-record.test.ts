import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseImportRecord, rawRecord, readRecordFast } from './import-record.ts';

const FIELDS = Object.keys(rawRecord.shape);
const value = fc.oneof(
  fc.string(),
  fc.constantFrom(' phishing ', 'CN-XJ', '2007-01-05 09:00', 'resolved', ''),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constant(null),
  fc.boolean(),
  fc.constant(undefined),
  fc.object({ maxDepth: 1 }),
);
const action = fc.oneof(
  fc.record(
    {
      kind: fc.oneof(fc.constantFrom('contact_isp', ' note '), value),
      branch: value,
      counterpart: value,
      occurred_at: value,
      outcome: value,
      note: value,
      extra: value,
    },
    { requiredKeys: [] },
  ),
  value,
);
const record = fc.oneof(
  fc.dictionary(
    fc.oneof(fc.constantFrom(...FIELDS), fc.string()),
    fc.oneof(value, fc.array(action, { maxLength: 3 })),
    { maxKeys: 12 },
  ),
  value,
  fc.array(value),
);

describe('reading an import record without zod (the common case)', () => {
  it('reads exactly what the schema reads, and leaves everything else to the schema', () => {
    fc.assert(
      fc.property(record, (r) => {
        const fast = readRecordFast(r);
        const schema = rawRecord.safeParse(r);
        if (fast !== null) {
          expect(schema.success).toBe(true);
          expect(fast).toEqual(schema.data);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('takes the fast path for strings and numbers, trimmed as the schema trims them', () => {
    const r = {
      received_at: ' 2007-01-05 09:00 ',
      external_id: 42,
      category: 'spam',
      actions: [{ kind: 'note', note: 7 }],
    };
    expect(readRecordFast(r)).toEqual({
      received_at: '2007-01-05 09:00',
      external_id: '42',
      category: 'spam',
      actions: [{ kind: 'note', note: '7' }],
    });
    expect(readRecordFast({ received_at: null })).toBeNull();
    expect(readRecordFast({ actions: [{ note: 'no kind' }] })).toBeNull();
  });

  it('still names the field of a value of the wrong type', () => {
    expect(() => parseImportRecord({ received_at: true, description: 'x' }, 7, 'Asia/Shanghai')).toThrow(
      /^line 7: received_at: /,
    );
    expect(() =>
      parseImportRecord(
        { received_at: '2007-01-05', description: 'x', actions: [{ kind: 3 }] },
        8,
        'Asia/Shanghai',
      ),
    ).toThrow(/^line 8: actions\.0\.kind: /);
  });
});
