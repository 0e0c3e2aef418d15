/**
 * The WhatsApp side of /api/v1/channels: a body's settings in (secrets sealed, the verify token
 * hashed), out (secrets as `{env}` or `{stored: true}`), and edited. An access token only ever
 * goes to the Graph API server it was given for.
 */
import type { ChannelSettings, SettingsIssue } from '../../core/channel.ts';
import { describeSecret, sealSecret, SecretError } from '../../core/runtime/secrets.ts';
import { issuesOf } from '../channel-fields.ts';
import {
  hashVerifyToken,
  whatsappSettings,
  whatsappSettingsInput,
  type WhatsAppSettings,
} from './config.ts';
import { whatsappSettingsForm } from './settings-form.ts';

const REQUIRED = ['phoneNumberId', 'accessToken', 'appSecret', 'verifyToken'] as const;
const MOVED_TOKEN =
  'give accessToken again when changing apiRoot: a stored token only goes to the server it was given for';

export const whatsappSettingsSupport: ChannelSettings = {
  title: { en: 'WhatsApp number', es: 'Número de WhatsApp', ru: 'Номер WhatsApp' },
  form: whatsappSettingsForm,
  prepare(body, context) {
    const parsed = whatsappSettingsInput.safeParse(body);
    if (!parsed.success) return { ok: false, issues: issuesOf(parsed.error) };
    const input = parsed.data;
    const stored = whatsappSettings.safeParse(context.previous);
    const previous = stored.success ? stored.data : undefined;
    const issues: SettingsIssue[] = [];
    if (!previous) {
      for (const key of REQUIRED)
        if (input[key] === undefined) issues.push({ path: key, message: `${key} is required` });
    } else if ((input.apiRoot ?? '') !== (previous.apiRoot ?? '') && !input.accessToken) {
      issues.push({ path: 'accessToken', message: MOVED_TOKEN });
    }
    if (issues.length) return { ok: false, issues };
    try {
      const config: WhatsAppSettings = {
        phoneNumberId: input.phoneNumberId ?? previous?.phoneNumberId ?? '',
        accessToken: input.accessToken
          ? sealSecret(input.accessToken, context.secretsKey)
          : (previous?.accessToken ?? { env: '' }),
        appSecret: input.appSecret
          ? sealSecret(input.appSecret, context.secretsKey)
          : (previous?.appSecret ?? { env: '' }),
        verifyTokenHash: input.verifyToken
          ? hashVerifyToken(input.verifyToken)
          : (previous?.verifyTokenHash ?? ''),
        ...(input.apiRoot ? { apiRoot: input.apiRoot.replace(/\/+$/, '') } : {}),
        apiVersion: input.apiVersion,
        ...(input.publicBaseUrl ? { publicBaseUrl: input.publicBaseUrl } : {}),
        ...(input.greeting ? { greeting: input.greeting } : {}),
        maxFileBytes: input.maxFileMb * 1024 * 1024,
      };
      return { ok: true, config };
    } catch (error) {
      if (!(error instanceof SecretError)) throw error;
      const path = input.accessToken && 'value' in input.accessToken ? 'accessToken' : 'appSecret';
      return { ok: false, issues: [{ path, message: error.message }] };
    }
  },

  valid: (config) => whatsappSettings.safeParse(config).success,

  describe(config) {
    const parsed = whatsappSettings.safeParse(config);
    if (!parsed.success) return {};
    const { verifyTokenHash: _hash, maxFileBytes, ...shown } = parsed.data;
    return {
      ...shown,
      accessToken: describeSecret(shown.accessToken),
      appSecret: describeSecret(shown.appSecret),
      verifyToken: { stored: true },
      maxFileMb: maxFileBytes / 1024 / 1024,
    };
  },

  edit(shown, patch) {
    const body: Record<string, unknown> = { ...shown };
    // What is shown of a secret is not a value: a stored one is kept by leaving it out, an
    // environment variable's name is valid input as it is.
    for (const key of ['accessToken', 'appSecret', 'verifyToken']) {
      const value = body[key] as Record<string, unknown> | null | undefined;
      if (!value || 'stored' in value) delete body[key];
    }
    if ('apiRoot' in patch && patch.apiRoot !== shown.apiRoot && !patch.accessToken)
      return { ok: false, issue: { path: 'accessToken', message: MOVED_TOKEN } };
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete body[key];
      else body[key] = value;
    }
    return { ok: true, body };
  },
};
