/**
 * The telegram bench's polling phase: a bot channel in polling mode against the tests' local Bot
 * API server (test/helpers/telegram-api.ts, which speaks Telegram's HTTP API), Leadwire's `worker`
 * and `telegram` processes started from their Procfile lines, then one update at a time pushed to
 * the bot and timed until its inbox row is done with a lead.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { storeTelegramSettings, telegramSettingsInput } from '../../connectors/telegram/config.ts';
import { loadConfig } from '../../core/runtime/config.ts';
import { sql } from 'drizzle-orm';
import { inspect } from '../../db/inspect.ts';
import { openStore } from '../../db/open.ts';
import { startBotApi, type Update } from '../../test/helpers/telegram-api.ts';
import { startProcfileProcess, type AppProcess, type ProcfileRole } from './email-system.ts';
import type { OrphanGuard } from './orphan-guard.ts';

/** getUpdates' wait, as TELEGRAM_POLL_SECONDS; the local Bot API server is told to allow it. */
export const POLL_SECONDS = 25;
const ROW_POLL_MS = 10;
const SAMPLE_TIMEOUT_MS = 60_000;
/** Between samples: each update arrives at a poller already waiting in getUpdates. */
const SAMPLE_GAP_MS = 1000;
const SHUTTING_DOWN = 'shutting down: finishing work in flight (send again to force)';

export interface PollingContext {
  /** The environment of the worker and telegram processes (DATA_DIR, QUEUE_PREFIX, SECRETS_KEY…). */
  env: NodeJS.ProcessEnv;
  secretsKey: string;
  guard: OrphanGuard;
  progress: (line: string) => void;
  signal: AbortSignal;
  defer: (close: () => unknown) => void;
}

export interface PollingSample {
  /** pushUpdate → the row seen done with a lead by a 10 ms poll of the database. */
  seconds: number;
  /** pushUpdate → the poller recorded it (the row's received_at). */
  recordedSeconds: number;
  /** Recorded → lead committed (the row's processed_at). */
  committedSeconds: number;
  outcome: string;
}

interface InboxRow {
  status: string;
  outcome: string | null;
  reason: string | null;
  lead_id: number | null;
  received_at: number;
  processed_at: number | null;
}

export async function pollingLatency(
  context: PollingContext,
  updates: Update[],
): Promise<PollingSample[]> {
  const { env, progress, signal, defer } = context;
  const botApi = await startBotApi({ maxPollSeconds: POLL_SECONDS });
  let botApiClosed: Promise<void> | undefined;
  const closeBotApi = () => (botApiClosed ??= botApi.close());
  defer(closeBotApi);
  const token = `${7_200_000_000 + randomBytes(2).readUInt16BE()}:AAbench-${randomBytes(16).toString('hex')}`;
  botApi.addBot(token);

  const store = await openStore(loadConfig(env));
  defer(() => store.close());
  const input = telegramSettingsInput.parse({
    token: { value: token },
    mode: 'polling',
    apiRoot: botApi.apiRoot,
  });
  const channel = await store.channels.create({
    kind: 'telegram',
    name: 'Bench bot (polling)',
    defaultCountry: 'ES',
    appendScope: 'any',
    active: true,
    operatorIds: [],
    config: storeTelegramSettings(input, context.secretsKey, undefined),
  });

  const worker = start('worker', context);
  defer(() => worker.stop(signal.aborted));
  await worker.logged('ingest worker and reconciler started');
  const telegram = start('telegram', context);
  defer(async () => {
    // BotPoller.stop waits for its getUpdates to return (it does not abort it): up to 25 s, past
    // the process's 15 s shutdown limit. Once it is shutting down, the Bot API ends the poll.
    const stopping = telegram.stop(signal.aborted);
    await Promise.race([telegram.logged(SHUTTING_DOWN), sleep(5000)]).catch(() => {});
    await closeBotApi();
    await stopping;
  });
  await telegram.logged('bot polling started');
  const polls = () => botApi.calls(token, 'getUpdates').length;
  await pollerWaiting(polls, 0);
  progress(`telegram: polling ${botApi.apiRoot} (getUpdates timeout ${POLL_SECONDS} s)`);

  const look = inspect(store);
  const row = (externalId: string) =>
    look.get<InboxRow>(
      sql`SELECT status, outcome, reason, lead_id, received_at, processed_at FROM inbox
          WHERE channel_id = ${channel.id} AND external_id = ${externalId}`,
    );
  const samples: PollingSample[] = [];
  let pollsAtPush = 0;
  for (const update of updates) {
    signal.throwIfAborted();
    await sleep(SAMPLE_GAP_MS);
    await pollerWaiting(polls, pollsAtPush);
    pollsAtPush = polls();
    const externalId = `u${update.update_id}`;
    const pushedAt = Date.now();
    const pushed = performance.now();
    if (!botApi.pushUpdate(token, update)) throw new Error(`the Bot API dropped ${externalId}`);
    let found: InboxRow | undefined;
    for (;;) {
      found = await row(externalId);
      if (found?.status === 'done' && found.lead_id !== null) break;
      if (found && (found.status === 'ignored' || found.status === 'failed'))
        throw new Error(
          `${externalId} was ${found.status}: ${found.reason ?? 'see the log above'}`,
        );
      if (performance.now() - pushed > SAMPLE_TIMEOUT_MS)
        throw new Error(`${externalId}: no lead ${SAMPLE_TIMEOUT_MS / 1000} s after pushUpdate`);
      signal.throwIfAborted();
      await sleep(ROW_POLL_MS);
    }
    const sample = {
      seconds: (performance.now() - pushed) / 1000,
      recordedSeconds: (found.received_at - pushedAt) / 1000,
      committedSeconds: ((found.processed_at ?? found.received_at) - found.received_at) / 1000,
      outcome: found.outcome ?? 'none',
    };
    samples.push(sample);
    progress(
      `polling ${samples.length}/${updates.length}: ${sample.seconds.toFixed(3)} s ` +
        `(recorded after ${sample.recordedSeconds.toFixed(3)} s)`,
    );
  }
  const problems = worker.problems + telegram.problems;
  if (problems) progress(`polling: ${problems} warnings or errors logged (shown above)`);
  return samples;
}

/**
 * A Procfile line. email-system.ts types its roles as the email bench's two, but starts any line
 * of the Procfile by its name.
 */
function start(role: 'worker' | 'telegram', context: PollingContext): AppProcess {
  return startProcfileProcess(role as ProcfileRole, context.env, context.progress, context.guard);
}

/** Until the poller has made a getUpdates call past the `seen` first ones (it is waiting again). */
async function pollerWaiting(polls: () => number, seen: number): Promise<void> {
  const started = performance.now();
  while (polls() <= seen) {
    if (performance.now() - started > SAMPLE_TIMEOUT_MS)
      throw new Error(`the poller made no getUpdates call in ${SAMPLE_TIMEOUT_MS / 1000} s`);
    await sleep(ROW_POLL_MS);
  }
}
