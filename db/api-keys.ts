/**
 * API keys: shown once at creation, stored as SHA-256 (a random 256-bit key needs no slow hash),
 * looked up by hash, compared in constant time.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from './open.ts';
import { apiKeys } from './schema.ts';

export type ApiRole = 'admin' | 'operator' | 'intake';

export interface ApiPrincipal {
  keyId: number | null;
  name: string;
  role: ApiRole;
}

const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

export function createApiKey(db: Db, name: string, role: ApiRole): { id: number; key: string } {
  const key = `lw_${randomBytes(32).toString('base64url')}`;
  const [row] = db
    .insert(apiKeys)
    .values({ name, role, prefix: key.slice(0, 10), hash: hashKey(key) })
    .returning({ id: apiKeys.id })
    .all();
  if (!row) throw new Error('the API key was not stored');
  return { id: row.id, key };
}

/** Resolves a presented key; `bootstrapKey` is the optional API_KEY from the environment (admin). */
export function verifyApiKey(
  db: Db,
  presented: string,
  bootstrapKey: string | undefined,
): ApiPrincipal | undefined {
  const hash = hashKey(presented);
  if (
    bootstrapKey &&
    timingSafeEqual(Buffer.from(hash, 'hex'), Buffer.from(hashKey(bootstrapKey), 'hex'))
  ) {
    return { keyId: null, name: 'API_KEY', role: 'admin' };
  }
  const row = db
    .select({ id: apiKeys.id, name: apiKeys.name, role: apiKeys.role })
    .from(apiKeys)
    .where(and(eq(apiKeys.hash, hash), isNull(apiKeys.revokedAt)))
    .get();
  return row ? { keyId: row.id, name: row.name, role: row.role } : undefined;
}

/**
 * What an admin session cookie holds of its key: a keyed hash (HMAC with the session secret) of
 * the key's stored hash. Without the secret it says nothing about the key, so a stolen cookie
 * cannot be used to guess a human-chosen API_KEY offline.
 */
const fingerprintOfHash = (secret: string, hash: string) =>
  createHmac('sha256', secret).update(hash).digest('base64url').slice(0, 22);

export const keyFingerprint = (secret: string, key: string) =>
  fingerprintOfHash(secret, hashKey(key));

/**
 * The principal behind a login session: the key it was opened with must still exist, not be
 * revoked, and have the same fingerprint, so revoking a key or rotating API_KEY ends its sessions.
 */
export function sessionPrincipal(
  db: Db,
  { keyId, fingerprint }: { keyId: number | null; fingerprint: string },
  secret: string,
  bootstrapKey: string | undefined,
): ApiPrincipal | undefined {
  if (keyId === null) {
    return bootstrapKey && keyFingerprint(secret, bootstrapKey) === fingerprint
      ? { keyId: null, name: 'API_KEY', role: 'admin' }
      : undefined;
  }
  const row = db
    .select({ id: apiKeys.id, name: apiKeys.name, role: apiKeys.role, hash: apiKeys.hash })
    .from(apiKeys)
    .where(and(eq(apiKeys.id, keyId), isNull(apiKeys.revokedAt)))
    .get();
  return row && fingerprintOfHash(secret, row.hash) === fingerprint
    ? { keyId: row.id, name: row.name, role: row.role }
    : undefined;
}
