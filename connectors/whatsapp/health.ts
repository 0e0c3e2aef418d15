/**
 * How a phone number channel looks from outside: Graph's view of the number (display number,
 * verified name, quality rating), whether the stored token still works, and — after saving —
 * what the admin types into Meta's dashboard (Meta holds the webhook URL, nothing to register).
 */
import type { ChannelCheck, HealthDeps, SavedDeps } from '../../core/channel.ts';
import type { ChannelRecord } from '../../core/repositories/channels.ts';
import { scrubSecrets } from '../../core/runtime/scrub.ts';
import {
  accessToken,
  appSecret,
  readSettings,
  webhookPath,
  type WhatsAppSettings,
} from './config.ts';
import { GraphClient } from './graph.ts';

const HEALTH_TIMEOUT_MS = 5_000;
const FIELDS = 'display_phone_number,verified_name,quality_rating';

interface PhoneNumber {
  display_phone_number?: string;
  verified_name?: string;
  quality_rating?: string;
}

async function phoneNumber(settings: WhatsAppSettings, deps: HealthDeps): Promise<PhoneNumber> {
  const graph = new GraphClient(settings, accessToken(settings, deps.credentials));
  return graph.call<PhoneNumber>(settings.phoneNumberId, {
    query: { fields: FIELDS },
    timeoutMs: HEALTH_TIMEOUT_MS,
  });
}

const messageOf = (error: unknown) => scrubSecrets((error as Error).message);

export async function whatsappHealth(channel: ChannelRecord, deps: HealthDeps) {
  const settings = readSettings(channel.config);
  if (!settings) return { error: 'the stored WhatsApp settings are not valid' };
  // Where Meta must send this number's messages: what the admin types into the app's dashboard.
  const callbackUrl = callbackOf(channel.id, settings);
  try {
    const number = await phoneNumber(settings, deps);
    return {
      callbackUrl,
      displayPhoneNumber: number.display_phone_number,
      verifiedName: number.verified_name,
      qualityRating: number.quality_rating,
    };
  } catch (error) {
    return { callbackUrl, error: messageOf(error) };
  }
}

const callbackOf = (channelId: number, settings: { publicBaseUrl?: string | null | undefined }) => {
  const path = webhookPath(channelId);
  return settings.publicBaseUrl ? new URL(path, settings.publicBaseUrl).href : path;
};

export async function whatsappTest(
  channel: ChannelRecord,
  deps: HealthDeps,
): Promise<ChannelCheck[]> {
  const settings = readSettings(channel.config);
  if (!settings)
    return [{ name: 'settings', ok: false, detail: 'the stored settings are not valid' }];
  const checks: ChannelCheck[] = [];
  try {
    appSecret(settings, deps.credentials);
    checks.push({ name: 'app secret', ok: true, detail: 'readable: signed posts can be checked' });
  } catch (error) {
    checks.push({ name: 'app secret', ok: false, detail: messageOf(error) });
  }
  try {
    const number = await phoneNumber(settings, deps);
    const name = number.verified_name ? ` (${number.verified_name})` : '';
    const quality = number.quality_rating ? `, quality ${number.quality_rating}` : '';
    checks.push({
      name: 'access token',
      ok: true,
      detail: `works: phone number ${number.display_phone_number ?? settings.phoneNumberId}${name}${quality}`,
    });
  } catch (error) {
    checks.push({ name: 'access token', ok: false, detail: messageOf(error) });
  }
  return checks;
}

/** What to type into Meta's dashboard (WhatsApp → Configuration → Webhook). */
export async function whatsappSaved(channel: ChannelRecord, _deps: SavedDeps) {
  const settings = readSettings(channel.config);
  if (!settings) return undefined;
  return {
    webhook: {
      url: callbackOf(channel.id, settings),
      verifyToken: 'the one you gave',
      subscribe: ['messages'],
      note: 'Meta sends every number of an app to one callback URL: if the app already calls another WhatsApp channel of this Leadwire, leave it, each number reaches its own channel',
    },
  };
}
