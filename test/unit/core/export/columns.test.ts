/** Export columns and cells: headers per entity, custom fields, dates in UTC, formula guard, CSV. */
import { PassThrough } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { CustomFieldDefinition } from '../../../../core/custom-fields.ts';
import { customCell, guardFormula } from '../../../../core/export/cells.ts';
import {
  columnsOf,
  exportFilename,
  headerOf,
  rowOf,
  type Lookups,
} from '../../../../core/export/columns.ts';
import { writeCsv } from '../../../../core/export/csv.ts';
import type { LeadRecord } from '../../../../core/repositories/leads.ts';

const field = (
  key: string,
  label: string,
  type: CustomFieldDefinition['type'],
  entity: CustomFieldDefinition['entity'] = 'lead',
): CustomFieldDefinition => ({
  id: 1,
  entity,
  key,
  label,
  type,
  required: false,
  options: [],
  sort: 0,
});

const lookups: Lookups = {
  user: (id) => (id === 7 ? 'Ana Ruiz' : ''),
  channel: () => 'Web form',
  identities: () => [
    { kind: 'email', key: 'email:ana@example.com', raw: 'Ana@Example.com' },
    { kind: 'phone', key: 'phone:+34600123456', raw: '600 12 34 56' },
    { kind: 'email', key: 'email:ana.ruiz@work.es', raw: 'ana.ruiz@work.es' },
    { kind: 'telegram', key: 'telegram:5012', raw: '@ana_r' },
  ],
};

const lead: LeadRecord = {
  id: 41,
  type: 'simple',
  stage: 'NEW',
  open: true,
  source: 'WEBFORM',
  channelId: 3,
  clientId: null,
  responsibleId: 7,
  title: '=HYPERLINK("http://evil.example","click")',
  name: 'Ana, "la jefa"\nRuiz',
  company: '@acme',
  fields: {},
  utm: {},
  custom: {
    budget: -1200,
    due: '2026-05-01',
    tags: ['vip', 'b2b'],
    paid: { amount: 90, currency: 'EUR' },
  },
  duplicateOfLeadId: null,
  review: null,
  junkReason: null,
  unassigned: null,
  createdAt: new Date('2026-03-01T09:30:00+02:00'),
  updatedAt: new Date('2026-03-02T00:00:00Z'),
  closedAt: null,
};

describe('columns', () => {
  it('lists the built-in columns of each entity, then its custom fields by label', () => {
    const fields = [
      field('budget', 'Budget', 'number'),
      field('vat', 'VAT id', 'string', 'client'),
    ];
    expect(headerOf(columnsOf('leads', fields))).toEqual([
      'id',
      'type',
      'stage',
      'source',
      'channel',
      'title',
      'name',
      'company',
      'emails',
      'phones',
      'telegram',
      'client id',
      'responsible',
      'created',
      'updated',
      'closed',
      'Budget',
    ]);
    expect(headerOf(columnsOf('clients', fields))).toEqual([
      'id',
      'kind',
      'name',
      'company',
      'emails',
      'phones',
      'telegram',
      'responsible',
      'created',
      'updated',
      'VAT id',
    ]);
    expect(headerOf(columnsOf('deals', []))).toEqual([
      'id',
      'title',
      'amount',
      'currency',
      'stage',
      'client id',
      'lead id',
      'responsible',
      'created',
      'updated',
      'closed',
    ]);
  });

  it('writes a lead as cells: identities joined, dates in UTC, formulas guarded, numbers kept', () => {
    const fields = [
      field('budget', 'Budget', 'number'),
      field('due', 'Due', 'date'),
      field('tags', 'Tags', 'multi-list'),
      field('paid', 'Paid', 'money'),
      field('gone', 'Never set', 'string'),
    ];
    const row = rowOf(columnsOf('leads', fields), lead, lookups);
    expect(row).toEqual([
      41,
      'simple',
      'NEW',
      'WEBFORM',
      'Web form',
      `'=HYPERLINK("http://evil.example","click")`,
      'Ana, "la jefa"\nRuiz',
      "'@acme",
      'Ana@Example.com, ana.ruiz@work.es',
      "'+34600123456",
      "'@ana_r",
      '',
      'Ana Ruiz',
      '2026-03-01T07:30:00.000Z',
      '2026-03-02T00:00:00.000Z',
      '',
      -1200,
      '2026-05-01',
      'vip, b2b',
      '90 EUR',
      '',
    ]);
  });

  it('guards every formula start, and only those', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r'])
      expect(guardFormula(`${start}1+1`)).toBe(`'${start}1+1`);
    for (const safe of ['1+1', 'a=b', ' =1', "'quoted", '']) expect(guardFormula(safe)).toBe(safe);
    expect(customCell({ type: 'boolean' }, false)).toBe('false');
    expect(customCell({ type: 'datetime' }, '2026-05-01T07:30:00.000Z')).toBe(
      '2026-05-01T07:30:00.000Z',
    );
  });

  it('names the file after the entity and the UTC day', () => {
    expect(exportFilename('leads', new Date('2026-12-07T23:59:00Z'))).toBe('leads-2026-12-07.csv');
    expect(exportFilename('deals', new Date('2026-12-07T23:30:00-02:00'))).toBe(
      'deals-2026-12-08.csv',
    );
  });
});

describe('writeCsv', () => {
  it('writes a BOM, quotes commas, quotes and newlines, and round-trips through csv-parse', async () => {
    const columns = columnsOf('leads', []);
    async function* rows() {
      yield headerOf(columns);
      yield rowOf(columns, lead, lookups);
      yield rowOf(columns, { ...lead, id: 42, name: 'Иван Петров', title: 'Café ☕' }, lookups);
    }
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (chunk: Buffer) => chunks.push(chunk));
    expect(await writeCsv(rows(), out)).toBe(2);
    const bytes = Buffer.concat(chunks);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const parsed = parse(bytes, { bom: true }) as string[][];
    expect(parsed).toHaveLength(3);
    expect(parsed[1]?.[6]).toBe('Ana, "la jefa"\nRuiz');
    expect(parsed[1]?.[5]).toBe(`'=HYPERLINK("http://evil.example","click")`);
    expect(parsed[2]?.slice(5, 7)).toEqual(['Café ☕', 'Иван Петров']);
    expect(bytes.toString('utf8').endsWith('\n')).toBe(true);
  });

  it('stops asking for rows once the destination is gone', async () => {
    let produced = 0;
    async function* endless() {
      for (;;) {
        produced += 1;
        yield [produced, 'x'.repeat(1000)];
      }
    }
    const out = new PassThrough({ highWaterMark: 1024 });
    let read = 0;
    out.on('data', (chunk: Buffer) => {
      read += chunk.length;
      if (read > 200_000) out.destroy();
    });
    await expect(writeCsv(endless(), out)).rejects.toThrow();
    // Backpressure: production stopped near where the reader did, not millions of rows later.
    expect(produced).toBeLessThan(1000);
  });
});
