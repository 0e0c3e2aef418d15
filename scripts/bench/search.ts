/**
 * `npm run bench -- search`: the lead list's searches through the repository's `list` (what
 * GET /api/v1/leads runs), a page of 50, one at a time, by phone, by email and by words (`q`).
 * The limit: one lead read by primary key on the same connection, timed the same way.
 */
import { randomInt } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { LeadFilter } from '../../core/repositories/leads.ts';
import { inspect } from '../../db/inspect.ts';
import { defineMode, int, oneAtATime, percentile, perSecond, spread, timed } from './context.ts';
import { leadWords, searchLead, senderKeys, TEXT_QUERIES } from './lead-words.ts';
import { seedCrm } from './senders.ts';

const PAGE = 50;
/** The target for every kind of search. */
const TARGET_P95_MS = 50;

export const searchMode = defineMode({
  summary: 'lead list searches among 1,000,000 leads vs a lead read by primary key',
  options: { leads: 1_000_000, clients: 1_000_000, queries: 500 },
  async run(run, options, workspace) {
    const { store } = workspace;
    const { leads, clients } = options;
    await seedCrm(run, store, clients, { count: leads, lead: (n) => searchLead(n, clients) });
    /** The filter of each kind of search for lead n. */
    const kinds: Record<string, (n: number) => Omit<LeadFilter, 'limit'>> = {
      phone: (n) => ({ identityKeys: [senderKeys(n, clients).phone] }),
      email: (n) => ({ identityKeys: [senderKeys(n, clients).email] }),
    };
    for (const [kind, query] of Object.entries(TEXT_QUERIES))
      kinds[`q: ${kind}`] = (n) => ({ q: query(leadWords(n), n) });
    /** Random leads, one at a time; a company search looks for a lead with a company. */
    const timeEach = (label: string, query: (n: number) => Promise<unknown>) =>
      oneAtATime(run, options.queries, () => {
        let n = randomInt(1, leads + 1);
        while (label === 'q: company' && !leadWords(n).company) n = randomInt(1, leads + 1);
        return timed(() => query(n));
      });

    const look = inspect(store);
    const limitMs = await timeEach('id', (n) =>
      look.get(sql`SELECT id, title FROM leads WHERE id = ${n}`),
    );
    const lines = [
      `Leadwire search bench (${store.kind}): ${int(leads)} leads, ${int(clients)} clients; ` +
        `${options.queries} random queries of each kind, ${PAGE} a page`,
      `  limit: by id     ${spread(limitMs)}`,
    ];
    const all: number[] = [];
    const more: Record<string, string> = {};
    for (const [label, filter] of Object.entries(kinds)) {
      const ms = await timeEach(label, (n) =>
        store.leads.list({ ...filter(n), limit: PAGE }, { kind: 'all' }),
      );
      all.push(...ms);
      const p95 = percentile(ms, 95);
      const met = p95 <= TARGET_P95_MS ? 'met' : 'NOT MET';
      lines.push(`  ${label.padEnd(16)} ${spread(ms)}  target p95 <= ${TARGET_P95_MS} ms: ${met}`);
      more[`${label.replace(/\W+/g, '_')}_p95_ms`] = p95.toFixed(1);
      run.progress(`${label}: done`);
    }
    return {
      lines,
      figure: ['queries_per_s', perSecond(all)],
      limit: perSecond(limitMs),
      more: { leads, ...more },
    };
  },
});
