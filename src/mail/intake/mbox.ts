import { createReadStream } from 'node:fs';

const FROM_ = Buffer.from('From ');

/** `>From `, `>>From `… (mboxrd quoting): one `>` is removed. */
function unescapeLine(line: Buffer): Buffer {
  let i = 0;
  while (i < line.length && line[i] === 0x3e) i++;
  if (i > 0 && line.subarray(i, i + 5).equals(FROM_)) return line.subarray(1);
  return line;
}

/**
 * The messages of an mbox file, one at a time (the file is streamed, never loaded whole): a line
 * starting with `From ` starts a message; `>From ` lines are unescaped (mboxrd, and mboxo as far as
 * it can be). Lines keep their own endings (CRLF or LF). A message larger than `maxBytes` is
 * yielded as `{ tooLarge: size }` instead of its bytes.
 */
export async function* readMbox(
  file: string,
  maxBytes = Number.POSITIVE_INFINITY,
): AsyncGenerator<{ raw: Buffer; index: number } | { tooLarge: number; index: number }> {
  let parts: Buffer[] = [];
  let size = 0;
  let started = false;
  let index = 0;
  let rest: Buffer = Buffer.alloc(0);

  function* flush(): Generator<{ raw: Buffer; index: number } | { tooLarge: number; index: number }> {
    if (!started) return;
    const i = index++;
    if (size > maxBytes) yield { tooLarge: size, index: i };
    else {
      // The separator's blank line before the next `From ` belongs to the format, not the message.
      let raw = Buffer.concat(parts, size);
      if (raw.subarray(-2).equals(Buffer.from('\n\n'))) raw = raw.subarray(0, -1);
      else if (raw.subarray(-4).equals(Buffer.from('\r\n\r\n'))) raw = raw.subarray(0, -2);
      yield { raw, index: i };
    }
    parts = [];
    size = 0;
  }

  function* line(l: Buffer): Generator<{ raw: Buffer; index: number } | { tooLarge: number; index: number }> {
    if (l.subarray(0, 5).equals(FROM_)) {
      yield* flush();
      started = true;
      return;
    }
    if (!started) {
      // Text before the first `From ` line: a file that is not mbox; keep it as one message.
      if (l.toString('latin1').trim() === '') return;
      started = true;
    }
    const u = unescapeLine(l);
    size += u.length;
    if (size <= maxBytes) parts.push(u);
    else parts = [];
  }

  for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    let buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(0x0a, start); nl !== -1; nl = buf.indexOf(0x0a, start)) {
      yield* line(buf.subarray(start, nl + 1));
      start = nl + 1;
    }
    rest = Buffer.from(buf.subarray(start));
    buf = Buffer.alloc(0);
  }
  if (rest.length) yield* line(rest);
  yield* flush();
}
