/**
 * Channel secrets (IMAP/SMTP passwords, bot tokens) are never stored in plain text: either a
 * reference to an environment variable, or AES-256-GCM ciphertext under SECRETS_KEY. Neither
 * form is ever logged or returned by the API.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { rememberSecret } from './scrub.ts';

/**
 * A channel may read its secret only from a variable with this prefix: otherwise an admin key
 * could name SECRETS_KEY or API_KEY as a bot token and have it sent to a server of its choosing.
 */
export const SECRET_VARIABLE_PREFIX = 'LEADWIRE_SECRET_';
const SECRET_VARIABLE = /^LEADWIRE_SECRET_[A-Z0-9_]+$/;
const variableRule = `a variable named ${SECRET_VARIABLE_PREFIX}… (capital letters, digits and _), e.g. ${SECRET_VARIABLE_PREFIX}SALES_IMAP`;

/** As stored in a channel's config. */
export const storedSecret = z.union([
  z.object({ env: z.string() }).strict(),
  z.object({ encrypted: z.string() }).strict(),
]);
export type StoredSecret = z.infer<typeof storedSecret>;

/** As given to the API or the CLI: a variable name, or the value to encrypt. */
export const secretInput = z.union([
  z.object({ env: z.string().regex(SECRET_VARIABLE, variableRule) }).strict(),
  z.object({ value: z.string().min(1).max(4096) }).strict(),
]);
export type SecretInput = z.infer<typeof secretInput>;

export class SecretError extends Error {}

/** What opens a channel's secrets: the key stored ones are sealed with, and the environment. */
export interface Credentials {
  secretsKey: string | undefined;
  readVariable: (name: string) => string | undefined;
}

const keyOf = (secretsKey: string) => createHash('sha256').update(secretsKey).digest();

export function sealSecret(input: SecretInput, secretsKey: string | undefined): StoredSecret {
  if ('env' in input) return { env: input.env };
  rememberSecret(input.value);
  if (!secretsKey) {
    throw new SecretError(
      'set SECRETS_KEY to store passwords encrypted, or give {"env": "LEADWIRE_SECRET_…"} to read it from the environment',
    );
  }
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(secretsKey), iv);
  const sealed = Buffer.concat([cipher.update(input.value, 'utf8'), cipher.final()]);
  return {
    encrypted: `v1.${iv.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}.${sealed.toString('base64url')}`,
  };
}

export function openSecret(
  stored: StoredSecret,
  secretsKey: string | undefined,
  readVariable: (name: string) => string | undefined,
): string {
  if ('env' in stored) {
    // Also checked here: a channel stored before the rule must not read Leadwire's own settings.
    if (!SECRET_VARIABLE.test(stored.env)) {
      throw new SecretError(
        `the secret names ${stored.env}, which a channel may not read: use ${variableRule}, and give it again with PATCH /api/v1/channels/:id`,
      );
    }
    const value = readVariable(stored.env);
    if (!value) throw new SecretError(`the environment variable ${stored.env} is not set`);
    rememberSecret(value);
    return value;
  }
  if (!secretsKey)
    throw new SecretError('SECRETS_KEY is not set, so a stored password cannot be read');
  const [version, iv, tag, sealed] = stored.encrypted.split('.');
  if (version !== 'v1' || !iv || !tag || !sealed)
    throw new SecretError('the stored secret is damaged');
  try {
    const decipher = createDecipheriv(
      'aes-256-gcm',
      keyOf(secretsKey),
      Buffer.from(iv, 'base64url'),
    );
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const value = Buffer.concat([
      decipher.update(Buffer.from(sealed, 'base64url')),
      decipher.final(),
    ]).toString('utf8');
    rememberSecret(value);
    return value;
  } catch {
    throw new SecretError(
      'the stored secret cannot be decrypted: SECRETS_KEY is not the one it was stored with',
    );
  }
}

/** What the API shows of a secret. */
export function describeSecret(stored: StoredSecret | undefined) {
  if (!stored) return null;
  return 'env' in stored ? { env: stored.env } : { stored: true };
}
