import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCsv, type CsvRecord } from './csv.ts';

async function* chunks(text: string, size: number): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function readAll(text: string, size = 1 << 16, delimiter = ','): Promise<CsvRecord[]> {
  const out: CsvRecord[] = [];
  for await (const batch of readCsv(chunks(text, size), { delimiter })) out.push(...batch);
  return out;
}

describe('readCsv', () => {
  it('reads quoted fields, doubled quotes, line breaks inside quotes, CRLF and a BOM', async () => {
    const text = '\ufeffa,"b ""x"", y",c\r\n"multi\nline",2,\n\n  \nlast,"",no-newline';
    const records = await readAll(text);
    expect(records.map((r) => [r.line, r.fields])).toEqual([
      [1, ['a', 'b "x", y', 'c']],
      [2, ['multi\nline', '2', '']],
      [6, ['last', '', 'no-newline']],
    ]);
    expect(records[1]!.raw).toBe('"multi\nline",2,');
    expect(records[0]!.raw).toBe('a,"b ""x"", y",c');
  });

  it('gives the same records whatever the chunk boundaries, even inside a multi-byte character', async () => {
    const text = '"省份","城市"\n"广东","广州, 天河"\n"x""y",z\n';
    const whole = await readAll(text);
    for (const size of [1, 2, 3, 5, 7]) expect(await readAll(text, size)).toEqual(whole);
  });

  it('is lenient with stray quotes and reports a quote left open at the end', async () => {
    expect((await readAll('ab"c,"d"e,f\n'))[0]!.fields).toEqual(['ab"c', 'de', 'f']);
    const [broken] = await readAll('ok,1\n"open,2\nmore');
    expect((await readAll('ok,1\n"open,2\nmore'))[0]!.fields).toEqual(['ok', '1']);
    expect(broken!.fields).toEqual(['ok', '1']);
    const records = await readAll('ok,1\n"open,2\nmore');
    expect(records[1]).toMatchObject({ line: 2, error: 'the input ends inside a quoted field' });
  });

  it('matches csv-parse (relax_column_count, relax_quotes) on generated CSV', async () => {
    const field = fc.oneof(
      fc.stringMatching(/^[a-z0-9 .:;/-]{0,8}$/),
      fc.string({ maxLength: 8 }).map((s) => `"${s.replace(/"/g, '""')}"`),
      fc.constantFrom('"a,b"', '"x\ny"', '""', '"say ""hi"""', '广州'),
    );
    const row = fc
      .array(field, { minLength: 1, maxLength: 6 })
      .map((fs) => fs.join(','))
      .filter((r) => r.trim() !== ''); // blank lines are skipped by both
    const doc = fc.tuple(
      fc.array(row, { minLength: 1, maxLength: 12 }),
      fc.constantFrom('\n', '\r\n'),
      fc.integer({ min: 1, max: 40 }),
    );
    await fc.assert(
      fc.asyncProperty(doc, async ([rows, eol, size]) => {
        const text = rows.join(eol) + eol;
        const expected = parse(text, {
          relax_column_count: true,
          relax_quotes: true,
          skip_empty_lines: true,
        });
        const ours = (await readAll(text, size)).filter((r) => r.error === undefined).map((r) => r.fields);
        expect(ours).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});
