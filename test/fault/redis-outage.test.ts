/**
 * Redis goes away while web forms and REST intake keep arriving over HTTP at a web process (a
 * child, as in the Procfile): every request is recorded in the inbox and answered 2xx without
 * waiting for Redis, and once Redis is back the reconciler hands every pending row to the worker.
 * Gone (killed, restarted empty ten seconds later) and frozen (SIGSTOP: connections open,
 * nothing answered) are both covered; the second is the one that used to hold every request.
 */
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { useFaultRig } from '../helpers/fault-rig.ts';
import { inboxByStatus, intakeLedger, pause } from '../helpers/intake-ledger.ts';
import { CONTACT_FORM, createForm, renderToken } from '../helpers/site.ts';
import { waitFor, type TestSystem, type WorkerProcess } from '../helpers/system.ts';
import { accepted, startTraffic, type Sent, type Traffic } from '../helpers/traffic.ts';

/** Longest a request may take while Redis is away: answered from the inbox, never left hanging. */
const MAX_ANSWER_MS = 2_000;
/**
 * The typical request does not wait for Redis at all: after one step misses its deadline, the
 * next ones skip Redis for a moment instead of each waiting out a deadline of its own.
 */
const MAX_MEDIAN_MS = 250;
const SENDERS = 40;

const rig = useFaultRig();

/** A private Redis, web and worker processes, a form, and traffic flowing and being processed. */
async function runningSystem(label: string) {
  const { redis, system: current } = await rig.start(label);
  const web = await current.spawnWeb();
  const worker = current.spawnWorker();
  const site = { baseUrl: web.baseUrl, apiKey: current.apiKey };
  const form = await createForm(site, CONTACT_FORM);
  // A browser's way: render the page (its token), then post it.
  const formToken = () => renderToken(site, `/f/${form.slug}`);
  const flowing = startTraffic(
    { ...site, formSlug: form.slug, formToken },
    { concurrency: 4, senders: SENDERS, pauseMs: 20 },
  );
  rig.onTeardown(() => flowing.stop());
  // A worker cannot start without Redis: it must be up and processing before Redis goes.
  await waitFor(
    'rows to be processed',
    async () => ((await inboxByStatus(current)).done ?? 0) >= 50,
  );
  return { current, redis, web, worker, traffic: flowing, prefix: current.config.queuePrefix };
}

/** Requests that started and were answered while Redis was away, checked and summed up. */
function answeredWhileAway(sent: Sent[], from: number, to: number) {
  const during = sent.filter((s) => s.startedAt >= from && s.startedAt + s.ms <= to);
  expect(during.length).toBeGreaterThan(50);
  expect(new Set(during.map((s) => s.kind))).toEqual(new Set(['form', 'api']));
  const times = during.map((s) => s.ms).sort((a, b) => a - b);
  const [median, slowest] = [times[Math.floor(times.length / 2)] ?? 0, times.at(-1) ?? 0];
  expect(slowest).toBeLessThan(MAX_ANSWER_MS);
  expect(median).toBeLessThan(MAX_MEDIAN_MS);
  const forms = during.filter((s) => s.kind === 'form').length;
  const ok = during.filter(accepted).length;
  const kinds = `${forms} forms, ${during.length - forms} API`;
  return `${during.length} while away (${kinds}), ${ok} answered 2xx, median ${median} ms, slowest ${slowest} ms`;
}

/** Traffic keeps going a little after Redis is back, then every request must end on a lead once. */
async function settle(
  current: TestSystem,
  traffic: Traffic,
  since: number,
  processes: WorkerProcess[],
) {
  await waitFor('traffic after Redis is back', () =>
    traffic.sent.some((s) => s.startedAt > since + 1000),
  );
  const sent = await traffic.stop();
  expect(sent.filter((s) => !accepted(s))).toEqual([]);
  await waitFor(
    'every recorded request processed after Redis came back',
    async () => (await inboxByStatus(current)).done === sent.length,
    60_000,
  );
  const drainedMs = Date.now() - since;
  expect(await inboxByStatus(current)).toEqual({ done: sent.length });
  expect(await intakeLedger(current, sent)).toEqual({
    acceptedRequests: sent.length,
    acceptedInboxIds: sent.length,
    doneWithOneMessage: sent.length,
    inboxRows: sent.length,
    messages: sent.length,
    duplicateMessages: 0,
    leads: SENDERS,
    sendersOnSeveralLeads: 0,
  });
  for (const { child } of processes) expect(child.exitCode).toBeNull();
  return { sent, drainedMs };
}

it('Redis killed for ten seconds: forms and API requests are answered 2xx at once and all processed after', async () => {
  const { current, redis, web, worker, traffic, prefix } = await runningSystem('outage');
  await redis.crash();
  const downAt = Date.now();
  await pause(10_000);
  await redis.restart();
  const upAt = Date.now();
  // Redis came back empty: within moments the limiters and the daily cap count again (web
  // processes used to back off up to five seconds between reconnect attempts).
  const client = new Redis(redis.url);
  const patterns = ['ratelimit:api:*', 'ratelimit:site-webform:*', 'forms:accepted:*'];
  await waitFor(
    'the limiters and the daily cap to count again',
    async () => {
      const found = await Promise.all(
        patterns.map((pattern) => client.keys(`${prefix}:${pattern}`)),
      );
      return found.every((keys) => keys.length > 0);
    },
    2000,
  ).finally(() => client.disconnect());
  const countingAfterMs = Date.now() - upAt;
  const { sent, drainedMs } = await settle(current, traffic, upAt, [web, worker]);
  const during = answeredWhileAway(sent, downAt, upAt);
  console.log(
    `outage: ${sent.length} requests, ${during}; limits counting again after ` +
      `${countingAfterMs} ms; all ${sent.length} done ${drainedMs} ms after Redis returned`,
  );

  // One warning now and then, never a line (or a console stack) per request.
  expect(web.logs.length).toBeLessThan(50);
  expect(web.logs.filter((line) => !line.startsWith('{'))).toEqual([]);
}, 120_000);

it('Redis frozen for five seconds: requests are not held, and nothing is lost when it thaws', async () => {
  const { current, redis, web, worker, traffic } = await runningSystem('freeze');
  redis.freeze();
  const frozenAt = Date.now();
  await pause(5_000);
  redis.thaw();
  const thawedAt = Date.now();
  const { sent, drainedMs } = await settle(current, traffic, thawedAt, [web, worker]);
  const during = answeredWhileAway(sent, frozenAt, thawedAt);
  console.log(
    `freeze: ${sent.length} requests, ${during}; all ${sent.length} done ${drainedMs} ms after the thaw`,
  );
}, 120_000);
