import { describe, expect, it } from 'vitest';
import { readJsonRecords, type JsonRecord } from './json-records.ts';

async function readAll(text: string, size: number): Promise<JsonRecord[]> {
  async function* chunks(): AsyncGenerator<string> {
    for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
  }
  const out: JsonRecord[] = [];
  for await (const batch of readJsonRecords(chunks())) out.push(...batch);
  return out;
}

describe('readJsonRecords', () => {
  const array = '[\n  {"a": "x,]}\\"", "b": [1, {"c": 2}]},\n  {"a": "y"},\n  "text", 42, null\n]\n';

  it('cuts a top-level array into its values, with the line each starts on', async () => {
    for (const size of [1, 3, 1000]) {
      const records = await readAll(array, size);
      expect(records.map((r) => [r.line, r.value])).toEqual([
        [2, { a: 'x,]}"', b: [1, { c: 2 }] }],
        [3, { a: 'y' }],
        [4, 'text'],
        [4, 42],
        [4, null],
      ]);
    }
  });

  it('reads JSON lines and concatenated objects', async () => {
    const records = await readAll('{"n":1}\n{"n":2}{"n":3}\n\n{"n":4}', 4);
    expect(records.map((r) => r.value)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
    expect(records.map((r) => r.line)).toEqual([1, 2, 2, 4]);
  });

  it('reports a broken value and goes on, and a truncated document', async () => {
    const records = await readAll('{"a":1}\n{"a":}\n{"a":3}\n{"a":', 5);
    expect(records.map((r) => r.error ?? r.value)).toEqual([
      { a: 1 },
      expect.stringMatching(/^invalid JSON: /),
      { a: 3 },
      'invalid JSON: the input ends inside this value',
    ]);
  });
});
