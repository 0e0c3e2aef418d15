import { describe, expect, it } from 'vitest';
import { errorCsv, guardFormula } from '../../../../core/import/error-csv.ts';
import { openCsv } from '../../../../core/import/read-csv.ts';
import { cleanCell } from '../../../../core/import/rows.ts';

async function* once(text: string) {
  yield new TextEncoder().encode(text);
}

describe('errorCsv', () => {
  it('writes a UTF-8 BOM, the header and quoted rows with CRLF', () => {
    const csv = errorCsv(['Nombre', 'Teléfono', 'Notas']);
    expect(csv.header()).toBe('\ufeffline,reason,Nombre,Teléfono,Notas\r\n');
    expect(
      csv.row(7, 'Teléfono: "+34 12" is not a valid phone number', [
        'Ana, "la jefa"',
        '+34 12',
        'a\nb',
      ]),
    ).toBe(
      '7,"Teléfono: ""+34 12"" is not a valid phone number","Ana, ""la jefa""",\'+34 12,"a\nb"\r\n',
    );
  });

  it('guards values a spreadsheet would run as formulas', () => {
    expect(
      ['=HYPERLINK("http://x")', '+34600', '-1', '@SUM(A1)', '\tx', '\rx', 'safe', "'quoted"].map(
        guardFormula,
      ),
    ).toEqual([
      '\'=HYPERLINK("http://x")',
      "'+34600",
      "'-1",
      "'@SUM(A1)",
      "'\tx",
      "'\rx",
      'safe',
      "'quoted",
    ]);
  });

  it('reads back as the same rows, in the delimiter asked for', async () => {
    const headers = ['Имя', 'Телефон', 'Комментарий'];
    const values = ['Иван; "Ваня"', '+7 916 000-11-22', 'строка 1\r\nстрока 2'];
    const csv = errorCsv(headers, ';');
    const file = await openCsv(
      once(csv.header() + csv.row(3, 'Телефон: плохой', values) + csv.row(9, 'x', ['=1+1'])),
    );
    expect([file.encoding, file.delimiter, file.headers]).toEqual([
      'utf-8-bom',
      ';',
      ['line', 'reason', ...headers],
    ]);
    const rows = [];
    for await (const row of file.rows) rows.push(row);
    expect(rows.map((row) => row.values?.map(cleanCell))).toEqual([
      ['3', 'Телефон: плохой', ...values.map((value) => value.trim())],
      ['9', 'x', '=1+1'],
    ]);
    expect(rows.map((row) => row.line)).toEqual([2, 4]);
  });
});
