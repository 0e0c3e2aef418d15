/**
 * API keys: 256 random bits shown once, stored as SHA-256 (a random key needs no slow hash), and
 * what an admin session cookie holds of a key (a keyed hash of the stored hash, never the key).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export function newApiKey(): { key: string; prefix: string; hash: string } {
  const key = `lw_${randomBytes(32).toString('base64url')}`;
  return { key, prefix: key.slice(0, 10), hash: hashApiKey(key) };
}

export const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex');

/** Constant-time comparison of two hex hashes. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * A keyed hash (HMAC with the session secret) of a key's stored hash. Without the secret it says
 * nothing about the key, so a stolen cookie cannot be used to guess a human-chosen API_KEY offline.
 */
export const fingerprintOfHash = (secret: string, hash: string) =>
  createHmac('sha256', secret).update(hash).digest('base64url').slice(0, 22);

export const keyFingerprint = (secret: string, key: string) =>
  fingerprintOfHash(secret, hashApiKey(key));
