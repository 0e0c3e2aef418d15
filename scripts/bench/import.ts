/**
 * `npm run bench -- import`: `npm run leadwire -- import clients FILE --country ES` on a CRM
 * export of a million clients (clients-csv.ts, not timed), run as an operator runs it, its peak
 * RSS and CPU sampled from /proc, then the store checked against what the CLI reported. The
 * limit: csv-parse reading the same file with the same delimiter and header, in this process.
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse';
import { sql } from 'drizzle-orm';
import { defineMode, int, mb, seconds } from './context.ts';
import { IMPORT_USERS, writeClientsCsv } from './clients-csv.ts';
import { countOf } from './ledger.ts';
import { startRole } from './processes.ts';
import { createWorkspace, STORE_OPTIONS } from './workspace.ts';

const SAMPLE_MS = 100;

export const importMode = defineMode({
  summary: '1,000,000 clients through `leadwire import clients` vs a bare csv-parse of the file',
  options: {
    rows: 1_000_000,
    ...STORE_OPTIONS,
  },
  async run(run, options) {
    const workspace = await createWorkspace(run, options);
    const store = await workspace.open();
    for (const user of IMPORT_USERS) await store.users.createUser({ ...user, roles: ['operator'] });
    const file = path.join(workspace.dataDir, 'clients.csv');
    const csv = await writeClientsCsv(file, options.rows);
    run.progress(
      `wrote ${csv.rows} rows (${mb(csv.bytes).toFixed(1)} MB); parsing, then importing`,
    );

    const parsing = performance.now();
    let parsed = 0;
    for await (const record of createReadStream(file).pipe(
      parse({ delimiter: ';', bom: true, columns: true }),
    ))
      if (record) parsed += 1;
    const limit = parsed / seconds(parsing);

    const env = workspace.env({ LOG_LEVEL: 'warn' });
    const started = performance.now();
    const cli = startRole(run, 'cli', env, ['import', 'clients', file, '--country', 'ES']);
    let [peak, cpu] = [0, 0];
    const sampler = setInterval(() => {
      peak = Math.max(peak, cli.peakRssBytes());
      cpu = cli.cpuSeconds() || cpu;
    }, SAMPLE_MS);
    const code = await cli.exited;
    clearInterval(sampler);
    const took = seconds(started);
    // Refused rows make the CLI end with 1 after its summary; anything else is a failure.
    if (code !== (csv.refused ? 1 : 0)) throw new Error(`the CLI ended with ${code}`);
    const summary =
      /(\d+) records read, created (\d+), updated (\d+), skipped as duplicates (\d+), refused (\d+)/.exec(
        cli.output.join('\n'),
      );
    if (!summary) throw new Error('the CLI printed no summary');
    const [records, created, updated, skipped, refused] = summary.slice(1).map(Number) as number[];

    const clients = await countOf(store, sql`SELECT count(*) AS n FROM clients`);
    const twice = await countOf(
      store,
      sql`SELECT count(*) AS n FROM (SELECT key FROM identities WHERE client_id IS NOT NULL GROUP BY key HAVING count(*) > 1) AS twice`,
    );
    const expected: [string, number, number][] = [
      ['records read', records ?? 0, csv.rows],
      ['refused', refused ?? 0, csv.refused],
      ['created', created ?? 0, csv.unique],
      ['updated + skipped', (updated ?? 0) + (skipped ?? 0), csv.duplicates],
      ['clients in the store', clients, created ?? 0],
      ['identity keys owned twice', twice, 0],
    ];
    const wrong = expected.filter(([, got, want]) => got !== want);
    const perSecond = (records ?? 0) / took;
    return {
      lines: [
        `Leadwire import bench (${workspace.store}): ${int(csv.rows)} rows, ${mb(csv.bytes).toFixed(1)} MB ` +
          `(${int(csv.duplicates)} repeat an earlier phone, ${int(csv.refused)} have a broken email)`,
        `  limit: csv-parse  ${int(limit)} rows/s`,
        `  leadwire import   ${took.toFixed(1)} s = ${int(perSecond)} rows/s, ${cpu.toFixed(1)} CPU s, ` +
          `peak RSS ${mb(peak).toFixed(1)} MB  targets (SQLite) <= 180 s, <= 250 MB`,
        `  store             ${int(clients)} clients, ${twice} keys owned twice: ${wrong.length ? 'MISMATCH' : 'as reported'}`,
        ...wrong.map(([what, got, want]) => `  WARNING: ${what}: ${got}, expected ${want}`),
      ],
      figure: ['rows_per_s', perSecond],
      limit,
      more: { seconds: took.toFixed(1), peak_rss_mb: mb(peak).toFixed(1) },
      failed: wrong.length > 0,
    };
  },
});
