import { StringDecoder } from 'node:string_decoder';

/**
 * Decodes an input stream of Buffers or strings into UTF-8 text pieces, dropping a leading byte
 * order mark. Multi-byte characters split across chunks are kept whole.
 */
export async function* decodeText(input: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let first = true;
  for await (const chunk of input) {
    let text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    if (text.length > 0) yield text;
  }
  const tail = decoder.end();
  if (tail.length > 0) yield tail;
}

/** One physical line of a text input, 1-based, without its line break. */
export interface TextLine {
  line: number;
  text: string;
}

/**
 * Splits a text stream into lines (`\n`, `\r\n`), yielding them in arrays (one per input chunk)
 * so that callers pay one await per chunk rather than per line.
 */
export async function* readLines(input: AsyncIterable<Buffer | string>): AsyncGenerator<TextLine[]> {
  let pending = '';
  let line = 0;
  for await (const piece of decodeText(input)) {
    const text = pending.length > 0 ? pending + piece : piece;
    const out: TextLine[] = [];
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl === -1) break;
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      out.push({ line: ++line, text: text.slice(start, end) });
      start = nl + 1;
    }
    pending = start === 0 ? text : text.slice(start);
    if (out.length > 0) yield out;
  }
  if (pending.length > 0) {
    const end = pending.charCodeAt(pending.length - 1) === 13 ? pending.length - 1 : pending.length;
    yield [{ line: ++line, text: pending.slice(0, end) }];
  }
}

/** Reads a whole (small) input as text, refusing more than `maxBytes` characters. */
export async function readAllText(
  input: AsyncIterable<Buffer | string>,
  maxChars: number,
  what: string,
): Promise<string> {
  const parts: string[] = [];
  let size = 0;
  for await (const piece of decodeText(input)) {
    size += piece.length;
    if (size > maxChars) throw new Error(`${what} is larger than ${maxChars} characters`);
    parts.push(piece);
  }
  return parts.join('');
}

/** Lines as records for mapRecords (`raw` is the line). */
export async function* readLinesAsRecords(
  input: AsyncIterable<Buffer | string>,
): AsyncGenerator<{ line: number; raw: string }[]> {
  for await (const lines of readLines(input)) yield lines.map((l) => ({ line: l.line, raw: l.text }));
}
