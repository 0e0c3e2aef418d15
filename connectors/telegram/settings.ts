/** A bot's settings behind the channel contract: validated, the token sealed, shown and edited. */
import { settingsReader, type ChannelSettings } from '../../core/channel.ts';
import { SecretError } from '../../core/runtime/secrets.ts';
import { issuesOf } from '../channel-fields.ts';
import {
  describeTelegramSettings,
  storeTelegramSettings,
  telegramSettings,
  telegramSettingsInput,
} from './config.ts';
import { telegramSettingsForm } from './settings-form.ts';

/** The stored settings, parsed once per stored object. */
export const readTelegramSettings = settingsReader(telegramSettings);

export const telegramChannelSettings: ChannelSettings = {
  title: { en: 'Telegram bot', es: 'Bot de Telegram', ru: 'Бот Telegram' },
  form: telegramSettingsForm,
  prepare(body, { secretsKey, previous }) {
    const parsed = telegramSettingsInput.safeParse(body);
    if (!parsed.success) return { ok: false, issues: issuesOf(parsed.error) };
    try {
      const config = storeTelegramSettings(parsed.data, secretsKey, readTelegramSettings(previous));
      return { ok: true, config };
    } catch (error) {
      if (!(error instanceof SecretError)) throw error;
      return { ok: false, issues: [{ path: 'token', message: error.message }] };
    }
  },
  valid: (config) => readTelegramSettings(config) !== undefined,
  describe(config) {
    const settings = readTelegramSettings(config);
    return settings ? describeTelegramSettings(settings) : {};
  },
  edit(shown, patch) {
    // The stored token only ever goes to the Bot API server it was given for.
    if ('apiRoot' in patch && patch.apiRoot !== shown.apiRoot && !patch.token) {
      return {
        ok: false,
        issue: { path: 'token', message: 'give token again when changing apiRoot' },
      };
    }
    const { token: _token, botId: _botId, ...kept } = shown;
    return { ok: true, body: { ...kept, ...patch } };
  },
};
