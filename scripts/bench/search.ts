/**
 * `npm run bench -- search`: the lead list's searches among a million leads, through the
 * repository's `list` (what GET /api/v1/leads runs), a page of 50, one at a time: by a phone and
 * an email (identity keys) and by words (`q`). The limit is the least query the same connection
 * can answer: one lead's id and title by primary key, timed the same way.
 */
import { randomInt } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { LeadFilter } from '../../core/repositories/leads.ts';
import { inspect } from '../../db/inspect.ts';
import { ascending, defineMode, int, percentile, spread } from './context.ts';
import { leadWords, searchLead, senderKeys, textQuery, TEXT_KINDS } from './lead-words.ts';
import { seedCrm } from './senders.ts';
import { createWorkspace, STORE_OPTIONS } from './workspace.ts';

const PAGE = 50;
const WARMUP = 20;
/** The target for every kind of search. */
const TARGET_P95_MS = 50;

interface Kind {
  label: string;
  filter(n: number): Omit<LeadFilter, 'limit'>;
  /** Leads this kind can look for (a company search needs a lead with a company). */
  fits?(n: number): boolean;
}

export const searchMode = defineMode({
  summary: 'lead list searches among 1,000,000 leads vs a lead read by primary key',
  options: {
    leads: 1_000_000,
    clients: 1_000_000,
    queries: 500,
    ...STORE_OPTIONS,
  },
  async run(run, options) {
    const workspace = await createWorkspace(run, options);
    const store = await workspace.open();
    await seedCrm(run, store, options.clients, {
      count: options.leads,
      lead: (n) => searchLead(n, options.clients),
    });
    const kinds: Kind[] = [
      { label: 'phone', filter: (n) => ({ identityKeys: [senderKeys(n, options.clients).phone] }) },
      { label: 'email', filter: (n) => ({ identityKeys: [senderKeys(n, options.clients).email] }) },
      ...TEXT_KINDS.map((kind) => ({
        label: `q: ${kind}`,
        filter: (n: number) => ({ q: textQuery(n, kind) }),
        ...(kind === 'company' ? { fits: (n: number) => leadWords(n).company !== null } : {}),
      })),
    ];
    const random = (fits?: (n: number) => boolean) => {
      let n = randomInt(1, options.leads + 1);
      while (fits && !fits(n)) n = randomInt(1, options.leads + 1);
      return n;
    };
    const timeEach = async (
      query: (n: number) => Promise<unknown>,
      fits?: (n: number) => boolean,
    ) => {
      const ms: number[] = [];
      for (let i = 0; i < WARMUP + options.queries && !run.signal.aborted; i++) {
        const n = random(fits);
        const start = performance.now();
        await query(n);
        if (i >= WARMUP) ms.push(performance.now() - start);
      }
      return ascending(ms);
    };

    const look = inspect(store);
    const limitMs = await timeEach((n) =>
      look.get(sql`SELECT id, title FROM leads WHERE id = ${n}`),
    );
    const lines = [
      `Leadwire search bench (${workspace.store}): ${int(options.leads)} leads, ${int(options.clients)} clients; ` +
        `${options.queries} random queries of each kind, ${PAGE} a page`,
      `  limit: by id     ${spread(limitMs)}`,
    ];
    const all: number[] = [];
    const more: Record<string, string> = {};
    for (const kind of kinds) {
      const ms = await timeEach(
        (n) => store.leads.list({ ...kind.filter(n), limit: PAGE }, { kind: 'all' }),
        kind.fits,
      );
      all.push(...ms);
      const p95 = percentile(ms, 95);
      const met = p95 <= TARGET_P95_MS ? 'met' : 'NOT MET';
      lines.push(
        `  ${kind.label.padEnd(16)} ${spread(ms)}  target p95 <= ${TARGET_P95_MS} ms: ${met}`,
      );
      more[`${kind.label.replace(/\W+/g, '_')}_p95_ms`] = p95.toFixed(1);
      run.progress(`${kind.label}: done`);
    }
    const perSecond = (ms: number[]) =>
      (1000 * ms.length) / ms.reduce((sum, each) => sum + each, 0);
    return {
      lines,
      figure: ['queries_per_s', perSecond(all)],
      limit: perSecond(limitMs),
      more: { leads: options.leads, ...more },
    };
  },
});
