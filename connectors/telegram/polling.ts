/**
 * Long polling for one bot (the `telegram` process): getUpdates from the stored offset, record
 * the batch and the next offset together, enqueue, repeat. The next call's offset confirms the
 * batch to Telegram only after it is in the inbox, so a restart neither skips nor replays.
 */
import type { Telegram } from 'telegraf';
import type { InboundRecorder } from '../../core/channel.ts';
import type { Repositories } from '../../core/repositories/index.ts';
import type { Logger } from '../../core/runtime/logger.ts';
import { allowedUpdates } from './config.ts';
import type { TelegramRaw } from './update.ts';

export interface PollerOptions {
  repos: Pick<Repositories, 'checkpoints'>;
  /** Records a batch of updates with the next offset, then enqueues them. */
  recorder: InboundRecorder;
  log: Logger;
  channelId: number;
  telegram: Telegram;
  /** Seconds a getUpdates call waits for updates (Telegram's long poll). */
  timeoutSeconds?: number;
}

const MIN_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 60_000;

export class BotPoller {
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private polling: AbortController | undefined;
  private readonly log: Logger;
  /** The last getUpdates round answered (for the gauges); false while it fails. */
  connected = false;

  constructor(private readonly options: PollerOptions) {
    this.log = options.log.child({ channel: options.channelId });
  }

  start(): void {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    const { telegram } = this.options;
    let backoff = MIN_BACKOFF_MS;
    // A webhook left from webhook mode would make getUpdates fail with 409.
    // Abortable like the long polls: stop() must not wait on Telegram.
    this.polling = new AbortController();
    await telegram
      .callApi('deleteWebhook', {}, { signal: this.polling.signal as never })
      .finally(() => {
        this.polling = undefined;
      })
      .catch((error: Error) =>
        this.log.warn({ err: error.message }, 'could not remove the webhook before polling'),
      );
    while (!this.stopped) {
      try {
        await this.pollOnce();
        this.connected = true;
        backoff = MIN_BACKOFF_MS;
      } catch (error) {
        this.connected = false;
        if (this.stopped) break;
        const delay = backoff / 2 + Math.random() * (backoff / 2);
        this.log.warn(
          { err: (error as Error).message, retryInMs: Math.round(delay) },
          'getUpdates failed',
        );
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, delay).unref();
        });
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  /** One getUpdates round: record what came, then the next call confirms it. */
  async pollOnce(): Promise<number> {
    const { repos, channelId, telegram, recorder } = this.options;
    const offset = await repos.checkpoints.telegramOffset(channelId);
    // Aborted by stop(): a long poll must not hold up a shutdown for its whole timeout.
    this.polling = new AbortController();
    const updates = await telegram
      .callApi(
        'getUpdates',
        {
          offset: offset ?? 0,
          limit: 100,
          timeout: this.options.timeoutSeconds ?? 25,
          allowed_updates: allowedUpdates,
        },
        // telegraf types its option with the abort-controller polyfill; node-fetch takes the native one.
        { signal: this.polling.signal as never },
      )
      .finally(() => {
        this.polling = undefined;
      });
    if (this.stopped || !updates.length) return 0;
    const receivedAt = new Date();
    // The updates and the next offset in ONE transaction: the offset Telegram is told next
    // (which confirms everything below it) can never be ahead of the inbox.
    await recorder.recordBatch(
      channelId,
      updates.map((update) => {
        const raw: TelegramRaw = { kind: 'telegram', update, receivedAt: receivedAt.toISOString() };
        return { externalId: `u${update.update_id}`, raw: JSON.stringify(raw) };
      }),
      receivedAt,
      { kind: 'telegram', nextOffset: Math.max(...updates.map((update) => update.update_id)) + 1 },
    );
    this.log.debug({ count: updates.length }, 'telegram updates recorded');
    return updates.length;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    // Updates of an aborted poll were never confirmed (the offset did not move): they come again.
    this.polling?.abort();
    await this.loop;
  }
}
