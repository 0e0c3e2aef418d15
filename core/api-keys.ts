/**
 * API keys: 256 random bits shown once, stored as SHA-256 (a random key needs no slow hash).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

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
