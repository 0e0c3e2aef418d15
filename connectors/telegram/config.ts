/** A bot channel's settings: the token (sealed), polling or webhook, and what the bot accepts. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Telegram } from 'telegraf';
import { z } from 'zod';
import {
  describeSecret,
  openSecret,
  sealSecret,
  SecretError,
  secretInput,
  storedSecret,
} from '../../core/runtime/secrets.ts';
import type { Credentials } from '../../core/runtime/secrets.ts';
import { ALLOWED_UPDATES } from './update.ts';

export const telegramSettingsInput = z
  .object({
    /** `{"env": "VAR"}` or `{"value": "123:ABC…"}`; required when the channel is created. */
    token: secretInput.optional(),
    mode: z.enum(['polling', 'webhook']).default('polling'),
    /** Where Telegram reaches this deployment, e.g. https://leads.example.com (webhook mode). */
    publicBaseUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** Sent once to a new customer after their first message. */
    greeting: z.string().trim().min(1).max(4096).optional(),
    allowGroups: z.boolean().default(false),
    /** Files larger than this are noted, not downloaded (Telegram's own limit is 20 MB). */
    maxFileMb: z.number().int().min(1).max(20).default(20),
    /** A self-hosted Bot API server; default Telegram's. */
    apiRoot: z.url({ protocol: /^https?$/ }).optional(),
  })
  .strict()
  .refine((s) => s.mode !== 'webhook' || s.publicBaseUrl, {
    message: 'webhook mode needs publicBaseUrl (where Telegram can reach this deployment)',
    path: ['publicBaseUrl'],
  });
export type TelegramSettingsInput = z.infer<typeof telegramSettingsInput>;

export const telegramSettings = z.object({
  token: storedSecret,
  /** The bot's numeric id (the token's first part): shown, and used to tell bots apart. */
  botId: z.number(),
  mode: z.enum(['polling', 'webhook']),
  publicBaseUrl: z.string().optional(),
  greeting: z.string().optional(),
  allowGroups: z.boolean(),
  maxFileBytes: z.number(),
  apiRoot: z.string().optional(),
  /** SHA-256 of the webhook's secret_token: the secret itself is only ever sent to Telegram. */
  webhookSecretHash: z.string().optional(),
});
export type TelegramSettings = z.infer<typeof telegramSettings>;

const TOKEN = /^(\d+):[\w-]{20,}$/;

export function storeTelegramSettings(
  input: TelegramSettingsInput,
  secretsKey: string | undefined,
  previous: TelegramSettings | undefined,
): TelegramSettings {
  let token = previous?.token;
  let botId = previous?.botId;
  if (input.token) {
    if ('value' in input.token) {
      const id = TOKEN.exec(input.token.value)?.[1];
      if (!id) throw new SecretError('token does not look like a bot token (123456:ABC…)');
      botId = Number(id);
    }
    token = sealSecret(input.token, secretsKey);
  }
  if (!token)
    throw new SecretError(
      'token is required: {"env": "LEADWIRE_SECRET_…"} or {"value": "123:ABC…"}',
    );
  return {
    token,
    botId: botId ?? 0,
    mode: input.mode,
    ...(input.publicBaseUrl ? { publicBaseUrl: input.publicBaseUrl } : {}),
    ...(input.greeting ? { greeting: input.greeting } : {}),
    allowGroups: input.allowGroups,
    maxFileBytes: input.maxFileMb * 1024 * 1024,
    ...(input.apiRoot ? { apiRoot: input.apiRoot } : {}),
    ...(previous?.webhookSecretHash ? { webhookSecretHash: previous.webhookSecretHash } : {}),
  };
}

export function describeTelegramSettings(settings: TelegramSettings) {
  const { webhookSecretHash: _hash, maxFileBytes: _bytes, ...shown } = settings;
  return {
    ...shown,
    token: describeSecret(settings.token),
    maxFileMb: settings.maxFileBytes / 1024 / 1024,
  };
}

export function botToken(settings: TelegramSettings, credentials: Credentials): string {
  return openSecret(settings.token, credentials.secretsKey, credentials.readVariable);
}

/** A Bot API client for the channel (telegraf's Telegram, pointed at `apiRoot` when set). */
export function botClient(settings: TelegramSettings, credentials: Credentials): Telegram {
  return new Telegram(botToken(settings, credentials), {
    ...(settings.apiRoot ? { apiRoot: settings.apiRoot } : {}),
  });
}

type TelegrafUpdateTypes = NonNullable<
  NonNullable<Parameters<Telegram['setWebhook']>[1]>['allowed_updates']
>;
/** ALLOWED_UPDATES as telegraf types them (its 4.16 types predate Telegram Business). */
export const allowedUpdates = ALLOWED_UPDATES as readonly string[] as TelegrafUpdateTypes;

export const webhookPath = (channelId: number) => `/telegram/${channelId}/webhook`;

/** A fresh secret_token (Telegram allows A-Z a-z 0-9 _ -) and the hash we keep of it. */
export function newWebhookSecret(): { secret: string; hash: string } {
  const secret = randomBytes(32).toString('base64url');
  return { secret, hash: hashSecret(secret) };
}

const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** Constant-time: compares hashes of equal length whatever the header holds. */
export function webhookSecretMatches(
  settings: TelegramSettings,
  given: string | undefined,
): boolean {
  if (!settings.webhookSecretHash || !given) return false;
  return timingSafeEqual(
    Buffer.from(hashSecret(given), 'hex'),
    Buffer.from(settings.webhookSecretHash, 'hex'),
  );
}
