import type { FeedEvent } from '../../core/events/event.ts';
import { DomainError } from '../../core/shared/errors.ts';
import { applyDefaults, applyValue, compileMapping } from './generic-mapping.ts';
import { readCsv } from './lib/csv.ts';
import { addExtra, baseEvent, mapRecords } from './lib/outcomes.ts';
import type { FeedParser, ParseContext, ParseOutcome } from './types.ts';

/** Any CSV feed, driven by the column mapping in the feed's options (see generic-mapping.ts). */
export const genericCsvParser: FeedParser = {
  id: 'generic-csv',
  parse(input, ctx) {
    return parseGenericCsv(input, ctx);
  },
};

async function* parseGenericCsv(
  input: AsyncIterable<Buffer | string>,
  ctx: ParseContext,
): AsyncGenerator<ParseOutcome[]> {
  const id = 'generic-csv';
  const o = ctx.options;
  const mapping = compileMapping(id, o, true);
  const delimiter = o.delimiter ?? ',';
  if (typeof delimiter !== 'string' || delimiter.length !== 1)
    throw new DomainError(
      'invalid_input',
      `${id}: option delimiter must be one character, got ${JSON.stringify(delimiter)}`,
    );
  const header = o.header ?? true;
  if (typeof header !== 'boolean')
    throw new DomainError('invalid_input', `${id}: option header must be true or false`);
  const skipLines = o.skipLines ?? 0;
  if (typeof skipLines !== 'number' || !Number.isInteger(skipLines) || skipLines < 0)
    throw new DomainError('invalid_input', `${id}: option skipLines must be a whole number`);
  const comment = o.commentPrefix ?? '#';
  if (typeof comment !== 'string')
    throw new DomainError('invalid_input', `${id}: option commentPrefix must be a string`);

  let names: string[] | null = header ? null : [];
  let indexes: number[] = [];
  let mapped = new Set<number>();
  const resolve = (): void => {
    const byName = new Map<string, number>();
    names!.forEach((n, i) => {
      if (!byName.has(n)) byName.set(n, i);
    });
    indexes = mapping.entries.map((e) => {
      const i = byName.get(e.source) ?? (/^\d+$/.test(e.source) ? Number(e.source) : undefined);
      if (i === undefined)
        throw new DomainError(
          'invalid_input',
          `${id}: mapped column "${e.source}" is not in the header of "${ctx.fileName}" (columns: ${names!.join(', ')})`,
        );
      return i;
    });
    mapped = new Set(indexes);
  };
  if (!header) resolve();

  yield* mapRecords(readCsv(input, { delimiter }), (r): FeedEvent | null => {
    if (r.line <= skipLines) return null;
    if (comment !== '' && r.raw.startsWith(comment)) return null;
    if (names === null) {
      names = r.fields.map((f) => f.trim());
      resolve();
      return null;
    }
    const event = baseEvent(ctx.feedName, ctx.reportTime, mapping.provider, r.raw);
    applyDefaults(mapping, event);
    for (let k = 0; k < indexes.length; k++) {
      const raw = r.fields[indexes[k]!];
      if (raw === undefined) continue;
      const value = raw.trim();
      if (value === '') continue;
      const entry = mapping.entries[k]!;
      if (!applyValue(entry, event, value)) addExtra(event, names[indexes[k]!] ?? entry.source, value);
    }
    if (mapping.keepUnmapped)
      r.fields.forEach((v, i) => {
        if (!mapped.has(i) && v.trim() !== '') addExtra(event, names![i] ?? String(i), v.trim());
      });
    return event;
  });
}
