import { newEvent, type FeedEvent } from '../../core/events/event.ts';
import { DomainError } from '../../core/shared/errors.ts';
import { readCsv } from './lib/csv.ts';
import { mapRecords } from './lib/outcomes.ts';
import {
  applyReport,
  compileReport,
  findReport,
  loadSchema,
  type CompiledReport,
} from './shadowserver-schema.ts';
import type { FeedParser, ParseContext, ParseOutcome } from './types.ts';

/**
 * Shadowserver CSV reports, driven by a schema in Shadowserver's IntelMQ format (options:
 * `schemaPath`, default the bundled shadowserver-schema.json; `reportType`, default detected from
 * the file name as Shadowserver names files, e.g. `2019-01-01-scan_smb-test-geo.csv`).
 */
export const shadowserverParser: FeedParser = {
  id: 'shadowserver',
  parse(input, ctx) {
    return parseShadowserver(input, ctx);
  },
};

async function* parseShadowserver(
  input: AsyncIterable<Buffer | string>,
  ctx: ParseContext,
): AsyncGenerator<ParseOutcome[]> {
  const { schemaPath, reportType } = ctx.options;
  if (schemaPath !== undefined && typeof schemaPath !== 'string')
    throw new DomainError('invalid_input', 'shadowserver: option schemaPath must be a file path');
  if (reportType !== undefined && typeof reportType !== 'string')
    throw new DomainError('invalid_input', 'shadowserver: option reportType must be a string');
  const schema = loadSchema(schemaPath);
  const key = findReport(schema, ctx.fileName, reportType);
  let compiled: CompiledReport | null = null;
  const feedName = ctx.feedName;
  const reportTime = ctx.reportTime;
  yield* mapRecords(readCsv(input), (record): FeedEvent | null => {
    if (compiled === null) {
      compiled = compileReport(
        schema,
        key,
        record.fields.map((h) => h.trim()),
        ctx.fileName,
      );
      return null;
    }
    const event = newEvent();
    event['feed.name'] = feedName;
    event['feed.provider'] = 'Shadowserver';
    event['feed.code'] = compiled.report.file_name;
    event['time.observation'] = reportTime;
    applyReport(compiled, record.fields, event);
    event.raw = record.raw;
    return event;
  });
}
