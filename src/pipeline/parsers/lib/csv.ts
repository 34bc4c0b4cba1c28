import { decodeText } from './text-input.ts';

/**
 * A streaming CSV reader (RFC 4180: quoted fields, doubled quotes, line breaks inside quotes,
 * CRLF, BOM), written by hand because the parsers must read several hundred thousand lines a
 * second: csv-parse measured ~30,000 rows/s on the target machine (see docs/feeds.md). It is
 * lenient like csv-parse's `relax_quotes` + `relax_column_count`: rows may have any number of
 * fields, a quote inside an unquoted field is kept literally, text after a closing quote is
 * appended to the field. Empty lines are skipped. Its output is checked against csv-parse in
 * csv.test.ts.
 */

export interface CsvRecord {
  /** 1-based line number on which the record starts. */
  line: number;
  /** The record as written (for multi-line records, its lines joined with `\n`). */
  raw: string;
  fields: string[];
  /** Set when the input ended inside a quoted field. */
  error?: string;
}

export interface CsvOptions {
  delimiter?: string;
  quote?: string;
}

/**
 * Records per array readCsv yields: a chunk of text holds thousands of lines, and records kept
 * until the whole chunk is parsed outlive the young generation's collections (copied, then
 * promoted) instead of dying young.
 */
export const RECORDS_PER_YIELD = 500;

/**
 * Parses complete records from `text` starting at `pos`, at most `max` of them; returns where it
 * stopped.
 */
function parseRecords(
  text: string,
  pos: number,
  final: boolean,
  delim: number,
  quoteCode: number,
  quoteChar: string,
  delimChar: string,
  lineRef: LineState,
  out: CsvRecord[],
  max: number,
): number {
  const n = text.length;
  while (pos < n) {
    if (out.length >= max) return pos;
    const nl = text.indexOf('\n', pos);
    if (nl === -1 && !final) return pos;
    const lineEnd0 = nl === -1 ? n : nl;
    const lineEnd = lineEnd0 > pos && text.charCodeAt(lineEnd0 - 1) === 13 ? lineEnd0 - 1 : lineEnd0;
    const q = text.indexOf(quoteChar, pos);
    if (q === -1 || q >= lineEnd) {
      // fast path: no quote on this line
      lineRef.line++;
      if (lineEnd > pos && !isBlank(text, pos, lineEnd)) {
        const raw = text.slice(pos, lineEnd);
        out.push({ line: lineRef.line, raw, fields: raw.split(delimChar) });
      }
      pos = nl === -1 ? n : nl + 1;
      continue;
    }
    // quotes on this line: split it on its own when every quoted field closes on it
    const fields1 = splitQuotedLine(
      text,
      pos,
      lineEnd,
      delim,
      quoteCode,
      delimChar,
      quoteChar,
      lineRef.width,
    );
    if (fields1 !== null) {
      lineRef.width = fields1.length;
      lineRef.line++;
      out.push({ line: lineRef.line, raw: text.slice(pos, lineEnd), fields: fields1 });
      pos = nl === -1 ? n : nl + 1;
      continue;
    }
    if (nl === -1 && final) {
      lineRef.line++;
      out.push({
        line: lineRef.line,
        raw: text.slice(pos, lineEnd),
        fields: [],
        error: 'the input ends inside a quoted field',
      });
      return n;
    }
    // slow path: quoted fields, maybe spanning lines
    const startLine = lineRef.line + 1;
    const fields: string[] = [];
    let i = pos;
    let field = '';
    let complete = false;
    let unterminated = false;
    for (;;) {
      // at field start
      if (i < n && text.charCodeAt(i) === quoteCode) {
        i++;
        let segStart = i;
        for (;;) {
          const qq = text.indexOf(quoteChar, i);
          if (qq === -1) {
            unterminated = true;
            break;
          }
          if (qq + 1 < n && text.charCodeAt(qq + 1) === quoteCode) {
            field += text.slice(segStart, qq + 1);
            i = qq + 2;
            segStart = i;
            continue;
          }
          if (qq + 1 >= n && !final) {
            unterminated = true;
            break;
          }
          field += text.slice(segStart, qq);
          i = qq + 1;
          break;
        }
        if (unterminated) break;
      }
      // unquoted part (or the rest after a closing quote)
      let j = i;
      while (j < n) {
        const c = text.charCodeAt(j);
        if (c === delim || c === 10) break;
        j++;
      }
      if (j > i) {
        let end = j;
        if (j < n && text.charCodeAt(j) === 10 && text.charCodeAt(j - 1) === 13) end = j - 1;
        else if (j === n && text.charCodeAt(j - 1) === 13) end = j - 1;
        field += text.slice(i, end);
      }
      fields.push(field);
      field = '';
      if (j >= n) {
        if (!final) {
          unterminated = true;
          break;
        }
        complete = true;
        i = n;
        break;
      }
      if (text.charCodeAt(j) === 10) {
        complete = true;
        i = j + 1;
        break;
      }
      i = j + 1; // after delimiter
      if (i >= n) {
        if (!final) {
          unterminated = true;
          break;
        }
        fields.push('');
        complete = true;
        break;
      }
    }
    if (!complete) {
      if (!final) return pos;
      // input ended inside quotes: report the rest as one broken record
      const raw = text.slice(pos).replace(/\r?\n$/, '');
      out.push({ line: startLine, raw, fields: [], error: 'the input ends inside a quoted field' });
      lineRef.line += countLines(raw);
      return n;
    }
    let rawEnd = i;
    if (rawEnd > pos && text.charCodeAt(rawEnd - 1) === 10) rawEnd--;
    if (rawEnd > pos && text.charCodeAt(rawEnd - 1) === 13) rawEnd--;
    lineRef.line += countLines(text.slice(pos, rawEnd));
    const raw = text.slice(pos, rawEnd);
    out.push({ line: startLine, raw: raw.indexOf('\r') === -1 ? raw : raw.replace(/\r\n/g, '\n'), fields });
    pos = i;
  }
  return pos;
}

/** Where the reading of a CSV text stands. */
interface LineState {
  /** Lines read so far. */
  line: number;
  /** Fields of the last line split by splitQuotedLine: the next one's likely count. */
  width: number;
}

/**
 * Splits one line holding quoted fields; null when a quoted field does not close on this line
 * (a record spanning lines, handled by the general path). The fields array starts at `width`
 * slots (the line before's count: a file's lines have one width), not grown field by field.
 */
function splitQuotedLine(
  text: string,
  start: number,
  end: number,
  delim: number,
  quoteCode: number,
  delimChar: string,
  quoteChar: string,
  width: number,
): string[] | null {
  const fields: string[] = new Array(width);
  let k = 0;
  let i = start;
  for (;;) {
    let d: number;
    if (i < end && text.charCodeAt(i) === quoteCode) {
      let s = i + 1;
      let value = '';
      for (;;) {
        const q = text.indexOf(quoteChar, s);
        if (q === -1 || q >= end) return null;
        if (q + 1 < end && text.charCodeAt(q + 1) === quoteCode) {
          value += text.slice(s, q + 1);
          s = q + 2;
          continue;
        }
        value += text.slice(s, q);
        i = q + 1;
        break;
      }
      d = i < end && text.charCodeAt(i) === delim ? i : text.indexOf(delimChar, i);
      if (d === -1 || d > end) d = end;
      if (d > i) value += text.slice(i, d);
      fields[k++] = value;
    } else {
      d = text.indexOf(delimChar, i);
      if (d === -1 || d > end) d = end;
      fields[k++] = text.slice(i, d);
    }
    if (d >= end) break;
    i = d + 1;
    if (i === end) {
      fields[k++] = '';
      break;
    }
  }
  if (k !== fields.length) fields.length = k;
  return fields;
}

function isBlank(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

function countLines(s: string): number {
  let k = 1;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) k++;
  return k;
}

/**
 * Streams CSV records, one array per input chunk (never the whole input in memory: only the
 * unfinished last record of a chunk is carried over).
 */
export async function* readCsv(
  input: AsyncIterable<Buffer | string>,
  options: CsvOptions = {},
): AsyncGenerator<CsvRecord[]> {
  const delimChar = options.delimiter ?? ',';
  const quoteChar = options.quote ?? '"';
  if (delimChar.length !== 1)
    throw new Error(`CSV delimiter must be one character, got ${JSON.stringify(delimChar)}`);
  const delim = delimChar.charCodeAt(0);
  const quoteCode = quoteChar.charCodeAt(0);
  const lineRef: LineState = { line: 0, width: 8 };
  /** Up to RECORDS_PER_YIELD records of `text` from `pos` into `out`; where it stopped. */
  const parse = (text: string, pos: number, final: boolean, out: CsvRecord[]) =>
    parseRecords(text, pos, final, delim, quoteCode, quoteChar, delimChar, lineRef, out, RECORDS_PER_YIELD);
  let pending = '';
  for await (const piece of decodeText(input)) {
    const text = pending.length > 0 ? pending + piece : piece;
    let pos = 0;
    for (;;) {
      const out: CsvRecord[] = [];
      const stop = parse(text, pos, false, out);
      if (out.length > 0) yield out;
      // fewer than a full array: the rest of the text is an incomplete record
      if (out.length < RECORDS_PER_YIELD || stop === pos) {
        pending = stop === 0 ? text : text.slice(stop);
        break;
      }
      pos = stop;
    }
  }
  let pos = 0;
  while (pos < pending.length) {
    const out: CsvRecord[] = [];
    pos = parse(pending, pos, true, out);
    if (out.length > 0) yield out;
    else break;
  }
}
