import { t } from '../i18n/index.ts';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import { parse as parseCsv } from 'csv-parse';
import { systemActor } from '../core/auth/actor.ts';
import {
  BRANCH_CSV_COLUMNS,
  ORGANISATION_CSV_COLUMNS,
  branchFromCsvRow,
  checkCsvHeader,
  normaliseJsonItem,
  organisationFromCsvRow,
  type ImportIssue,
  type ImportRecord,
} from '../core/directory/directory-import.ts';
import { ORGANISATION_KINDS, displayNameOf, type Organisation } from '../core/directory/directory.ts';
import { DomainError } from '../core/shared/errors.ts';
import type { CliContext } from './context.ts';

/*
 * `certops directory import FILE [--branches]` and `certops directory list`. The file formats are
 * in docs/directory-import.md. An import keeps every good row and reports every bad one (its line
 * and column), then exits non-zero when there was any.
 */

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DomainError(
      'invalid_input',
      `${file}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
    );
  }
}

function formatOf(file: string): 'csv' | 'json' {
  if (/\.csv$/i.test(file)) return 'csv';
  if (/\.json$/i.test(file)) return 'json';
  throw new DomainError('invalid_input', `${file}: expected a .csv or .json file`);
}

/**
 * CSV rows as import records, one per data line (`line N` of the file; the header is line 1). A
 * CSV syntax error ends the list: the rows before it are returned with the error.
 */
export async function readCsvRecords(
  text: string,
  mode: 'organisations' | 'branches',
): Promise<{ records: ImportRecord[]; errors: ImportIssue[] }> {
  const known = mode === 'organisations' ? ORGANISATION_CSV_COLUMNS : BRANCH_CSV_COLUMNS;
  const toRecord = mode === 'organisations' ? organisationFromCsvRow : branchFromCsvRow;
  const records: ImportRecord[] = [];
  const errors: ImportIssue[] = [];
  const parser = Readable.from([text]).pipe(
    parseCsv({ bom: true, skip_empty_lines: true, relax_column_count: true, info: true }),
  );
  let header: string[] | null = null;
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const line = item.info.lines;
      if (header === null) {
        header = item.record.map((h) => h.trim().toLowerCase());
        const problem = checkCsvHeader(header, known, mode === 'organisations' ? 'kind' : 'code');
        if (problem) throw new DomainError('invalid_input', `line ${line}: ${problem}`);
        continue;
      }
      if (item.record.length !== header.length) {
        errors.push({
          ref: `line ${line}`,
          field: '(row)',
          message: `expected ${header.length} columns, found ${item.record.length}`,
        });
        continue;
      }
      const row = Object.fromEntries(header.map((h, i) => [h, item.record[i] ?? '']));
      records.push({ ref: `line ${line}`, ...toRecord(row) });
    }
  } catch (e) {
    if (e instanceof DomainError) throw e;
    const err = e as Error & { lines?: number };
    errors.push({ ref: `line ${err.lines ?? '?'}`, field: '(row)', message: err.message });
  }
  if (header === null) throw new DomainError('invalid_input', 'the file is empty: expected a header line');
  return { records, errors };
}

/** JSON items as import records (`item N`, from 1). */
export function readJsonRecords(text: string, mode: 'organisations' | 'branches'): ImportRecord[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new DomainError('invalid_input', `not valid JSON: ${(e as Error).message}`);
  }
  if (mode === 'branches' && !Array.isArray(parsed)) {
    const file = parsed as { national_centre?: unknown; branches?: unknown };
    if (typeof parsed !== 'object' || parsed === null || !Array.isArray(file.branches)) {
      throw new DomainError('invalid_input', 'expected an array of branches or an object with "branches"');
    }
    const items = [
      ...(file.national_centre
        ? [{ ...(file.national_centre as object), is_national: true, sort_order: 0 }]
        : []),
      ...(file.branches as unknown[]),
    ];
    const offset = file.national_centre ? 0 : 1;
    return items.map((item, i) => ({
      ref: i === 0 && file.national_centre ? 'national_centre' : `item ${i + offset}`,
      data: normaliseJsonItem(item),
    }));
  }
  const list = Array.isArray(parsed)
    ? parsed
    : ((parsed as { organisations?: unknown } | null)?.organisations ?? null);
  if (!Array.isArray(list))
    throw new DomainError(
      'invalid_input',
      'expected an array of organisations or an object with "organisations"',
    );
  return list.map((item, i) => ({ ref: `item ${i + 1}`, data: normaliseJsonItem(item) }));
}

function describeIssue(e: ImportIssue): string {
  return `${e.ref}: ${e.field}: ${e.message}`;
}

function organisationLine(o: Organisation): string {
  return [
    String(o.id).padStart(5),
    o.kind.padEnd(10),
    (o.branchCode ?? '-').padEnd(11),
    o.abbreviation || '-',
    displayNameOf(o, 'zh-CN'),
  ].join('  ');
}

export function registerDirectoryCommands(program: Command, ctx: CliContext): void {
  const dir = program
    .command('directory')
    .description('branches, organisations, contacts and their networks');

  dir
    .command('import')
    .description(
      'load organisations (with contacts, networks, ASNs, domains) or, with --branches, a branch list; CSV or JSON (docs/directory-import.md)',
    )
    .argument('<file>', 'a .csv or .json file')
    .option('--branches', 'the file is a branch list, not organisations')
    .option('--json', 'print the summary as JSON')
    .action(async (file: string, opts: { branches?: boolean; json?: boolean }) => {
      const format = formatOf(file);
      const mode = opts.branches ? 'branches' : 'organisations';
      const text = readText(file);
      const parsed =
        format === 'csv'
          ? await readCsvRecords(text, mode)
          : { records: readJsonRecords(text, mode), errors: [] };
      const result = await ctx.withServices(
        (services) => {
          const actor = systemActor('directory-import');
          return mode === 'branches'
            ? services.directory.importBranches(actor, parsed.records)
            : services.directory.importOrganisations(actor, parsed.records);
        },
        // A branch list loaded into a fresh database replaces the default provinces.
        { seedDefaults: mode !== 'branches' },
      );
      const errors = [...result.errors, ...parsed.errors].sort(
        (a, b) => Number(/\d+/.exec(a.ref)?.[0] ?? 0) - Number(/\d+/.exec(b.ref)?.[0] ?? 0),
      );
      const lang = ctx.language();
      const what = t(lang, mode === 'branches' ? 'cli.directory.branches' : 'cli.directory.organisations');
      if (opts.json) ctx.out(JSON.stringify({ created: result.created, updated: result.updated, errors }));
      else {
        ctx.out(
          t(lang, 'cli.directory.loaded', {
            what,
            created: result.created,
            updated: result.updated,
            rejected: errors.length,
          }),
        );
        for (const e of errors) ctx.err(describeIssue(e));
      }
      if (errors.length > 0) {
        throw new DomainError(
          'invalid_input',
          `${errors.length} row${errors.length > 1 ? 's' : ''} rejected, first ${describeIssue(errors[0]!)} (the other rows are imported)`,
        );
      }
    });

  dir
    .command('list')
    .description('list organisations')
    .option('--kind <kind>', `only this kind: ${ORGANISATION_KINDS.join(', ')}`)
    .option('--branch <code>', 'only organisations of this branch (CN-XJ)')
    .option('-q, --query <text>', 'substring of the Chinese or English name or abbreviation')
    .option('--json', 'print JSON (one array)')
    .action(async (opts: { kind?: string; branch?: string; query?: string; json?: boolean }) => {
      const items = await ctx.withServices(async (services) => {
        const actor = systemActor('cli');
        const all: Organisation[] = [];
        for (let page = 1; ; page++) {
          const r = await services.directory.searchOrganisations(actor, {
            kind: opts.kind as never,
            branch: opts.branch,
            q: opts.query,
            page,
            pageSize: 200,
          });
          all.push(...r.items);
          if (all.length >= r.total || r.items.length === 0) break;
        }
        return all;
      });
      if (opts.json) ctx.out(JSON.stringify(items));
      else {
        for (const o of items) ctx.out(organisationLine(o));
        ctx.out(t(ctx.language(), 'cli.directory.count', { n: items.length }));
      }
    });

  dir
    .command('seed')
    .description(
      'insert the default branches and the seed report’s CERTs and support units when missing (serve does this on start)',
    )
    .action(async () => {
      const r = await ctx.withServices((services) => services.directory.seedDefaults(), {
        seedDefaults: false,
      });
      ctx.out(
        t(ctx.language(), 'cli.directory.seeded', {
          branches: r.branchesInserted,
          organisations: r.organisationsInserted,
        }),
      );
    });
}
