/**
 * The operations pages while the database does not answer: an admin key this process verified
 * before still opens them (so Prometheus goes on scraping and sees the database down), and
 * nothing else does.
 */
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../../../core/api-keys.ts';
import { StoreUnavailableError } from '../../../../core/errors.ts';
import type { ApiKeyRecord, ApiRole } from '../../../../core/repositories/users.ts';
import { createLogger } from '../../../../core/runtime/logger.ts';
import { requireAdmin, type AdminAuthDeps } from '../../../../connectors/http/admin-session.ts';

const keyOf = (id: number, secret: string, role: ApiRole): ApiKeyRecord => ({
  id,
  name: `${role} key`,
  role,
  prefix: secret.slice(0, 10),
  hash: hashApiKey(secret),
  userId: null,
  createdAt: new Date(),
  lastUsedAt: null,
  revokedAt: null,
});
const keys = [keyOf(1, 'lw_prometheus-scrape', 'admin'), keyOf(2, 'lw_operator-key', 'operator')];
let databaseUp = true;

const unused = () => Promise.reject(new Error('not used by these requests'));
const deps = {
  users: {
    activeKeyByHash: (hash: string) =>
      databaseUp
        ? Promise.resolve(keys.find((key) => key.hash === hash))
        : Promise.reject(new StoreUnavailableError('the database does not answer')),
    actorFacts: unused,
    activeSession: unused,
    credentialsOf: unused,
    createSession: unused,
    endSession: unused,
  },
  apiKey: undefined,
  // Only a refused key reaches the failure guard; none is refused here while the database is up.
  guard: { redis: undefined as unknown as Redis, prefix: 'unused', perMinute: 30 },
  session: { secret: 's'.repeat(32), idleMs: 3600_000, maxMs: 7200_000 },
  log: createLogger('silent', 'test'),
} as unknown as AdminAuthDeps;

let baseUrl = '';
let close = () => undefined as unknown;
beforeAll(async () => {
  const app = express();
  app.get('/metrics', requireAdmin(deps), (_req, res) => res.send('metrics'));
  const failed: ErrorRequestHandler = (_error, _req, res, _next) => res.status(500).end();
  app.use(failed);
  const server = app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});
afterAll(() => close());

const scrape = (key: string) =>
  fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${key}` } }).then(
    (r) => r.status,
  );

describe('an admin key while the database is away', () => {
  it('passes once this process has verified it, and no other key does', async () => {
    databaseUp = false;
    // Never verified here: the outage is an error, not a pass.
    expect(await scrape('lw_prometheus-scrape')).toBe(500);
    databaseUp = true;
    expect(await scrape('lw_prometheus-scrape')).toBe(200);
    expect(await scrape('lw_operator-key')).toBe(403);
    databaseUp = false;
    expect(await scrape('lw_prometheus-scrape')).toBe(200);
    // A key that was no admin's, or never seen, is not let through by the outage.
    expect(await scrape('lw_operator-key')).toBe(500);
    expect(await scrape('lw_guessed-key')).toBe(500);
    databaseUp = true;
  });
});
