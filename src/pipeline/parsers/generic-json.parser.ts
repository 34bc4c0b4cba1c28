import type { FeedEvent } from '../../core/events/event.ts';
import { applyDefaults, applyValue, compileMapping } from './generic-mapping.ts';
import { readJsonRecords } from './lib/json-records.ts';
import { addExtra, baseEvent, mapRecords } from './lib/outcomes.ts';
import { FieldError } from './lib/values.ts';
import type { FeedParser, ParseContext, ParseOutcome } from './types.ts';

/**
 * Any JSON feed, one JSON array of objects or JSON lines, driven by the same mapping as
 * generic-csv with dotted paths into each object as keys (`details.0.ip_address`).
 */
export const genericJsonParser: FeedParser = {
  id: 'generic-json',
  parse(input, ctx) {
    return parseGenericJson(input, ctx);
  },
};

function pathOf(source: string): string[] {
  return source.split('.');
}

function lookup(value: unknown, path: string[]): unknown {
  let v = value;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

async function* parseGenericJson(
  input: AsyncIterable<Buffer | string>,
  ctx: ParseContext,
): AsyncGenerator<ParseOutcome[]> {
  const mapping = compileMapping('generic-json', ctx.options, false);
  const paths = mapping.entries.map((e) => pathOf(e.source));
  const topKeys = new Set(paths.map((p) => p[0]!));
  yield* mapRecords(readJsonRecords(input), (r): FeedEvent => {
    const o = r.value;
    if (o === null || typeof o !== 'object' || Array.isArray(o))
      throw new FieldError('record', 'expected a JSON object');
    const event = baseEvent(ctx.feedName, ctx.reportTime, mapping.provider, r.raw);
    applyDefaults(mapping, event);
    for (let k = 0; k < paths.length; k++) {
      const value = lookup(o, paths[k]!);
      if (value === undefined || value === null || value === '') continue;
      const entry = mapping.entries[k]!;
      const usable = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
      if (!usable && !entry.field.startsWith('extra.')) {
        addExtra(event, entry.source, value);
        continue;
      }
      if (!applyValue(entry, event, value)) addExtra(event, entry.source, value);
    }
    if (mapping.keepUnmapped)
      for (const [key, value] of Object.entries(o as Record<string, unknown>))
        if (!topKeys.has(key) && value !== null && value !== '') addExtra(event, key, value);
    return event;
  });
}
