/** Who is behind a presented API key or an admin session: the key store plus the bootstrap API_KEY. */
import { fingerprintOfHash, hashApiKey, keyFingerprint, sameHash } from '../../core/api-keys.ts';
import type { ApiRole, UserRepository } from '../../core/repositories/users.ts';

export interface ApiPrincipal {
  /** Null for the bootstrap API_KEY from the environment. */
  keyId: number | null;
  name: string;
  role: ApiRole;
}

const BOOTSTRAP: ApiPrincipal = { keyId: null, name: 'API_KEY', role: 'admin' };

type KeyLookup = Pick<UserRepository, 'activeKeyByHash' | 'activeKeyById'>;

/** Resolves a presented key; `bootstrapKey` is the optional API_KEY from the environment (admin). */
export async function verifyApiKey(
  users: KeyLookup,
  presented: string,
  bootstrapKey: string | undefined,
): Promise<ApiPrincipal | undefined> {
  const hash = hashApiKey(presented);
  if (bootstrapKey && sameHash(hash, hashApiKey(bootstrapKey))) return BOOTSTRAP;
  const row = await users.activeKeyByHash(hash);
  return row ? { keyId: row.id, name: row.name, role: row.role } : undefined;
}

/**
 * The principal behind a login session: the key it was opened with must still exist, not be
 * revoked, and have the same fingerprint, so revoking a key or rotating API_KEY ends its sessions.
 */
export async function sessionPrincipal(
  users: KeyLookup,
  { keyId, fingerprint }: { keyId: number | null; fingerprint: string },
  secret: string,
  bootstrapKey: string | undefined,
): Promise<ApiPrincipal | undefined> {
  if (keyId === null) {
    return bootstrapKey && keyFingerprint(secret, bootstrapKey) === fingerprint
      ? BOOTSTRAP
      : undefined;
  }
  const row = await users.activeKeyById(keyId);
  return row && fingerprintOfHash(secret, row.hash) === fingerprint
    ? { keyId: row.id, name: row.name, role: row.role }
    : undefined;
}
