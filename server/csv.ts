/**
 * A small RFC 4180 CSV writer (https://www.rfc-editor.org/rfc/rfc4180): records end with CRLF; a
 * field holding a comma, a double quote, CR or LF is enclosed in double quotes, and quotes inside
 * it are doubled. A text cell that a spreadsheet would read as a formula (starting with `=`, `+`,
 * `-` or `@`, or with a tab or CR, OWASP "CSV Injection") is prefixed with `'` so it stays text.
 *
 * Written here rather than taken from a library: the whole job is these few lines, and the
 * formula rule (which CSV libraries leave to the caller) is the part that matters.
 */

/** A cell value: text, a number, a boolean, or nothing (an empty field). */
export type CsvValue = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One field, neutralised and quoted as needed. */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record, CRLF-terminated. */
export function csvRecord(values: readonly CsvValue[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

/** A header record naming `columns`, then one record per row with those columns' values. */
export function toCsv<Row extends Record<string, CsvValue>>(columns: readonly (keyof Row & string)[], rows: Iterable<Row>): string {
  let out = csvRecord(columns);
  for (const row of rows) out += csvRecord(columns.map((c) => row[c]));
  return out;
}
