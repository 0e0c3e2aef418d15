import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_RECORD_BYTES, openCsv } from '../../../../core/import/read-csv.ts';
import type { CsvFile, CsvRow } from '../../../../core/import/read-csv.ts';

const fixture = (name: string) =>
  createReadStream(new URL(`../../../fixtures/csv/${name}`, import.meta.url));

async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

const text = (value: string, size = 1 << 16) => chunksOf(new TextEncoder().encode(value), size);

async function all(file: CsvFile): Promise<CsvRow[]> {
  const rows: CsvRow[] = [];
  for await (const row of file.rows) rows.push(row);
  return rows;
}

describe('openCsv on real exports', () => {
  it('reads a Bitrix24 export in Windows-1251 with semicolons and a quoted newline', async () => {
    const file = await openCsv(fixture('bitrix24-contacts-1251.csv'));
    expect(file.encoding).toBe('windows-1251');
    expect(file.delimiter).toBe(';');
    expect(file.headers.slice(0, 5)).toEqual(['ID', 'Обращение', 'Имя', 'Отчество', 'Фамилия']);
    const rows = await all(file);
    // Line 5 is blank and the `;;;;` line at the end is no record.
    expect(rows.map((row) => [row.line, row.index, row.values?.[0]])).toEqual([
      [2, 0, '101'],
      [4, 1, '102'],
      [6, 2, '103'],
      [7, 3, '104'],
    ]);
    expect(rows[0]?.values?.[17]).toBe('Звонить после 14:00.\r\nПросил счёт; в понедельник');
    expect(rows[1]?.values?.[4]).toBe('Ёлкина');
    expect(rows[0]?.values?.[7]).toBe('ООО "Ромашка"');
  });

  it('reads a Spanish export in Windows-1252, with – « » decoded', async () => {
    const file = await openCsv(fixture('spanish-clients-1252.csv'));
    expect([file.encoding, file.delimiter]).toEqual(['windows-1252', ';']);
    expect(file.headers).toContain('Teléfono');
    const rows = await all(file);
    expect(rows).toHaveLength(5);
    expect(rows[0]?.values?.[7]).toBe('Cliente desde 2019 – pagos puntuales');
    expect(rows[2]?.values?.slice(0, 2)).toEqual(['Jürgen', 'Müller']);
    expect(rows[2]?.values?.[7]).toBe('Habla alemán y francés: «très bien»');
    expect(rows[4]?.values?.[2]).toBe('Hôtel Ærø');
  });

  it('reads UTF-8 with a BOM: spaces, quoted newlines, missing and extra values', async () => {
    const file = await openCsv(fixture('leads-utf8-bom.csv'));
    expect(file.encoding).toBe('utf-8-bom');
    expect(file.headers).toEqual(['Name', 'Phone', 'Email', 'Title', 'Comment', 'column 6']);
    const rows = await all(file);
    expect(rows.map((row) => row.line)).toEqual([2, 4, 8, 9, 10, 12]);
    expect(rows[0]?.values).toEqual([
      'Ana Pérez ',
      '+34 600 123 456 ',
      'ana@example.com ',
      'Quote for 20 seats',
      'Called twice,\r\nwants a "demo"',
    ]);
    expect(rows[1]?.values).toHaveLength(7);
    expect(rows[3]?.values).toEqual(['Carla Gómez', '="0034611222333"']);
  });

  it('reads UTF-8 without a BOM (HubSpot), tabs (Outlook) and Excel Unicode text', async () => {
    const hubspot = await openCsv(fixture('hubspot-contacts.csv'));
    expect([hubspot.encoding, hubspot.delimiter]).toEqual(['utf-8', ',']);
    expect((await all(hubspot))[0]?.values?.[6]).toBe('Acme, Inc.');

    const outlook = await openCsv(fixture('outlook-contacts.tsv'));
    expect(outlook.delimiter).toBe('\t');
    const outlookRows = await all(outlook);
    expect(outlookRows[1]?.values?.slice(0, 4)).toEqual(['Zoë', 'Van Dijk', '', 'zoe@vandijk.nl']);

    const unicode = await openCsv(fixture('excel-unicode-text-utf16.txt'));
    expect([unicode.encoding, unicode.delimiter]).toEqual(['utf-16le', '\t']);
    expect(unicode.headers).toEqual(['Имя', 'Телефон', 'E-mail']);
    expect((await all(unicode))[0]?.values?.[0]).toBe('Мария Соколова');
  });

  it('yields the rows before an unclosed quote, then the line it opens on', async () => {
    const file = await openCsv(fixture('unclosed-quote.csv'));
    expect(file.delimiter).toBe('|');
    const rows = await all(file);
    expect(rows.slice(0, 2).map((row) => row.values?.[0])).toEqual(['Ana', 'Boris']);
    expect(rows[2]).toMatchObject({
      line: 4,
      index: 2,
      error: expect.stringMatching(/never closed/),
    });
    expect(rows).toHaveLength(3);
  });
});

describe('openCsv', () => {
  it('gives the same rows whatever the chunk size, even one byte at a time', async () => {
    const source = new TextEncoder().encode(
      '\ufeffИмя;Телефон\r\n"Пётр\r\nПетров";+7 916\r\n\r\nÑandú;"a;b"\r\nЖ;ж',
    );
    const expected = [
      { line: 2, index: 0, values: ['Пётр\r\nПетров', '+7 916'] },
      { line: 5, index: 1, values: ['Ñandú', 'a;b'] },
      { line: 6, index: 2, values: ['Ж', 'ж'] },
    ];
    for (const size of [1, 2, 3, 7, 1000]) {
      const file = await openCsv(chunksOf(source, size));
      expect([file.encoding, file.delimiter, file.headers]).toEqual([
        'utf-8-bom',
        ';',
        ['Имя', 'Телефон'],
      ]);
      expect(await all(file)).toEqual(expected);
    }
  });

  it('accepts mixed line endings and spaces before quotes', async () => {
    const file = await openCsv(text('a,b\r\n1, "x, y"\n2,3\r4,5'));
    expect((await all(file)).map((row) => [row.line, row.values])).toEqual([
      [2, ['1', 'x, y']],
      [3, ['2', '3']],
      [4, ['4', '5']],
    ]);
  });

  it('keeps a stray quote inside a value instead of failing', async () => {
    const file = await openCsv(text('name,size\nTV 55",x\n"Acme" Ltd,y\n'));
    expect((await all(file)).map((row) => row.values)).toEqual([
      ['TV 55"', 'x'],
      ['"Acme" Ltd', 'y'],
    ]);
  });

  it('refuses a file without a header', async () => {
    await expect(openCsv(text(''))).rejects.toThrow(/empty/);
    await expect(openCsv(text('\r\n\r\n;;;\r\n'))).rejects.toThrow(/empty/);
    await expect(openCsv(text('"name,phone\nAna,1\n'))).rejects.toThrow(/line 1: .*never closed/);
  });

  it('stops at a record over the size limit: a quote that runs away in a big file', async () => {
    const filler = 'x,'.repeat(MAX_RECORD_BYTES / 2 + 10);
    const file = await openCsv(text(`a,b\n1,2\n3,"runaway\n${filler}\n`));
    const rows = await all(file);
    expect(rows[0]?.values).toEqual(['1', '2']);
    expect(rows[1]).toMatchObject({ line: 3, error: expect.stringMatching(/longer than 1 MiB/) });
  });

  it('closes the source when the reader stops early', async () => {
    let closed = false;
    async function* source() {
      try {
        yield new TextEncoder().encode('a\n');
        for (let i = 0; ; i++) yield new TextEncoder().encode(`${i}\n`.repeat(1000));
      } finally {
        closed = true;
      }
    }
    const file = await openCsv(source());
    for await (const row of file.rows) if (row.index === 5000) break;
    expect(closed).toBe(true);
  });
});

describe('openCsv on a 100,000-record file', () => {
  const RECORDS = 100_000;
  let dir: string;
  let path: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'leadwire-csv-'));
    path = join(dir, 'big.csv');
    // Every 10th record has a quoted value over two lines; every 100th is followed by a blank
    // line: the line of record i is 2 + i + floor(i / 10) + floor(i / 100).
    const lines = ['id;name;phone;notes'];
    for (let i = 0; i < RECORDS; i++) {
      const notes = i % 10 === 0 ? `"first line; ${i}\r\nsecond line"` : `note ${i}`;
      lines.push(`${i};Имя ${i};+34600${String(i).padStart(6, '0')};${notes}`);
      if (i % 100 === 99) lines.push('');
    }
    await writeFile(path, `\ufeff${lines.join('\r\n')}\r\n`);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const lineOf = (i: number) => 2 + i + Math.floor((i + 9) / 10) + Math.floor(i / 100);

  it('yields every record once, in order, with its line', async () => {
    const file = await openCsv(createReadStream(path));
    let expected = 0;
    for await (const row of file.rows) {
      if (row.error !== undefined) throw new Error(row.error);
      if (row.index !== expected || row.values[0] !== String(expected)) {
        throw new Error(`record ${expected}: got ${JSON.stringify(row)}`);
      }
      if (row.line !== lineOf(expected)) {
        throw new Error(`record ${expected} at line ${row.line}, expected ${lineOf(expected)}`);
      }
      expected++;
    }
    expect(expected).toBe(RECORDS);
  });

  it('resumes at the record after the last one done', async () => {
    for (const skip of [1, 9, 10, 99, 100, 54_321, RECORDS - 1, RECORDS]) {
      const file = await openCsv(createReadStream(path), { skipRecords: skip });
      expect(file.headers).toEqual(['id', 'name', 'phone', 'notes']);
      const rows: CsvRow[] = [];
      for await (const row of file.rows) {
        rows.push(row);
        if (rows.length === 2) break;
      }
      const expected = [skip, skip + 1].filter((i) => i < RECORDS);
      expect(rows.map((row) => [row.index, row.line, row.values?.[0]])).toEqual(
        expected.map((i) => [i, lineOf(i), String(i)]),
      );
    }
  });
});
