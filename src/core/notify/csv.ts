/**
 * The CSV attached to a grouped notification: RFC 4180 (comma, CRLF line ends, fields quoted when
 * they hold a comma, a quote, CR or LF, quotes doubled), UTF-8 with a byte-order mark so that Excel
 * on Chinese Windows opens Chinese text as UTF-8 rather than GBK (other CSV readers skip the BOM).
 * A cell that a spreadsheet would run as a formula (`=`, `+`, `@`, tab, CR, or `-` not starting
 * a number) is prefixed with `'`: feed data is untrusted and goes to people who open it in Excel.
 */

export const CSV_BOM = '\uFEFF';

const FORMULA_RE = /^(?:[=+@\t\r]|-(?![0-9.]))/;

export function escapeCsvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (FORMULA_RE.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The columns of the rows, in first-seen order (every row's keys). */
export function columnsOf(rows: readonly Record<string, unknown>[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

/** Header line plus one line per row; absent fields are empty cells. */
export function buildCsv(
  rows: readonly Record<string, string | number | null>[],
  columns: readonly string[] = columnsOf(rows),
  options: { bom?: boolean } = {},
): string {
  const lines = [columns.map(escapeCsvCell).join(',')];
  for (const r of rows) lines.push(columns.map((c) => escapeCsvCell(r[c])).join(','));
  return `${options.bom === false ? '' : CSV_BOM}${lines.join('\r\n')}\r\n`;
}
