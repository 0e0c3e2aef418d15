/**
 * Connecting a channel (a mailbox, a bot, a WhatsApp number): the common fields checked here, the
 * kind's own settings by its Channel, secrets sealed before they are stored and never shown. The
 * operator API and the CLI both come here; after a save the channel's `onSaved` runs (a webhook is
 * registered) and the connector processes are told, so the channel starts within a second.
 */
import { z } from 'zod';
import type { AnyChannel, SettingsIssue } from '../core/channel.ts';
import type { ChannelRecord } from '../core/repositories/channels.ts';
import type { Repositories } from '../core/repositories/index.ts';
import type { Logger } from '../core/runtime/logger.ts';
import type { Credentials } from '../core/runtime/secrets.ts';
import { defaultCountryField, issuesOf } from './channel-fields.ts';

const common = z.object({
  kind: z.string(),
  name: z.string().trim().min(1).max(200),
  defaultCountry: defaultCountryField,
  appendScope: z.enum(['any', 'same-channel']).default('any'),
  active: z.boolean().default(true),
  operatorIds: z.array(z.number().int().positive()).max(200).default([]),
});
const COMMON_KEYS = new Set(Object.keys(common.shape));

export interface ChannelAdminDeps {
  /** The registry: only channels with settings can be connected here. */
  channels: readonly AnyChannel[];
  repos: Pick<Repositories, 'channels' | 'users' | 'checkpoints'>;
  secretsKey: string | undefined;
  credentials: Credentials;
  log: Logger;
  /** Tells the connector processes a channel changed (Redis pub/sub); optional in tests. */
  announce?: (channelId: number) => Promise<void>;
}

export type SavedChannel =
  | { ok: true; channel: ChannelRecord; saved: Record<string, unknown> | undefined }
  | { ok: false; code: string; message: string; issues: SettingsIssue[] };

const connectable = (deps: ChannelAdminDeps) => deps.channels.filter((c) => c.settings);

function channelOf(deps: ChannelAdminDeps, kind: string): AnyChannel | undefined {
  return connectable(deps).find((channel) => channel.kind === kind);
}

/** Validates a whole channel body and stores it. */
export async function saveChannel(
  deps: ChannelAdminDeps,
  body: Record<string, unknown>,
  existing?: ChannelRecord,
): Promise<SavedChannel> {
  const { channels, users } = deps.repos;
  const base = common.safeParse(body);
  const kind = existing?.kind ?? (typeof body.kind === 'string' ? body.kind : undefined);
  const channel = kind === undefined ? undefined : channelOf(deps, kind);
  const issues = base.success ? [] : issuesOf(base.error);
  if (!channel) {
    const kinds = connectable(deps).map((c) => c.kind);
    if (!issues.some((issue) => issue.path === 'kind'))
      issues.push({ path: 'kind', message: `one of ${kinds.join(', ')}` });
    return { ok: false, code: 'invalid_body', message: 'the channel is not valid', issues };
  }
  if (existing && base.success && base.data.kind !== existing.kind) {
    issues.push({ path: 'kind', message: `a ${existing.kind} channel stays one` });
  }
  const rest = Object.fromEntries(Object.entries(body).filter(([key]) => !COMMON_KEYS.has(key)));
  const prepared = channel.settings?.prepare(rest, {
    secretsKey: deps.secretsKey,
    now: new Date(),
    previous: existing?.config,
  });
  if (prepared && !prepared.ok) issues.push(...prepared.issues);
  if (prepared?.ok) issues.push(...(await variablesTaken(channels, prepared.config, existing)));
  if (base.success) {
    for (const id of await users.unknownUsers(base.data.operatorIds))
      issues.push({ path: 'operatorIds', message: `user ${id} does not exist` });
  }
  if (issues.length || !base.success || !prepared?.ok) {
    const sealing = issues.find((issue) => /SECRETS_KEY|environment variable/.test(issue.message));
    return {
      ok: false,
      code: sealing && issues.length === 1 ? 'invalid_secret' : 'invalid_body',
      message: sealing && issues.length === 1 ? sealing.message : 'the channel is not valid',
      issues,
    };
  }
  const input = { ...base.data, kind: channel.kind, config: prepared.config };
  const stored = existing
    ? await channels.update(existing.id, input)
    : await channels.create(input);
  const saved = await channel.onSaved?.(stored, {
    channels,
    credentials: deps.credentials,
    log: deps.log,
  });
  await deps.announce?.(stored.id);
  return { ok: true, channel: (await channels.get(stored.id)) ?? stored, saved };
}

/**
 * A secret variable serves one channel: a channel naming another's variable could send that
 * secret to a server of its own (its IMAP host, its API root) without anyone knowing the value.
 */
async function variablesTaken(
  channels: ChannelAdminDeps['repos']['channels'],
  config: Record<string, unknown>,
  existing: ChannelRecord | undefined,
): Promise<SettingsIssue[]> {
  const wanted = variablesOf(config);
  if (!wanted.size) return [];
  const issues: SettingsIssue[] = [];
  for (const other of await channels.list()) {
    if (other.id === existing?.id) continue;
    for (const [name, path] of variablesOf(other.config)) {
      const here = wanted.get(name);
      if (here === undefined) continue;
      issues.push({
        path: here,
        message: `${name} is the secret of channel ${other.id} (${path}); give this channel a variable of its own`,
      });
    }
  }
  return issues;
}

/** Every `{"env": NAME}` in stored settings, with where it is. */
function variablesOf(value: unknown, path = ''): Map<string, string> {
  const found = new Map<string, string>();
  if (typeof value !== 'object' || value === null) return found;
  const env = (value as { env?: unknown }).env;
  if (typeof env === 'string' && Object.keys(value).length === 1) found.set(env, path || '(root)');
  for (const [key, item] of Object.entries(value))
    for (const [name, at] of variablesOf(item, path ? `${path}.${key}` : key)) found.set(name, at);
  return found;
}

/** PATCH: the shown channel with the patch laid over it, validated whole like a new one. */
export async function editChannel(
  deps: ChannelAdminDeps,
  existing: ChannelRecord,
  patch: Record<string, unknown>,
): Promise<SavedChannel> {
  const channel = channelOf(deps, existing.kind);
  if (!channel?.settings) {
    return {
      ok: false,
      code: 'not_editable',
      message: `a ${existing.kind} channel cannot be edited here`,
      issues: [],
    };
  }
  const { id: _id, createdAt: _created, ...shown } = describeChannel(deps, existing);
  const settings = channel.settings.edit(
    Object.fromEntries(Object.entries(shown).filter(([key]) => !COMMON_KEYS.has(key))),
    Object.fromEntries(Object.entries(patch).filter(([key]) => !COMMON_KEYS.has(key))),
  );
  if (!settings.ok) {
    return {
      ok: false,
      // e.g. `password_required`, `token_required`: which secret must be given again.
      code: `${settings.issue.path.split('.').at(-1) ?? 'secret'}_required`,
      message: settings.issue.message,
      issues: [settings.issue],
    };
  }
  const commonShown = Object.fromEntries(
    Object.entries(shown).filter(([key]) => COMMON_KEYS.has(key)),
  );
  const commonPatch = Object.fromEntries(
    Object.entries(patch).filter(([key]) => COMMON_KEYS.has(key)),
  );
  return saveChannel(deps, { ...commonShown, ...settings.body, ...commonPatch }, existing);
}

/** What the API and the CLI show of a channel: never a secret. */
export function describeChannel(deps: Pick<ChannelAdminDeps, 'channels'>, record: ChannelRecord) {
  const channel = deps.channels.find((c) => c.kind === record.kind);
  return {
    id: record.id,
    kind: record.kind,
    name: record.name,
    defaultCountry: record.defaultCountry,
    appendScope: record.appendScope,
    active: record.active,
    operatorIds: record.operatorIds,
    createdAt: record.createdAt,
    ...(channel?.settings?.describe(record.config) ?? {}),
  };
}

/** The channel as described, with how it looks from outside (a webhook's state, checkpoints). */
export async function inspectChannel(deps: ChannelAdminDeps, record: ChannelRecord) {
  const channel = deps.channels.find((c) => c.kind === record.kind);
  const health = await channel?.health?.(record, {
    repos: deps.repos,
    credentials: deps.credentials,
    log: deps.log,
  });
  return { ...describeChannel(deps, record), ...(health ?? {}) };
}
