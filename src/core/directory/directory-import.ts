import { CONTACT_ROLES } from './directory.ts';

/*
 * Turns rows of an import file (CSV, parsed by the CLI; or JSON items) into the objects the import
 * schemas validate, and remembers which column each field came from so an error names the column
 * the person wrote. The format is documented in docs/directory-import.md.
 */

/** One row or item to import. `ref` says where it came from (`line 4`, `item 3`). */
export interface ImportRecord {
  ref: string;
  data: unknown;
  /** Schema path (`contacts.0.email`) → the name the file used (`abuse_email`). */
  fieldNames?: Record<string, string>;
}

export interface ImportIssue {
  ref: string;
  field: string;
  message: string;
}

export interface ImportResult {
  created: number;
  updated: number;
  /** One entry per rejected row (its first problem); the other rows are imported. */
  errors: ImportIssue[];
}

const CONTACT_FIELDS = ['name', 'email', 'phone', 'pgp_key', 'language'] as const;
const ORGANISATION_COLUMNS: Record<string, string> = {
  kind: 'kind',
  name_zh: 'nameZh',
  name_en: 'nameEn',
  abbreviation: 'abbreviation',
  country: 'country',
  branch: 'branchCode',
  website: 'website',
  registered_in_community: 'registeredInCommunity',
  support_role: 'supportRole',
  language: 'language',
  notify_interval: 'notifyInterval',
  notes: 'notes',
};
const LIST_COLUMNS = ['networks', 'asns', 'domains'] as const;

/** Every column an organisation CSV may have. */
export const ORGANISATION_CSV_COLUMNS: readonly string[] = [
  ...Object.keys(ORGANISATION_COLUMNS),
  ...LIST_COLUMNS,
  ...CONTACT_ROLES.flatMap((r) => CONTACT_FIELDS.map((f) => `${r}_${f}`)),
];

/** Every column a branch CSV may have. */
export const BRANCH_CSV_COLUMNS: readonly string[] = [
  'code',
  'name_zh',
  'short_zh',
  'name_en',
  'aliases',
  'is_national',
  'sort_order',
];

/** The columns of a header that are not known; `kind` (organisations) or `code` (branches) must be there. */
export function checkCsvHeader(
  columns: readonly string[],
  known: readonly string[],
  required: string,
): string | null {
  const unknown = columns.filter((c) => !known.includes(c));
  if (unknown.length > 0) return `unknown column${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`;
  if (!columns.includes(required)) return `missing column: ${required}`;
  return null;
}

/** `1/0`, `true/false`, `yes/no`, `是/否` → boolean; anything else unchanged (the schema reports it). */
export function parseFlag(v: string): boolean | string {
  const s = v.trim().toLowerCase();
  if (['1', 'true', 'yes', 'y', '是'].includes(s)) return true;
  if (['0', 'false', 'no', 'n', '否'].includes(s)) return false;
  return v;
}

/** `a; b ;c` → ['a', 'b', 'c'] (empty entries dropped). */
export function splitList(v: string): string[] {
  return v
    .split(/[;\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** One organisation CSV row (header → cell) → an import object and its column names. */
export function organisationFromCsvRow(
  row: Record<string, string>,
): Pick<ImportRecord, 'data' | 'fieldNames'> {
  const data: Record<string, unknown> = {};
  const fieldNames: Record<string, string> = {};
  for (const [column, field] of Object.entries(ORGANISATION_COLUMNS)) {
    const v = row[column]?.trim();
    if (v === undefined || v === '') continue;
    data[field] = field === 'registeredInCommunity' ? parseFlag(v) : v;
    fieldNames[field] = column;
  }
  for (const column of LIST_COLUMNS) {
    const items = splitList(row[column] ?? '');
    if (items.length === 0) continue;
    data[column] = items;
    fieldNames[column] = column;
    items.forEach((_, i) => (fieldNames[`${column}.${i}`] = column));
  }
  const contacts: Record<string, unknown>[] = [];
  for (const role of CONTACT_ROLES) {
    const contact: Record<string, unknown> = { role };
    let any = false;
    for (const f of CONTACT_FIELDS) {
      const v = row[`${role}_${f}`]?.trim();
      if (!v) continue;
      contact[f === 'pgp_key' ? 'pgpKey' : f] = v;
      any = true;
    }
    if (!any) continue;
    for (const f of CONTACT_FIELDS) {
      fieldNames[`contacts.${contacts.length}.${f === 'pgp_key' ? 'pgpKey' : f}`] = `${role}_${f}`;
    }
    contacts.push(contact);
  }
  if (contacts.length > 0) data.contacts = contacts;
  return { data, fieldNames };
}

/** One branch CSV row → a branch input object and its column names. */
export function branchFromCsvRow(row: Record<string, string>): Pick<ImportRecord, 'data' | 'fieldNames'> {
  const data: Record<string, unknown> = {};
  const fieldNames: Record<string, string> = {};
  const cols: Record<string, string> = {
    code: 'code',
    name_zh: 'nameZh',
    short_zh: 'shortZh',
    name_en: 'nameEn',
    aliases: 'aliases',
    is_national: 'isNational',
    sort_order: 'sortOrder',
  };
  for (const [column, field] of Object.entries(cols)) {
    const v = row[column]?.trim();
    if (v === undefined || v === '') continue;
    fieldNames[field] = column;
    if (field === 'aliases') {
      data[field] = splitList(v);
      (data[field] as string[]).forEach((_, i) => (fieldNames[`aliases.${i}`] = column));
    } else if (field === 'isNational') data[field] = parseFlag(v);
    else if (field === 'sortOrder') data[field] = /^\d+$/.test(v) ? Number(v) : v;
    else data[field] = v;
  }
  return { data, fieldNames };
}

function camel(key: string): string {
  return key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** A JSON item with snake_case or camelCase keys (top level and contacts) → camelCase; `branch` → `branchCode`. */
export function normaliseJsonItem(item: unknown): unknown {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return item;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) {
    const key = k === 'branch' ? 'branchCode' : camel(k);
    out[key] =
      key === 'contacts' && Array.isArray(v)
        ? v.map((c) =>
            typeof c === 'object' && c !== null && !Array.isArray(c)
              ? Object.fromEntries(Object.entries(c).map(([ck, cv]) => [camel(ck), cv]))
              : c,
          )
        : v;
  }
  return out;
}
