import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse as parseCsv } from 'csv-parse';
import { DomainError } from '../core/shared/errors.ts';

export type RecordFormat = 'csv' | 'jsonl';

export interface FileRecord {
  line: number;
  record: unknown;
}

export function detectFormat(file: string, explicit?: string): RecordFormat {
  if (explicit) {
    if (explicit === 'csv' || explicit === 'jsonl') return explicit;
    throw new DomainError('invalid_input', `--format: expected csv or jsonl, got "${explicit}"`);
  }
  if (/\.csv$/i.test(file)) return 'csv';
  if (/\.(jsonl|ndjson|json)$/i.test(file)) return 'jsonl';
  throw new DomainError(
    'invalid_input',
    `${file}: cannot tell the format from the name; give --format csv or jsonl`,
  );
}

export function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch (e) {
    throw new DomainError(
      'invalid_input',
      `${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
    );
  }
}

/**
 * Streams a file's records with their line numbers, never loading it whole. A line that is not
 * JSON yields `{ line, record: undefined, error }` so the caller can report it and keep what came before.
 */
export async function* readRecords(
  file: string,
  format: RecordFormat,
  onBytes?: (bytesRead: number) => void,
): AsyncGenerator<FileRecord & { error?: string }> {
  fileSize(file);
  const stream = createReadStream(file);
  if (onBytes) stream.on('data', () => onBytes(stream.bytesRead));
  if (format === 'jsonl') {
    const rl = createInterface({ input: stream, crlfDelay: Infinity });
    let line = 0;
    for await (const text of rl) {
      line++;
      const trimmed = line === 1 ? text.replace(/^\uFEFF/, '').trim() : text.trim();
      if (trimmed === '') continue;
      let record: unknown;
      try {
        record = JSON.parse(trimmed);
      } catch (e) {
        yield { line, record: undefined, error: `line ${line}: not valid JSON (${(e as Error).message})` };
        continue;
      }
      yield { line, record };
    }
    return;
  }
  const parser = stream.pipe(
    parseCsv({
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      bom: true,
      skip_empty_lines: true,
      relax_column_count: false,
      info: true,
    }),
  );
  try {
    for await (const item of parser as AsyncIterable<{
      record: Record<string, string>;
      info: { lines: number };
    }>) {
      yield { line: item.info.lines, record: item.record };
    }
  } catch (e) {
    const err = e as Error & { lines?: number };
    yield {
      line: err.lines ?? 0,
      record: undefined,
      error: `line ${err.lines ?? '?'}: ${err.message.replace(/^Invalid Record Length: /, '')}`,
    };
  }
}
