/**
 * CSV cells per RFC 4180 (CRLF line ends; a field holding a comma, quote, CR or LF is quoted and
 * its quotes doubled), made safe to open in a spreadsheet: a text cell starting with `=`, `+`,
 * `-`, `@`, tab or CR would be run as a formula, so it is prefixed with `'` (OWASP's CSV
 * injection advice). Only text chosen by senders is neutralised this way; numbers and timestamps
 * written by the server are left as they are, so `-5.00` stays a number.
 */

const NEEDS_QUOTES = /[",\r\n]/;
const FORMULA_START = /^[=+\-@\t\r]/;

export type CsvCell = { text: string } | { number: string } | null;

/** A text cell (sender-chosen: ids, names, references): formula-neutralised. */
export const text = (value: string | null | undefined): CsvCell => (value == null ? null : { text: value });
/** A value the server formats itself (exact decimals, cursors, ISO timestamps): written as is. */
export const literal = (value: string | null | undefined): CsvCell => (value == null ? null : { number: value });

export function csvField(cell: CsvCell): string {
  if (cell === null) return '';
  const raw = 'text' in cell ? (FORMULA_START.test(cell.text) ? `'${cell.text}` : cell.text) : cell.number;
  return NEEDS_QUOTES.test(raw) ? `"${raw.replace(/"/g, '""')}"` : raw;
}

/** One record, CRLF-terminated. */
export function csvRow(cells: readonly CsvCell[]): string {
  return `${cells.map(csvField).join(',')}\r\n`;
}

/** The header record (column names are ours: written as literals). */
export function csvHeader(names: readonly string[]): string {
  return csvRow(names.map((n) => literal(n)));
}
