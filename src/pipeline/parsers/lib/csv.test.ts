import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCsv, RECORDS_PER_YIELD, type CsvRecord } from './csv.ts';

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

  it('yields at most RECORDS_PER_YIELD records at a time, the same records as one pass, quoted lines across the cuts', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 2345; i++)
      lines.push(i % 97 === 0 ? `"q ${i}\nsecond line",${i}` : i % 5 === 0 ? `"${i}","x"` : `${i},y`);
    const text = lines.join('\n') + '\n';
    const sizes: number[] = [];
    const records: CsvRecord[] = [];
    for await (const batch of readCsv(chunks(text, 1 << 20))) {
      sizes.push(batch.length);
      records.push(...batch);
    }
    expect(Math.max(...sizes)).toBe(RECORDS_PER_YIELD);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(2345);
    expect(records.map((r) => r.fields)).toEqual(parse(text, { relax_column_count: true }));
    // line numbers count the line break inside the quoted fields
    expect(records[1]!.line).toBe(3);
    expect(records[2344]!.fields).toEqual(['2344', 'y']);
    // the last, unterminated line is read too
    const tail = await readAll('a,b\n'.repeat(RECORDS_PER_YIELD) + 'end,"z"');
    expect(tail).toHaveLength(RECORDS_PER_YIELD + 1);
    expect(tail[RECORDS_PER_YIELD]!.fields).toEqual(['end', 'z']);
  });

  it('gives the same records whatever the chunk boundaries, even inside a multi-byte character', async () => {
    const text = '"省份","城市"\n"广东","广州, 天河"\n"x""y",z\n';
    const whole = await readAll(text);
    for (const size of [1, 2, 3, 5, 7]) expect(await readAll(text, size)).toEqual(whole);
  });

  it('gives quoted lines of changing widths exactly their fields, no holes and nothing left over', async () => {
    const lines = [
      ['"a"', '"b"', '"c"'],
      ['"d"'],
      ['"e"', 'f', '"g"', '', '"h"'],
      ['"i"', ''],
      Array.from({ length: 40 }, (_, i) => `"${i}"`),
      ['"j"', '"k"'],
    ];
    const records = await readAll(lines.map((l) => l.join(',')).join('\n'));
    const fields = records.map((r) => r.fields);
    expect(fields).toStrictEqual(lines.map((l) => l.map((f) => f.replace(/"/g, ''))));
    for (const f of fields) expect(Object.keys(f)).toHaveLength(f.length);
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
