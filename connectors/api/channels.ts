/**
 * POST/GET/PATCH /api/v1/channels: connecting mailboxes (kind `email`). Secrets go in as
 * `{"env": "VAR"}` or `{"value": "…"}` (sealed with SECRETS_KEY) and never come back out.
 */
import { Router, type Request, type Response } from 'express';
import { isSupportedCountry } from 'libphonenumber-js';
import { z } from 'zod';
import { readSecretVariable } from '../../core/runtime/config.ts';
import type { Logger } from '../../core/runtime/logger.ts';
import { SecretError } from '../../core/runtime/secrets.ts';
import { syncWebhook, webhookInfo, type WebhookState } from '../telegram/admin.ts';
import {
  describeTelegramSettings,
  storeTelegramSettings,
  telegramSettings,
  telegramSettingsInput,
  type TelegramSettingsInput,
} from '../telegram/config.ts';
import type { ChannelRecord } from '../../core/repositories/channels.ts';
import type { Repositories } from '../../core/repositories/index.ts';
import {
  describeEmailSettings,
  emailSettings,
  emailSettingsInput,
  storeEmailSettings,
  type EmailSettingsInput,
} from '../email/config.ts';
import { requirePermission } from '../http/auth.ts';
import { asObject } from '../site/admin.ts';
import { problem } from './index.ts';

const common = z.object({
  kind: z.enum(['email', 'telegram']),
  name: z.string().trim().min(1).max(200),
  defaultCountry: z
    .string()
    .transform((value) => value.toUpperCase())
    .refine(isSupportedCountry, 'an ISO 3166 alpha-2 country code such as ES')
    .nullable()
    .default(null),
  appendScope: z.enum(['any', 'same-channel']).default('any'),
  active: z.boolean().default(true),
  operatorIds: z.array(z.number().int().positive()).max(200).default([]),
});
const COMMON_KEYS = new Set(Object.keys(common.shape));

export interface ChannelDeps {
  repos: Pick<Repositories, 'channels' | 'users' | 'checkpoints'>;
  secretsKey: string | undefined;
  log: Logger;
}

const issuesOf = (error: z.ZodError) =>
  error.issues.map((issue) => ({ path: issue.path.join('.') || '(body)', message: issue.message }));

export async function describeChannel(
  repos: Pick<Repositories, 'checkpoints'>,
  channel: ChannelRecord,
) {
  const parsed = channel.kind === 'email' ? emailSettings.safeParse(channel.config) : undefined;
  const bot = channel.kind === 'telegram' ? telegramSettings.safeParse(channel.config) : undefined;
  return {
    id: channel.id,
    kind: channel.kind,
    name: channel.name,
    defaultCountry: channel.defaultCountry,
    appendScope: channel.appendScope,
    active: channel.active,
    operatorIds: channel.operatorIds,
    createdAt: channel.createdAt,
    ...(parsed?.success
      ? {
          ...describeEmailSettings(parsed.data),
          checkpoints: await repos.checkpoints.emailFolders(channel.id),
        }
      : {}),
    ...(bot?.success ? describeTelegramSettings(bot.data) : {}),
  };
}

export type SavedChannel =
  | { ok: true; channel: ChannelRecord; webhook: WebhookState | undefined }
  | { ok: false; code: string; message: string; issues: { path: string; message: string }[] };

/** Validates a whole channel body and stores it (the API and the CLI both come here). */
export async function saveChannel(
  deps: ChannelDeps,
  body: Record<string, unknown>,
  existing?: ChannelRecord,
): Promise<SavedChannel> {
  const { channels, users } = deps.repos;
  const settings = common.safeParse(body);
  const rest = Object.fromEntries(Object.entries(body).filter(([key]) => !COMMON_KEYS.has(key)));
  const kind = settings.success ? settings.data.kind : (existing?.kind ?? 'email');
  const parsed = (kind === 'telegram' ? telegramSettingsInput : emailSettingsInput).safeParse(rest);
  const issues = [
    ...(settings.success ? [] : issuesOf(settings.error)),
    ...(parsed.success ? [] : issuesOf(parsed.error)),
  ];
  if (settings.success) {
    for (const id of await users.unknownUsers(settings.data.operatorIds))
      issues.push({ path: 'operatorIds', message: `user ${id} does not exist` });
  }
  if (issues.length || !settings.success || !parsed.success) {
    return { ok: false, code: 'invalid_body', message: 'the channel is not valid', issues };
  }
  let config: Record<string, unknown>;
  try {
    if (kind === 'telegram') {
      const previous = existing ? telegramSettings.safeParse(existing.config) : undefined;
      config = storeTelegramSettings(
        parsed.data as TelegramSettingsInput,
        deps.secretsKey,
        previous?.success ? previous.data : undefined,
      );
    } else {
      const previous = existing ? emailSettings.safeParse(existing.config) : undefined;
      config = storeEmailSettings(
        parsed.data as EmailSettingsInput,
        deps.secretsKey,
        new Date(),
        previous?.success ? previous.data : undefined,
      );
    }
  } catch (error) {
    if (!(error instanceof SecretError)) throw error;
    const path = kind === 'telegram' ? 'token' : 'imap.password';
    return {
      ok: false,
      code: 'invalid_secret',
      message: error.message,
      issues: [{ path, message: error.message }],
    };
  }
  const input = { ...settings.data, config };
  const saved = existing ? await channels.update(existing.id, input) : await channels.create(input);
  const credentials = { secretsKey: deps.secretsKey, readVariable: readSecretVariable };
  const webhook =
    kind === 'telegram' ? await syncWebhook(channels, saved, credentials, deps.log) : undefined;
  return { ok: true, channel: (await channels.get(saved.id)) ?? saved, webhook };
}

export function channelRoutes(deps: ChannelDeps): Router {
  const { repos } = deps;
  const router = Router();

  const credentials = { secretsKey: deps.secretsKey, readVariable: readSecretVariable };
  const save = async (
    _req: Request,
    res: Response,
    body: Record<string, unknown>,
    existing?: ChannelRecord,
  ) => {
    const saved = await saveChannel(deps, body, existing);
    if (!saved.ok) return problem(res, 422, saved.code, saved.message, saved.issues);
    res.status(existing ? 200 : 201).json({
      ...(await describeChannel(repos, saved.channel)),
      ...(saved.webhook ? { webhook: saved.webhook } : {}),
    });
  };

  router.post('/channels', requirePermission('admin'), (req, res) =>
    save(req, res, asObject(req.body)),
  );

  router.get('/channels', requirePermission('admin'), async (_req, res) => {
    const all = await repos.channels.list();
    res.json({
      channels: await Promise.all(all.map((channel) => describeChannel(repos, channel))),
    });
  });

  const find = async (req: Request, res: Response) => {
    const id = Number(req.params.id);
    const channel = Number.isSafeInteger(id) && id > 0 ? await repos.channels.get(id) : undefined;
    if (!channel) problem(res, 404, 'not_found', `channel ${req.params.id} does not exist`);
    return channel;
  };

  router.get('/channels/:id', requirePermission('admin'), async (req, res) => {
    const channel = await find(req, res);
    if (!channel) return;
    const info = channel.kind === 'telegram' ? await webhookInfo(channel, credentials) : undefined;
    res.json({
      ...(await describeChannel(repos, channel)),
      ...(info ? { webhookInfo: info } : {}),
    });
  });

  router.patch('/channels/:id', requirePermission('admin'), async (req, res) => {
    const channel = await find(req, res);
    if (!channel) return;
    const described = (await describeChannel(repos, channel)) as Record<string, unknown>;
    if (channel.kind === 'telegram') {
      const { token: _token, botId: _botId, ...shown } = described;
      const kept = Object.fromEntries(
        Object.entries(shown).filter(([key]) => !['id', 'createdAt'].includes(key)),
      );
      const patch = asObject(req.body);
      // The stored token only ever goes to the Bot API server it was given for.
      if ('apiRoot' in patch && patch.apiRoot !== shown.apiRoot && !patch.token) {
        return problem(res, 422, 'token_required', 'give token again when changing apiRoot', [
          { path: 'token', message: 'required with a new apiRoot' },
        ]);
      }
      return save(req, res, { ...kept, ...patch }, channel);
    }
    if (channel.kind !== 'email') {
      return problem(res, 422, 'not_editable', `a ${channel.kind} channel cannot be edited here`);
    }
    // Passwords are never shown, so an edit that leaves them out keeps them.
    const { imap, smtp, ...shown } = described as Record<string, unknown> & {
      imap: Record<string, unknown>;
      smtp?: Record<string, unknown>;
    };
    const patch = asObject(req.body);
    // A stored password only ever goes to the server it was given for.
    for (const [section, current] of [
      ['imap', imap],
      ['smtp', smtp],
    ] as const) {
      const change = asObject(patch[section]);
      const moved = ['host', 'port', 'user'].some(
        (key) => key in change && change[key] !== current?.[key],
      );
      if (current && moved && !change.password) {
        return problem(
          res,
          422,
          'password_required',
          `give ${section}.password again when changing the ${section} host, port or user`,
          [{ path: `${section}.password`, message: 'required with a new host, port or user' }],
        );
      }
    }
    const merged: Record<string, unknown> = {
      ...Object.fromEntries(
        Object.entries(shown).filter(
          ([key]) => !['id', 'createdAt', 'checkpoints', 'ownIdentityKeys'].includes(key),
        ),
      ),
      imap: { ...withoutPassword(imap), ...asObject(patch.imap) },
      ...(smtp || patch.smtp
        ? { smtp: { ...withoutPassword(smtp), ...asObject(patch.smtp) } }
        : {}),
      ...Object.fromEntries(
        Object.entries(patch).filter(([key]) => key !== 'imap' && key !== 'smtp'),
      ),
    };
    if (patch.smtp === null) delete merged.smtp;
    return save(req, res, merged, channel);
  });

  return router;
}

function withoutPassword(section: Record<string, unknown> | undefined) {
  const { password: _password, ...rest } = section ?? {};
  return rest;
}
