/**
 * Bots in polling mode (the `telegram` process's pollers, in-process) against the local Bot API
 * server: updates become leads, a restart neither skips nor replays, a burst of 1,000 updates keeps
 * every chat's order, and how long one update takes to become a lead.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startBotApi, type BotApi } from '../helpers/telegram-api.ts';
import {
  connectBot,
  inboxOf,
  nextOffset,
  privateText,
  processedRows,
  processedUpdate,
  startPolling,
  type Polling,
} from '../helpers/telegram.ts';
import { api, startSystem, waitFor, type TestSystem } from '../helpers/system.ts';

let botApi: BotApi;
let system: TestSystem;
let polling: Polling | undefined;

beforeAll(async () => {
  botApi = await startBotApi();
  system = await startSystem({ label: 'tgpoll', env: { SECRETS_KEY: 'p'.repeat(40) } });
  await system.startInProcessWorker();
}, 120_000);

afterAll(async () => {
  await polling?.stop();
  await botApi?.close();
  await system?.close();
});

const lead = async (id: number | null) => (await api(system)('GET', `/api/v1/leads/${id}`)).body;
const now = () => Math.floor(Date.now() / 1000);

/** Waits until the connector polls the bot (its getUpdates calls keep coming). */
async function polled(token: string) {
  const before = botApi.calls(token, 'getUpdates').length;
  await waitFor('the bot to be polled', () => botApi.calls(token, 'getUpdates').length > before);
}

it('turns polled updates into leads, and a restart neither skips nor replays', async () => {
  const bot = await connectBot(system, botApi, { mode: 'polling' });
  expect(botApi.webhook(bot.token)).toBeUndefined();
  polling = await startPolling(system);
  // A second apart, as a person types: the history is ordered by when each was sent (two in
  // the same second would be ordered by which one the worker stored first).
  let sentAt = now() - 60;
  const push = (userId: number, messageId: number) =>
    botApi.pushUpdate(
      bot.token,
      privateText(userId, messageId, `hello ${messageId}`, (sentAt += 1)),
    );
  const first = [push(801, 1), push(802, 1), push(801, 2)];
  const rows = await processedRows(system, bot.id, 3);
  // The worker takes a batch's jobs concurrently: either of 801's two messages may start its
  // lead; both end on the same lead, and 802 has one of its own.
  expect([rows[0]?.outcome, rows[2]?.outcome].sort()).toEqual(['appended', 'created_simple']);
  expect(rows[1]?.outcome).toBe('created_simple');
  expect(rows[2]?.lead_id).toBe(rows[0]?.lead_id);
  expect(rows[1]?.lead_id).not.toBe(rows[0]?.lead_id);
  const lastId = first.at(-1)?.update_id ?? 0;
  await waitFor(
    'the offset to move past the batch',
    async () => (await nextOffset(system, bot.id)) === lastId + 1,
  );

  await polling.stop();
  polling = undefined;
  const second = [push(801, 3), push(803, 1)];
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(await inboxOf(system, bot.id)).toHaveLength(3); // nobody polls while the connector is down

  const callsBefore = botApi.calls(bot.token, 'getUpdates').length;
  polling = await startPolling(system);
  const after = await processedRows(system, bot.id, 5);
  expect(after.map((row) => row.external_id)).toEqual(
    [...first, ...second].map((update) => `u${update?.update_id}`),
  );
  const outcomes = after.map((row) => row.outcome);
  // As above, either of 801's first two messages may have started the lead.
  expect([outcomes[0], outcomes[2]].sort()).toEqual(['appended', 'created_simple']);
  expect([outcomes[1], outcomes[3], outcomes[4]]).toEqual([
    'created_simple',
    'appended',
    'created_simple',
  ]);
  expect(after[3]?.lead_id).toBe(after[0]?.lead_id);
  // The restarted poller asked from the stored offset: the first batch was not handed out again.
  const resumed = botApi.calls(bot.token, 'getUpdates')[callsBefore];
  expect(Number(resumed?.offset)).toBe(lastId + 1);
  await waitFor(
    'the offset to move past the second batch',
    async () => (await nextOffset(system, bot.id)) === (second.at(-1)?.update_id ?? 0) + 1,
  );
  const history = await lead(after[0]?.lead_id ?? null);
  expect(history.messages.map((m: { text: string }) => m.text)).toEqual([
    'hello 1',
    'hello 2',
    'hello 3',
  ]);
});

// Polling hands the updates out in order, 100 at a time; the webhook delivers up to 40 at once,
// so one chat's messages may arrive out of order and race to create its lead.
it.each(['polling', 'webhook'] as const)(
  'turns a burst of 1,000 updates from 50 users into 50 leads with ordered histories (%s)',
  async (mode) => {
    const bot = await connectBot(system, botApi, { mode });
    if (mode === 'polling') {
      polling ??= await startPolling(system);
      await polled(bot.token);
    }
    const users = Array.from(
      { length: 50 },
      (_, u) => (mode === 'polling' ? 9_000_000 : 9_100_000) + u,
    );
    const base = now() - 10_000;
    let tick = 0;
    for (let m = 1; m <= 20; m++) {
      for (const user of users) {
        botApi.pushUpdate(bot.token, privateText(user, m, `${user} #${m}`, base + tick++));
      }
    }
    const rows = await processedRows(system, bot.id, 1000, 180_000);
    expect(rows).toHaveLength(1000);
    expect(rows.filter((row) => row.status !== 'done')).toEqual([]);
    const outcomes = rows.reduce<Record<string, number>>(
      (count, row) => ({ ...count, [String(row.outcome)]: (count[String(row.outcome)] ?? 0) + 1 }),
      {},
    );
    expect(outcomes).toEqual({ created_simple: 50, appended: 950 });
    const leadIds = [...new Set(rows.map((row) => row.lead_id))];
    expect(leadIds).toHaveLength(50);
    const seen = new Set<number>();
    for (const id of leadIds) {
      const { messages, identities } = await lead(id);
      expect(identities).toHaveLength(1);
      const user = Number(String(identities[0]?.key).replace('telegram:', ''));
      seen.add(user);
      expect(messages.map((m: { text: string }) => m.text)).toEqual(
        Array.from({ length: 20 }, (_, i) => `${user} #${i + 1}`),
      );
    }
    expect([...seen].sort((a, b) => a - b)).toEqual(users);
    if (mode === 'polling') {
      const last = Math.max(...rows.map((row) => Number(row.external_id.slice(1))));
      expect(await nextOffset(system, bot.id)).toBe(last + 1);
    }
  },
  240_000,
);

it('measures seconds from update to lead in polling mode', async () => {
  const bot = await connectBot(system, botApi, { mode: 'polling' });
  polling ??= await startPolling(system);
  await polled(bot.token);
  const samples: number[] = [];
  for (let i = 0; i < 10; i++) {
    // The connector is idle: its long poll is waiting when the update arrives.
    await polled(bot.token);
    const pushedAt = Date.now();
    const update = botApi.pushUpdate(bot.token, privateText(700 + i, 1, `ping ${i}`, now()));
    const row = await processedUpdate(system, bot.id, update?.update_id ?? 0);
    expect(row.outcome).toBe('created_simple');
    // The worker stamps the row when its lead is committed (waitFor only looks every 50 ms).
    const doneAt = (await system.store.inbox.get(row.id))?.processedAt?.getTime() ?? Infinity;
    samples.push((doneAt - pushedAt) / 1000);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const p50 = ((sorted[4] ?? 0) + (sorted[5] ?? 0)) / 2;
  const max = sorted.at(-1) ?? 0;
  console.log(
    `update → lead (polling, 10 samples): p50 ${p50.toFixed(3)} s, max ${max.toFixed(3)} s`,
  );
  expect(max).toBeLessThan(5);
});

it('stops at once in the middle of a long poll', async () => {
  await polling?.stop();
  const slow = await startPolling(system, 5);
  await new Promise((resolve) => setTimeout(resolve, 800)); // inside a 5 s getUpdates
  const started = Date.now();
  await slow.stop();
  polling = undefined;
  expect(Date.now() - started).toBeLessThan(1500);
});
