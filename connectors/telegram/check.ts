/** `channels test ID` for a bot: does the Bot API answer to its token, and where does its webhook point. */
import type { ChannelCheck } from '../../core/channel.ts';
import type { Credentials } from '../../core/runtime/secrets.ts';
import { scrubSecrets } from '../../core/runtime/scrub.ts';
import { botClient, type TelegramSettings } from './config.ts';

export async function checkBot(
  settings: TelegramSettings,
  credentials: Credentials,
): Promise<ChannelCheck[]> {
  try {
    const telegram = botClient(settings, credentials);
    const me = await telegram.getMe();
    const info = await telegram.getWebhookInfo();
    return [
      { name: 'Bot API', ok: true, detail: `bot @${me.username} (id ${me.id}) answers` },
      {
        name: 'webhook',
        ok: settings.mode === 'polling' ? !info.url : Boolean(info.url && !info.last_error_message),
        detail: info.url
          ? `${info.url}: ${info.pending_update_count} pending${info.last_error_message ? `, last error: ${info.last_error_message}` : ''}`
          : 'none (polling)',
      },
    ];
  } catch (error) {
    return [{ name: 'Bot API', ok: false, detail: scrubSecrets((error as Error).message) }];
  }
}
