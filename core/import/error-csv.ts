/** The file of refused rows an import hands back: the reason, the line and the row as it was. */

import { stringify } from 'csv-stringify/sync';
import type { CsvDelimiter } from './delimiter.ts';

export interface ErrorCsv {
  /** The first text of the file: a UTF-8 BOM (so Excel reads it as UTF-8) and the header. */
  header(): string;
  /** One refused row: its line in the imported file, why, and its values as they were. */
  row(line: number, reason: string, values: string[]): string;
}

/**
 * Excel and LibreOffice run a cell that starts with one of these as a formula, and a formula
 * can fetch URLs or run commands: an imported value like `=HYPERLINK(…)` must not become one
 * in a file we hand out. Such values get a leading apostrophe (OWASP's advice), which shows as
 * text; `cleanCell` takes it off again when a corrected error file is imported. A phone
 * written `+34 600…` is shown as `'+34 600…` for the same reason.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function guardFormula(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/**
 * Writes the error file for an import of a file with these headers: columns `line`, `reason`
 * and the original ones, quoted as needed, lines ending in CRLF. `delimiter` is best the
 * imported file's, so the file opens as that one did in the same spreadsheet. Values past the
 * headers are kept (so nothing the person wrote is lost), in columns without a header.
 */
export function errorCsv(headers: string[], delimiter: CsvDelimiter = ','): ErrorCsv {
  const line = (cells: string[]) =>
    stringify([cells.map(guardFormula)], {
      delimiter,
      record_delimiter: 'windows',
      // With CRLF as the record delimiter csv-stringify quotes only values holding a CRLF;
      // a lone LF or CR must be quoted too, as any reader takes it for the end of a record.
      quoted_match: /[\r\n]/,
    });
  return {
    header: () => `\ufeff${line(['line', 'reason', ...headers])}`,
    row: (number, reason, values) => line([String(number), reason, ...values]),
  };
}
