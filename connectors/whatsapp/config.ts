/**
 * A WhatsApp Business phone number's settings: its id, the access token and app secret (sealed
 * or read from the environment), a hash of the verify token the admin typed into Meta's dashboard,
 * and where the Graph API is.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { settingsReader } from '../../core/channel.ts';
import { openSecret, secretInput, storedSecret } from '../../core/runtime/secrets.ts';
import type { Credentials } from '../../core/runtime/secrets.ts';

export const DEFAULT_API_ROOT = 'https://graph.facebook.com';
/** Graph API v26.0 (July 2026) is supported by Meta until at least 2028. */
export const DEFAULT_API_VERSION = 'v26.0';
/** Cloud API media is at most 100 MB (documents); images 5 MB, audio and video 16 MB. */
const MAX_FILE_MB = 100;

export const whatsappSettingsInput = z
  .object({
    /** The business phone number's id in Meta's dashboard (not the number itself). */
    phoneNumberId: z
      .string()
      .regex(/^\d{5,25}$/, 'the phone number id: digits only, as Meta shows it')
      .optional(),
    /** A system user's access token: `{"env": "VAR"}` or `{"value": "EAAG…"}`. */
    accessToken: secretInput.optional(),
    /** The Meta app's secret: it signs every webhook post (X-Hub-Signature-256). */
    appSecret: secretInput.optional(),
    /** Chosen by the admin and typed into Meta's dashboard; only its SHA-256 is kept. */
    verifyToken: z.string().min(8, 'at least 8 characters').max(200).optional(),
    /** The Graph API base (tests point it at a local server). */
    apiRoot: z.url({ protocol: /^https?$/ }).optional(),
    apiVersion: z
      .string()
      .regex(/^v\d{1,3}\.\d$/, 'a Graph API version such as v26.0')
      .default(DEFAULT_API_VERSION),
    /** Where Meta reaches this deployment, to print the whole webhook URL after saving. */
    publicBaseUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** Sent once to a new customer after their first message. */
    greeting: z.string().trim().min(1).max(4096).optional(),
    /** Files larger than this are noted, not downloaded. */
    maxFileMb: z.number().int().min(1).max(MAX_FILE_MB).default(16),
  })
  .strict();
export type WhatsAppSettingsInput = z.infer<typeof whatsappSettingsInput>;

export const whatsappSettings = z.object({
  phoneNumberId: z.string(),
  accessToken: storedSecret,
  appSecret: storedSecret,
  verifyTokenHash: z.string().regex(/^[0-9a-f]{64}$/),
  apiRoot: z.string().optional(),
  apiVersion: z.string(),
  publicBaseUrl: z.string().optional(),
  greeting: z.string().optional(),
  maxFileBytes: z.number(),
});
export type WhatsAppSettings = z.infer<typeof whatsappSettings>;

/** The stored settings of a channel, parsed once per config object. */
export const readSettings = settingsReader(whatsappSettings);

export const webhookPath = (channelId: number) => `/whatsapp/${channelId}/webhook`;

export const accessToken = (settings: WhatsAppSettings, credentials: Credentials) =>
  openSecret(settings.accessToken, credentials.secretsKey, credentials.readVariable);

export const appSecret = (settings: WhatsAppSettings, credentials: Credentials) =>
  openSecret(settings.appSecret, credentials.secretsKey, credentials.readVariable);

export const hashVerifyToken = (token: string) =>
  createHash('sha256').update(token, 'utf8').digest('hex');

/** Constant time: hashes of equal length are compared, whatever was given. */
export function verifyTokenMatches(settings: WhatsAppSettings, given: unknown): boolean {
  if (typeof given !== 'string' || given.length === 0) return false;
  return timingSafeEqual(
    Buffer.from(hashVerifyToken(given), 'hex'),
    Buffer.from(settings.verifyTokenHash, 'hex'),
  );
}
