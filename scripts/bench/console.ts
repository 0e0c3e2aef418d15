/**
 * `npm run bench -- console`: the console's pages over HTTP as a signed-in admin, one request at a
 * time, to the first byte (lead lists, the board, a lead's page); then a message posted to the
 * REST intake until the open page's live stream names its lead and the conversation it fetches
 * (what htmx does) holds it. The limit is the same web process's GET /healthz, timed the same way.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { hashPassword } from '../../core/passwords.ts';
import { defineMode, oneAtATime, percentile, perSecond, spread, type Run } from './context.ts';
import { leadWords, searchLead } from './lead-words.ts';
import { startRole, startWeb } from './processes.ts';
import { intakeKey, seedCrm } from './senders.ts';

const PASSWORD = 'bench console password';
const LIVE_TIMEOUT_MS = 15_000;

export const consoleMode = defineMode({
  summary: "the console's pages and live updates with 100,000 leads vs GET /healthz",
  options: { leads: 100_000, clients: 100_000, requests: 300, messages: 50 },
  async run(run, options, workspace) {
    const { store } = workspace;
    await seedCrm(run, store, options.clients, {
      count: options.leads,
      lead: (n) => searchLead(n, options.clients),
    });
    const email = `bench-admin-${run.id}@bench.example`;
    const passwordHash = await hashPassword(PASSWORD);
    const admin = { name: 'Bench Admin', email, roles: ['admin' as const], passwordHash };
    const made = await store.users.createUser(admin);
    if (!made.ok) throw new Error(`the bench's admin was not created: ${made.problem}`);
    const apiKey = await intakeKey(store);

    const env = workspace.env({ LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '1000000' });
    const { baseUrl } = await startWeb(run, env);
    startRole(run, 'worker', env);
    const signedIn = await fetch(`${baseUrl}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: baseUrl },
      body: new URLSearchParams({ email, password: PASSWORD, next: '/leads' }).toString(),
    });
    const cookie = (signedIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    if (signedIn.status !== 303 || !cookie) throw new Error(`sign-in answered ${signedIn.status}`);

    const lists = [
      '/leads',
      '/leads?view=mine',
      '/leads?view=unassigned',
      '/leads?stage=NEW&open=1',
      `/leads?q=${encodeURIComponent(leadWords(randomInt(1, options.leads + 1)).last)}`,
      '/leads?board=1',
    ];
    const time = (path: (i: number) => string) =>
      oneAtATime(run, options.requests, (i) => firstByte(`${baseUrl}${path(i)}`, cookie));
    run.progress(`pages: ${options.requests} requests of each, one at a time`);
    const limit = await time(() => '/healthz');
    const list = await time((i) => lists[i % lists.length] ?? '/leads');
    const lead = await time(() => `/leads/${randomInt(1, options.leads + 1)}`);
    run.progress(
      `live: ${options.messages} messages posted to the intake, each awaited on the page`,
    );
    const live = await timeLive(run, baseUrl, cookie, apiKey.key, options.messages);
    return {
      lines: [
        `Leadwire console bench (${store.kind}): ${options.leads} leads, ${options.clients} clients, as an admin`,
        `  limit: /healthz           ${spread(limit)}`,
        `  lead list, first byte     ${spread(list)}  target p95 <= 100 ms`,
        `  lead page, first byte     ${spread(lead)}  target p95 <= 100 ms`,
        `  intake post → open page   ${spread(live)}  target p50 <= 300 ms`,
      ],
      figure: ['pages_per_s', perSecond([...list, ...lead])],
      limit: perSecond(limit),
      more: {
        list_p95_ms: percentile(list, 95).toFixed(1),
        lead_p95_ms: percentile(lead, 95).toFixed(1),
        live_p50_ms: percentile(live, 50).toFixed(1),
      },
    };
  },
});

/** Milliseconds until the answer's status line and headers; the body is read afterwards. */
async function firstByte(url: string, cookie: string): Promise<number> {
  const start = performance.now();
  const answer = await fetch(url, { headers: { cookie }, redirect: 'manual' });
  const ms = performance.now() - start;
  const body = await answer.text();
  if (answer.status !== 200)
    throw new Error(`GET ${url} answered ${answer.status}: ${body.slice(0, 200)}`);
  return ms;
}

/** Each message from a new customer, timed until the page's stream and conversation show it. */
async function timeLive(run: Run, baseUrl: string, cookie: string, key: string, messages: number) {
  const abort = new AbortController();
  run.defer(() => abort.abort());
  const stream = await fetch(`${baseUrl}/stream`, { headers: { cookie }, signal: abort.signal });
  if (!stream.ok || !stream.body) throw new Error(`GET /stream answered ${stream.status}`);
  const reader = stream.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  /** The next lead id the stream announces. */
  const nextLead = async (): Promise<number> => {
    for (;;) {
      const event = /^event: lead-(\d+)$/m.exec(buffer);
      if (event) {
        buffer = buffer.slice((event.index ?? 0) + event[0].length);
        return Number(event[1]);
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('the live stream ended');
      buffer += value;
    }
  };
  // The first three warm the worker and the page's code.
  const measure = async (i: number) => {
    const text = `bench live message ${randomBytes(6).toString('hex')}`;
    const start = performance.now();
    const posted = await fetch(`${baseUrl}/api/v1/leads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: `Live Customer ${i}`,
        email: `live-${i}-${run.id}@bench.example`,
        message: text,
      }),
    });
    if (!posted.ok) throw new Error(`the intake answered ${posted.status}: ${await posted.text()}`);
    const deadline = sleep(LIVE_TIMEOUT_MS).then(() => {
      throw new Error(`"${text}" did not appear on the page in ${LIVE_TIMEOUT_MS / 1000} s`);
    });
    deadline.catch(() => undefined);
    for (let shown = false; !shown;) {
      const id = await Promise.race([nextLead(), deadline]);
      const conversation = await fetch(`${baseUrl}/leads/${id}/conversation`, {
        headers: { cookie },
      });
      shown = (await conversation.text()).includes(text);
    }
    const took = performance.now() - start;
    await sleep(100);
    return took;
  };
  return oneAtATime(run, messages, measure, 3);
}
