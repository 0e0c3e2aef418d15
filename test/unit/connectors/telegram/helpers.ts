/** The Telegram unit tests' fixtures (real-shaped Update JSON) and the normaliser as they call it. */
import { readFileSync } from 'node:fs';
import { normaliseTelegram } from '../../../../connectors/telegram/normalise.ts';
import type { FetchedFile } from '../../../../connectors/telegram/update.ts';

export const RECEIVED_AT = '2026-11-24T12:00:00.000Z';
export const INBOX_ID = 'tg-update-inbox-row';
export const ANA = { kind: 'telegram', key: 'telegram:111111111', raw: '@ana_perez' };
export const BOB = { kind: 'telegram', key: 'telegram:222222222', raw: '@bob_m' };
export const CARLA = { kind: 'telegram', key: 'telegram:333333333', raw: '@carla_g' };

export type Json = Record<string, unknown>;

export function fixture(name: string): Json {
  const path = new URL(`../../../fixtures/telegram/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(path, 'utf8')) as Json;
}

/** A fixture with fields of its message (or other payload) replaced; `undefined` removes one. */
export function patched(name: string, key: string, changes: Json): Json {
  const update = fixture(name);
  const payload = { ...(update[key] as Json), ...changes };
  for (const [field, value] of Object.entries(changes))
    if (value === undefined) delete payload[field];
  return { ...update, [key]: payload };
}

/** The same payload under another update type (message → business_message, …). */
export function retyped(update: Json, from: string, to: string): Json {
  const { [from]: payload, ...rest } = update;
  return { ...rest, [to]: payload };
}

export function normalise(
  update: unknown,
  options: { files?: FetchedFile[]; allowGroups?: boolean; defaultCountry?: string } = {},
) {
  return normaliseTelegram(
    {
      update,
      receivedAt: RECEIVED_AT,
      files: options.files ?? [],
      allowGroups: options.allowGroups ?? false,
    },
    { externalId: INBOX_ID, defaultCountry: options.defaultCountry ?? 'ES' },
  );
}

export function fetched(overrides: Partial<FetchedFile> & Pick<FetchedFile, 'kind'>): FetchedFile {
  return {
    fileId: 'unused-file-id',
    fileUniqueId: 'unused-unique-id',
    filename: 'file.bin',
    contentType: 'application/octet-stream',
    size: 1,
    sha256: 'a'.repeat(64),
    ...overrides,
  };
}
