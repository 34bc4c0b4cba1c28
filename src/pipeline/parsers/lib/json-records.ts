import { decodeText } from './text-input.ts';

/**
 * Streams the top-level values of a JSON document that is either one array (`[{…},{…}]`) or a
 * sequence of values (JSON lines, or objects one after another). Each value is cut out by a small
 * scanner that tracks strings and nesting, then parsed on its own, so only the current value is
 * held in memory however large the file is.
 */

export interface JsonRecord {
  /** 1-based line on which the value starts. */
  line: number;
  /** The value's text. */
  raw: string;
  /** The parsed value, when `error` is not set. */
  value?: unknown;
  error?: string;
}

const WS = new Uint8Array(128);
WS[32] = WS[9] = WS[10] = WS[13] = 1;

export async function* readJsonRecords(input: AsyncIterable<Buffer | string>): AsyncGenerator<JsonRecord[]> {
  let mode: 'unknown' | 'array' | 'sequence' | 'done' = 'unknown';
  let buffer = '';
  let line = 1;
  let depth = 0; // nesting inside the current value
  let inString = false;
  let escape = false;
  let start = -1; // start of the current value in buffer
  let startLine = 0;
  let primitive = false;
  let trailing = '';

  const finish = (end: number, out: JsonRecord[]): void => {
    const raw = buffer.slice(start, end);
    try {
      out.push({ line: startLine, raw, value: JSON.parse(raw) });
    } catch (e) {
      out.push({ line: startLine, raw, error: `invalid JSON: ${(e as Error).message}` });
    }
    start = -1;
    primitive = false;
  };

  for await (const piece of decodeText(input)) {
    const from = buffer.length;
    buffer += piece;
    const out: JsonRecord[] = [];
    const n = buffer.length;
    for (let i = from; i < n; i++) {
      const c = buffer.charCodeAt(i);
      if (c === 10) line++;
      if (inString) {
        if (escape) escape = false;
        else if (c === 92) escape = true;
        else if (c === 34) {
          inString = false;
          if (depth === 0 && start !== -1 && !primitive) finish(i + 1, out);
        }
        continue;
      }
      if (start !== -1) {
        if (primitive) {
          if (c === 44 || c === 93 || (c < 128 && WS[c] === 1)) {
            finish(i, out);
            if (c === 93 && mode === 'array') mode = 'done';
          }
          continue;
        }
        if (c === 34) inString = true;
        else if (c === 123 || c === 91) depth++;
        else if (c === 125 || c === 93) {
          depth--;
          if (depth === 0) finish(i + 1, out);
        }
        continue;
      }
      // between values
      if (c < 128 && WS[c] === 1) continue;
      if (mode === 'unknown') {
        if (c === 91) {
          mode = 'array';
          continue;
        }
        mode = 'sequence';
      } else if (mode === 'array') {
        if (c === 44) continue;
        if (c === 93) {
          mode = 'done';
          continue;
        }
      } else if (mode === 'done') {
        if (trailing.length < 40) trailing += buffer[i];
        continue;
      } else if (c === 44) continue; // tolerate commas between sequence values
      start = i;
      startLine = line;
      if (c === 123 || c === 91) depth = 1;
      else if (c === 34) {
        inString = true;
        depth = 0;
      } else primitive = true;
    }
    if (start === -1) buffer = '';
    else {
      buffer = buffer.slice(start);
      start = 0;
    }
    if (out.length > 0) yield out;
  }
  const out: JsonRecord[] = [];
  if (start !== -1) {
    if (primitive) finish(buffer.length, out);
    else
      out.push({
        line: startLine,
        raw: buffer.slice(start),
        error: 'invalid JSON: the input ends inside this value',
      });
  } else if (mode === 'array') {
    out.push({ line, raw: '', error: 'invalid JSON: the array is not closed with "]"' });
  }
  if (trailing.trim().length > 0)
    out.push({
      line,
      raw: trailing,
      error: `invalid JSON: unexpected text after the array: ${JSON.stringify(trailing)}`,
    });
  if (out.length > 0) yield out;
}
