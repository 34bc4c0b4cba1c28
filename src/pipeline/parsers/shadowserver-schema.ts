import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FeedEvent } from '../../core/events/event.ts';
import { DomainError } from '../../core/shared/errors.ts';
import { compileSetter, storeOf, type FieldSetter } from './lib/fields.ts';
import { readUtcTime } from './lib/time.ts';
import {
  FieldError,
  normalizeFqdn,
  normalizeIp,
  normalizeNetwork,
  quote,
  readAsn,
  readInteger,
} from './lib/values.ts';

/**
 * Shadowserver report schemas in the format Shadowserver publishes for IntelMQ (`schema.json`):
 * for every report, the columns mapped to event fields (required and optional, each with an
 * optional conversion) and constant fields. A schema is compiled against a CSV header into a
 * list of operations with column indexes, and those into one generated function per report, so
 * the per-row work is straight-line code with no lookups by name.
 */

export type SchemaFieldSpec = [string | false | null, string, string?, boolean?];

export interface SchemaReport {
  feed_name: string;
  file_name: string;
  required_fields?: SchemaFieldSpec[];
  optional_fields?: SchemaFieldSpec[];
  constant_fields?: Record<string, string>;
  /** certops extension: rows whose `column` equals `equals` are read with report `report` instead. */
  certops_row_variants?: { column: string; equals: string; report: string }[];
}

export interface ShadowserverSchema {
  /** report key → report */
  reports: Map<string, SchemaReport>;
  /** file name (as in `2019-01-01-<file_name>-….csv`) → report key */
  byFileName: Map<string, string>;
  /** feed name (`Sinkhole-Events IPv4`) → report key */
  byFeedName: Map<string, string>;
}

export const BUNDLED_SCHEMA_PATH = fileURLToPath(new URL('./shadowserver-schema.json', import.meta.url));

const cache = new Map<string, { mtimeMs: number; schema: ShadowserverSchema }>();

/** Loads and checks a schema file; kept in memory until the file changes (Shadowserver updates it). */
export function loadSchema(path: string = BUNDLED_SCHEMA_PATH): ShadowserverSchema {
  let json: unknown;
  let mtimeMs: number;
  try {
    mtimeMs = statSync(path).mtimeMs;
    const cached = cache.get(path);
    if (cached && cached.mtimeMs === mtimeMs) return cached.schema;
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new DomainError(
      'invalid_input',
      `shadowserver: cannot read schema ${path}: ${(e as Error).message}`,
    );
  }
  const schema = buildSchema(json, path);
  cache.set(path, { mtimeMs, schema });
  return schema;
}

export function buildSchema(json: unknown, where = 'schema'): ShadowserverSchema {
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new DomainError('invalid_input', `shadowserver: ${where} is not a JSON object of reports`);
  const reports = new Map<string, SchemaReport>();
  const byFileName = new Map<string, string>();
  const byFeedName = new Map<string, string>();
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    if (key.startsWith('_')) continue;
    const r = value as SchemaReport;
    if (
      r === null ||
      typeof r !== 'object' ||
      typeof r.file_name !== 'string' ||
      typeof r.feed_name !== 'string'
    )
      throw new DomainError(
        'invalid_input',
        `shadowserver: report "${key}" in ${where} lacks file_name/feed_name`,
      );
    for (const spec of [...(r.required_fields ?? []), ...(r.optional_fields ?? [])]) {
      if (!Array.isArray(spec) || typeof spec[1] !== 'string')
        throw new DomainError(
          'invalid_input',
          `shadowserver: report "${key}" has a malformed field ${JSON.stringify(spec)}`,
        );
      if (spec[2] !== undefined && !(spec[2] in CONVERSIONS))
        throw new DomainError(
          'invalid_input',
          `shadowserver: report "${key}" uses unknown conversion "${spec[2]}" (known: ${Object.keys(CONVERSIONS).join(', ')})`,
        );
    }
    reports.set(key, r);
    byFileName.set(r.file_name, key);
    byFeedName.set(r.feed_name, key);
  }
  return { reports, byFileName, byFeedName };
}

/** The report file name part of a Shadowserver file name (`2019-01-01-scan_smb-test-geo.csv` → `scan_smb`). */
export function reportNameOfFile(fileName: string): string | null {
  const base = fileName.replace(/^.*[\\/]/, '');
  const m = /^(?:\d{4}-\d{2}-\d{2}-)?(\w+)(?:-[\w.]+)*\.csv$/.exec(base);
  return m ? m[1]! : null;
}

/** The report key for a file name or an explicit report type (key, file name or feed name). */
export function findReport(schema: ShadowserverSchema, fileName: string, reportType?: string): string {
  if (reportType !== undefined) {
    const key = schema.reports.has(reportType)
      ? reportType
      : (schema.byFileName.get(reportType) ?? schema.byFeedName.get(reportType));
    if (key === undefined)
      throw new DomainError(
        'invalid_input',
        `shadowserver: unknown report type "${reportType}" (known: ${[...schema.byFileName.keys()].sort().join(', ')})`,
      );
    return key;
  }
  const name = reportNameOfFile(fileName);
  if (name === null)
    throw new DomainError(
      'invalid_input',
      `shadowserver: cannot tell the report type from file name "${fileName}" (expected e.g. 2019-01-01-scan_smb-country-geo.csv); set the feed option reportType`,
    );
  const key = schema.byFileName.get(name);
  if (key === undefined)
    throw new DomainError(
      'invalid_input',
      `shadowserver: no schema for report "${name}" (file "${fileName}"; known: ${[...schema.byFileName.keys()].sort().join(', ')}); point the feed option schemaPath at Shadowserver's schema.json`,
    );
  return key;
}

// ---------------------------------------------------------------------------------------------
// conversions (names as in the Shadowserver/IntelMQ schema). `null` = no value.

/** Column indexes of the columns the URL rebuilding needs (-1 when absent). */
interface RowContext {
  ccDns: number;
  httpHost: number;
  url: number;
  httpUrl: number;
  application: number;
}

type Conversion = (value: string, row: string[], ctx: RowContext, field: string) => unknown;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const TRUE_WORDS = new Set(['y', 'yes', 'true', 'enabled', '1']);
const FALSE_WORDS = new Set(['n', 'no', 'false', 'disabled', '0']);

function cell(row: string[], idx: number): string {
  return idx === -1 ? '' : (row[idx] ?? '');
}

const CONVERSIONS: Record<string, Conversion> = {
  add_UTC_to_timestamp: (v, _r, _c, field) => readUtcTime(field, v),
  convert_date: (v, _r, _c, field) => readUtcTime(field, v),
  convert_date_utc: (v, _r, _c, field) => readUtcTime(field, v),
  convert_bool: (v) => {
    const s = v.toLowerCase();
    return TRUE_WORDS.has(s) ? true : FALSE_WORDS.has(s) ? false : null;
  },
  validate_to_none: (v) => (v === '0' || v === 'unknown' ? null : v),
  convert_int: (v, _r, _c, field) => readInteger(field, v),
  convert_float: (v, _r, _c, field) => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new FieldError(field, `${quote(v)} is not a number`);
    return n;
  },
  invalidate_zero: (v, _r, _c, field) => {
    if (field.endsWith('.asn')) return readAsn(field, v) ?? null;
    const n = readInteger(field, v);
    return n === 0 ? null : n;
  },
  validate_ip: (v, _r, _c, field) => {
    if (v === '0.0.0.0' || v.indexOf('/') !== -1) return null;
    const ip = normalizeIp(v);
    if (ip === null) throw new FieldError(field, `${quote(v)} is not an IP address`);
    return ip;
  },
  validate_network: (v) => (v.indexOf('/') !== -1 ? normalizeNetwork(v) : null),
  validate_fqdn: (v) => normalizeFqdn(v),
  force_base64: (v) => (v.length % 4 === 0 && BASE64.test(v) ? v : Buffer.from(v, 'utf8').toString('base64')),
  convert_http_host_and_url: (v, row, ctx) => {
    const host = ctx.ccDns !== -1 ? cell(row, ctx.ccDns) : cell(row, ctx.httpHost);
    let path = ctx.url !== -1 ? cell(row, ctx.url) : cell(row, ctx.httpUrl);
    if (host !== '' && path !== '') {
      // drop a leading request method / trailing protocol ("GET /x HTTP/1.1" → "/x")
      const slash = path.indexOf('/');
      path = slash === -1 ? '' : path.slice(slash);
      const ws = path.search(/\s/);
      if (ws !== -1) path = path.slice(0, ws);
      const app = cell(row, ctx.application);
      return `${app === 'https' ? 'https' : 'http'}://${host}${path}`;
    }
    return v;
  },
  scan_exchange_taxonomy: (v) => (v === 'exchange;webshell' ? 'intrusions' : 'vulnerable'),
  scan_exchange_type: (v) => (v === 'exchange;webshell' ? 'system-compromise' : 'vulnerable-system'),
  scan_exchange_identifier: (v) =>
    v === 'exchange;webshell' ? 'exchange-server-webshell' : 'vulnerable-exchange-server',
};

// ---------------------------------------------------------------------------------------------
// compilation against a header

/** What an operation does with its column: ignore it, keep it in extra under its name, or set a field. */
type Target = 'ignore' | 'extra-column' | 'field';

interface Op {
  idx: number;
  column: string;
  field: string;
  target: Target;
  convert: Conversion | null;
  /** set when a conversion returning null means "drop" (validate_*), not "keep in extra" */
  setter: FieldSetter | null;
}

export interface CompiledReport {
  key: string;
  report: SchemaReport;
  ops: Op[];
  /** columns not mapped by any op: kept in extra when not empty */
  leftover: number[];
  columns: string[];
  constants: [store: (event: FeedEvent, value: unknown) => void, value: string][];
  rowCtx: RowContext;
  variants: { idx: number; equals: string; compiled: CompiledReport }[];
  /** The operations compiled into one function (see generateApply). */
  apply: (row: string[], event: FeedEvent) => void;
}

/** Compiles report `key` for a CSV header; throws when a required column is missing. */
export function compileReport(
  schema: ShadowserverSchema,
  key: string,
  header: string[],
  fileName: string,
  depth = 0,
): CompiledReport {
  const report = schema.reports.get(key)!;
  const index = new Map<string, number>();
  header.forEach((h, i) => {
    if (!index.has(h)) index.set(h, i);
  });
  const used = new Set<number>();
  const ops: Op[] = [];
  const add = (spec: SchemaFieldSpec, required: boolean): void => {
    const [field, column, conv] = spec;
    const idx = index.get(column);
    if (idx === undefined) {
      if (required)
        throw new DomainError(
          'invalid_input',
          `shadowserver: report "${key}" needs column "${column}", which is not in the header of "${fileName}"`,
        );
      return;
    }
    used.add(idx);
    const convert = conv === undefined ? null : CONVERSIONS[conv]!;
    if (field === false || field === null || field === '') {
      ops.push({ idx, column, field: '', target: 'ignore', convert: null, setter: null });
    } else if (field === 'extra.') {
      ops.push({ idx, column, field: `extra.${column}`, target: 'extra-column', convert, setter: null });
    } else {
      ops.push({ idx, column, field, target: 'field', convert, setter: compileSetter(field) });
    }
  };
  for (const spec of report.required_fields ?? []) add(spec, true);
  for (const spec of report.optional_fields ?? []) add(spec, false);
  const leftover: number[] = [];
  header.forEach((_h, i) => {
    if (!used.has(i) && index.get(header[i]!) === i) leftover.push(i);
  });
  const variants: CompiledReport['variants'] = [];
  if (depth === 0)
    for (const v of report.certops_row_variants ?? []) {
      const idx = index.get(v.column);
      if (idx !== undefined && schema.reports.has(v.report))
        variants.push({
          idx,
          equals: v.equals,
          compiled: compileReport(schema, v.report, header, fileName, 1),
        });
    }
  const compiled: Omit<CompiledReport, 'apply'> = {
    key,
    report,
    ops,
    leftover,
    columns: header,
    constants: Object.entries(report.constant_fields ?? {}).map(([field, value]) => [storeOf(field), value]),
    rowCtx: {
      ccDns: index.get('cc_dns') ?? -1,
      httpHost: index.get('http_host') ?? -1,
      url: index.get('url') ?? -1,
      httpUrl: index.get('http_url') ?? -1,
      application: index.get('application') ?? -1,
    },
    variants,
  };
  return { ...compiled, apply: generateApply(compiled) };
}

/**
 * Compiles a report's operations into one function with the column indexes, event field names
 * and extra keys as constants, so that every property store in it is monomorphic (the shared
 * loop of `applyOperations` does the same work several times slower on the hot path). Every
 * name from the schema is embedded with JSON.stringify; the conversions and setters are passed
 * in as values, not as code.
 */
function generateApply(c: Omit<CompiledReport, 'apply'>): (row: string[], event: FeedEvent) => void {
  const lit = (v: string | number) => JSON.stringify(v);
  const head: string[] = [];
  const body: string[] = ['let v, x, bad = null;'];
  c.ops.forEach((op, k) => {
    if (op.target === 'ignore') return;
    if (op.convert !== null) head.push(`const cv${k} = ops[${k}].convert;`);
    if (op.setter !== null) head.push(`const st${k} = ops[${k}].setter;`);
    const empty =
      op.field === 'time.source'
        ? ` else throw new FieldError('time.source', ${lit(`column "${op.column}" is empty`)});`
        : '';
    const convert =
      op.convert !== null ? `x = cv${k}(v, row, ctx, ${lit(op.field)}); if (x !== null) ` : 'x = v; ';
    const store =
      op.target === 'extra-column'
        ? `(event.extra ??= {})[${lit(op.column)}] = x;`
        : `if (!st${k}(event, x)) (bad ??= []).push(${op.idx});`;
    body.push(`v = row[${op.idx}]; if (v !== undefined && v !== '') { ${convert}{ ${store} } }${empty}`);
  });
  for (const [field, value] of Object.entries(c.report.constant_fields ?? {}))
    body.push(`event[${lit(field)}] = ${lit(value)};`);
  for (const idx of c.leftover)
    body.push(
      `v = row[${idx}]; if (v !== undefined && v !== '') (event.extra ??= {})[${lit(c.columns[idx]!)}] = v;`,
    );
  body.push('if (bad !== null) for (const i of bad) (event.extra ??= {})[columns[i]] = row[i];');
  const source = `"use strict";\n${head.join('\n')}\nreturn function apply(row, event) {\n${body.join('\n')}\n};`;
  const factory = new Function('ops', 'ctx', 'columns', 'FieldError', source) as (
    ops: Op[],
    ctx: RowContext,
    columns: string[],
    fieldError: typeof FieldError,
  ) => (row: string[], event: FeedEvent) => void;
  return factory(c.ops, c.rowCtx, c.columns, FieldError);
}

/** Applies a compiled report to one row, filling `event` (hot path). */
export function applyReport(compiled: CompiledReport, row: string[], event: FeedEvent): void {
  let c = compiled;
  for (let k = 0; k < c.variants.length; k++) {
    const v = c.variants[k]!;
    if (row[v.idx] === v.equals) {
      c = v.compiled;
      break;
    }
  }
  c.apply(row, event);
}

/** The same as applyReport, interpreting the operations (reference for the generated code). */
export function applyOperations(compiled: CompiledReport, row: string[], event: FeedEvent): void {
  let c = compiled;
  for (let k = 0; k < c.variants.length; k++) {
    const v = c.variants[k]!;
    if (row[v.idx] === v.equals) {
      c = v.compiled;
      break;
    }
  }
  const ops = c.ops;
  const ctx = c.rowCtx;
  let leftoverInvalid: number[] | null = null;
  for (let k = 0; k < ops.length; k++) {
    const op = ops[k]!;
    if (op.target === 'ignore') continue;
    const raw = row[op.idx];
    if (raw === undefined || raw === '') {
      if (op.field === 'time.source') throw new FieldError('time.source', `column "${op.column}" is empty`);
      continue;
    }
    let value: unknown = raw;
    if (op.convert !== null) {
      value = op.convert(raw, row, ctx, op.field);
      if (value === null) continue;
    }
    if (op.target === 'extra-column') {
      if (event.extra === undefined) event.extra = {};
      event.extra[op.column] = value;
    } else if (!op.setter!(event, value)) {
      (leftoverInvalid ??= []).push(op.idx);
    }
  }
  const constants = c.constants;
  for (let k = 0; k < constants.length; k++) {
    const [store, value] = constants[k]!;
    store(event, value);
  }
  const leftover = c.leftover;
  for (let k = 0; k < leftover.length; k++) {
    const idx = leftover[k]!;
    const raw = row[idx];
    if (raw !== undefined && raw !== '') {
      if (event.extra === undefined) event.extra = {};
      event.extra[c.columns[idx]!] = raw;
    }
  }
  if (leftoverInvalid !== null) {
    for (const idx of leftoverInvalid) {
      if (event.extra === undefined) event.extra = {};
      event.extra[c.columns[idx]!] = row[idx];
    }
  }
}
