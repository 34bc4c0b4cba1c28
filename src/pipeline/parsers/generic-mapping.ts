import { isNumberField, isStringField, type FeedEvent } from '../../core/events/event.ts';
import { DomainError } from '../../core/shared/errors.ts';
import { compileSetter, type FieldSetter } from './lib/fields.ts';
import { compileTimePattern, readEpochMillis, readEpochSeconds, readUtcTime } from './lib/time.ts';
import { isRsitTypeName, taxonomyOf } from './lib/values.ts';

/**
 * The column mapping of the generic CSV and JSON parsers, read from the feed's options:
 *
 * - `columns` (required): `{ "<column name, 0-based index, or JSON path>": "<event field>" }`, or
 *   for CSV an array of field names by position (`""` or `"__IGNORE__"` skips a column). Fields are
 *   the FeedEvent names (`source.ip`, `malware.name`, …) or `extra.<name>`.
 * - `timeFormat`: `iso` (default: ISO 8601, or `YYYY-MM-DD HH:MM:SS` read as UTC), `epoch`
 *   (seconds), `epoch_ms`, or a pattern of YYYY MM DD HH mm ss SSS Z (`DD/MM/YYYY HH:mm`).
 * - `utcOffset`: offset of times written without one, e.g. `+08:00` (default UTC).
 * - `defaults`: constant fields, e.g. `{ "classification.type": "c2-server" }`
 *   (classification.type must be an RSIT type; its taxonomy is set with it).
 * - `provider`: feed.provider of the events.
 * - `keepUnmapped`: keep columns/keys that are not mapped in `extra` (default false).
 * CSV only: `delimiter` (default `,`), `header` (default true), `skipLines` (lines before the
 * header or data, default 0), `commentPrefix` (default `#`; lines starting with it are skipped).
 */
export interface GenericMapping {
  entries: {
    source: string;
    field: string;
    set: FieldSetter;
    time: ((field: string, v: string) => string) | null;
  }[];
  defaults: [string, unknown][];
  provider: string;
  keepUnmapped: boolean;
}

function fail(id: string, message: string): never {
  throw new DomainError('invalid_input', `${id}: ${message}`);
}

function checkField(id: string, field: string, where: string): void {
  if (field.startsWith('extra.') && field.length > 6) return;
  if (!isNumberField(field) && !isStringField(field))
    fail(
      id,
      `${where} names unknown event field "${field}" (use a FeedEvent field such as source.ip, or extra.<name>)`,
    );
}

const OFFSET = /^([+-])(\d{2}):?(\d{2})$/;

export function compileMapping(
  id: string,
  options: Record<string, unknown>,
  allowArray: boolean,
): GenericMapping {
  const columns = options.columns;
  let pairs: [string, string][];
  if (Array.isArray(columns)) {
    if (!allowArray) fail(id, 'option columns must be an object mapping JSON paths to event fields');
    pairs = columns.flatMap((f, i): [string, string][] => {
      if (typeof f !== 'string') fail(id, `option columns[${i}] must be a field name`);
      return f === '' || f === '__IGNORE__' ? [] : [[String(i), f]];
    });
  } else if (columns !== null && typeof columns === 'object') {
    pairs = Object.entries(columns as Record<string, unknown>).map(([k, v]) => {
      if (typeof v !== 'string') fail(id, `option columns["${k}"] must be a field name`);
      return [k, v];
    });
  } else fail(id, 'option columns is required: an object mapping columns to event fields');
  if (pairs.length === 0) fail(id, 'option columns maps no column');

  let utcOffsetMinutes = 0;
  if (options.utcOffset !== undefined) {
    const m = typeof options.utcOffset === 'string' ? OFFSET.exec(options.utcOffset) : null;
    if (!m) fail(id, `option utcOffset must look like "+08:00", got ${JSON.stringify(options.utcOffset)}`);
    utcOffsetMinutes = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
  }
  const format = options.timeFormat ?? 'iso';
  if (typeof format !== 'string' || format === '')
    fail(id, 'option timeFormat must be iso, epoch, epoch_ms or a pattern');
  const readTime =
    format === 'iso'
      ? utcOffsetMinutes === 0
        ? readUtcTime
        : compileIsoWithOffset(utcOffsetMinutes)
      : format === 'epoch'
        ? (f: string, v: string) => readEpochSeconds(f, v)
        : format === 'epoch_ms'
          ? (f: string, v: string) => readEpochMillis(f, v)
          : /YYYY/.test(format)
            ? compileTimePattern(format, utcOffsetMinutes)
            : fail(
                id,
                `option timeFormat ${JSON.stringify(format)} is not iso, epoch, epoch_ms or a pattern with YYYY`,
              );

  const entries = pairs.map(([source, field]) => {
    checkField(id, field, `option columns["${source}"]`);
    return {
      source,
      field,
      set: compileSetter(field),
      time: field === 'time.source' || field === 'time.observation' ? readTime : null,
    };
  });

  const defaults: [string, unknown][] = [];
  if (options.defaults !== undefined) {
    if (options.defaults === null || typeof options.defaults !== 'object' || Array.isArray(options.defaults))
      fail(id, 'option defaults must be an object of event fields');
    for (const [field, value] of Object.entries(options.defaults as Record<string, unknown>)) {
      checkField(id, field, 'option defaults');
      if (field === 'classification.type' && !isRsitTypeName(String(value)))
        fail(
          id,
          `option defaults: classification.type "${String(value)}" is not an RSIT type (e.g. c2-server, phishing, infected-system)`,
        );
      defaults.push([field, value]);
    }
    const type = defaults.find(([f]) => f === 'classification.type');
    if (type && !defaults.some(([f]) => f === 'classification.taxonomy'))
      defaults.unshift(['classification.taxonomy', taxonomyOf(String(type[1]))]);
  }
  if (options.provider !== undefined && typeof options.provider !== 'string')
    fail(id, 'option provider must be a string');
  return {
    entries,
    defaults,
    provider: (options.provider as string | undefined) ?? 'generic',
    keepUnmapped: options.keepUnmapped === true,
  };
}

function compileIsoWithOffset(offset: number): (field: string, v: string) => string {
  return (field, v) => {
    // a time with its own zone is taken as is; one without is read in the configured offset
    const s = v.trim();
    if (/(?:Z|[+-]\d{2}:?\d{2})$/i.test(s) && s.length > 10) return readUtcTime(field, s);
    const utc = Date.parse(readUtcTime(field, s));
    return new Date(utc - offset * 60_000).toISOString();
  };
}

/** Sets the constant fields of option `defaults` (mapped values set afterwards override them). */
export function applyDefaults(mapping: GenericMapping, event: FeedEvent): void {
  for (const [field, value] of mapping.defaults) (event as Record<string, unknown>)[field] = value;
}

/** Sets one mapped value; false when the field does not accept it (the caller keeps it in extra). */
export function applyValue(
  entry: GenericMapping['entries'][number],
  event: FeedEvent,
  value: unknown,
): boolean {
  if (entry.time !== null) {
    (event as Record<string, unknown>)[entry.field] = entry.time(entry.field, String(value));
    return true;
  }
  return entry.set(event, value);
}
