/**
 * The Telegram side of /api/v1/channels: settings in and out, and the webhook kept in step with
 * the mode (setWebhook with a fresh secret_token in webhook mode, deleteWebhook in polling mode).
 */
import type { ChannelRecord, ChannelRepository } from '../../core/repositories/channels.ts';
import { readTelegramSettings } from './settings.ts';
import type { Logger } from '../../core/runtime/logger.ts';
import { scrubSecrets } from '../../core/runtime/scrub.ts';
import type { Credentials } from '../../core/runtime/secrets.ts';
import {
  allowedUpdates,
  botClient,
  newWebhookSecret,
  webhookPath,
  type TelegramSettings,
} from './config.ts';

export type WebhookState = { ok: true; url?: string } | { ok: false; error: string };

/** After a bot channel is saved: registers (or removes) its webhook with Telegram. */
export async function syncWebhook(
  channels: Pick<ChannelRepository, 'setConfig'>,
  channel: ChannelRecord,
  credentials: Credentials,
  log: Logger,
): Promise<WebhookState | undefined> {
  const settings = readTelegramSettings(channel.config);
  if (!settings) return undefined;
  try {
    const telegram = botClient(settings, credentials);
    if (settings.mode !== 'webhook' || !channel.active) {
      await telegram.deleteWebhook();
      return { ok: true };
    }
    const { secret, hash } = newWebhookSecret();
    const url = new URL(webhookPath(channel.id), settings.publicBaseUrl).href;
    await telegram.setWebhook(url, {
      secret_token: secret,
      allowed_updates: allowedUpdates,
    });
    const config: TelegramSettings = { ...settings, webhookSecretHash: hash };
    await channels.setConfig(channel.id, config);
    return { ok: true, url };
  } catch (error) {
    const message = scrubSecrets((error as Error).message);
    log.warn({ channel: channel.id, err: message }, 'could not set the Telegram webhook');
    return { ok: false, error: message };
  }
}

/** Telegram's own view of the webhook (pending updates, last error), so a broken one is visible. */
export async function webhookInfo(channel: ChannelRecord, credentials: Credentials) {
  const settings = readTelegramSettings(channel.config);
  if (settings?.mode !== 'webhook') return undefined;
  try {
    const info = await Promise.race([
      botClient(settings, credentials).getWebhookInfo(),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('Telegram did not answer in 5 s')), 5000).unref(),
      ),
    ]);
    return {
      url: info.url,
      pendingUpdates: info.pending_update_count,
      ...(info.last_error_date
        ? {
            lastError: info.last_error_message,
            lastErrorAt: new Date(info.last_error_date * 1000).toISOString(),
          }
        : {}),
    };
  } catch (error) {
    return { error: scrubSecrets((error as Error).message) };
  }
}
