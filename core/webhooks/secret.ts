/**
 * A subscription's signing secret: `whsec_` and 32 random bytes in base64 (the Standard Webhooks
 * form receivers' libraries take as it is). Stored sealed under SECRETS_KEY when one is set
 * (`v1.…`, as channel passwords), as it is otherwise: it must be read back to sign.
 */
import { randomBytes } from 'node:crypto';
import { openSecret, sealSecret, type Credentials } from '../runtime/secrets.ts';
import { rememberSecret } from '../runtime/scrub.ts';

const PREFIX = 'whsec_';

export function newSigningSecret(): string {
  const secret = `${PREFIX}${randomBytes(32).toString('base64')}`;
  rememberSecret(secret);
  return secret;
}

export function storedSigningSecret(secret: string, secretsKey: string | undefined): string {
  if (!secretsKey) return secret;
  const sealed = sealSecret({ value: secret }, secretsKey);
  return 'encrypted' in sealed ? sealed.encrypted : secret;
}

export function openSigningSecret(stored: string, credentials: Credentials): string {
  if (stored.startsWith(PREFIX)) return stored;
  return openSecret({ encrypted: stored }, credentials.secretsKey, credentials.readVariable);
}
