/**
 * Meta signs every webhook post with the app secret: `X-Hub-Signature-256: sha256=<hex>` is the
 * HMAC-SHA256 of the raw body. Checked in constant time before the body is parsed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const HEADER = /^sha256=([0-9a-f]{64})$/i;

export function signBody(body: Buffer | string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function signatureMatches(
  body: Buffer,
  header: string | undefined,
  secret: string,
): boolean {
  const given = header ? HEADER.exec(header.trim())?.[1] : undefined;
  if (!given) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(given, 'hex'));
}
