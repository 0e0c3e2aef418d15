/** `/healthz`: the process answers. `/readyz`: Redis and the database answer too (503 names the failing part). */
import { Router } from 'express';
import type { Redis } from 'ioredis';
import type { Store } from '../../core/repositories/index.ts';

/** A part that has not answered within a second is down, as far as a load balancer cares. */
const within = (work: Promise<unknown>) =>
  Promise.race([
    work,
    new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 1000).unref()),
  ]);

/** Which of the parts every request needs answer now (the metrics' `leadwire_dependency_up` too). */
export async function dependenciesUp(
  store: Pick<Store, 'ping'>,
  redis: Redis,
): Promise<{ database: boolean; redis: boolean }> {
  const [database, cache] = await Promise.allSettled([within(store.ping()), within(redis.ping())]);
  return { database: database.status === 'fulfilled', redis: cache.status === 'fulfilled' };
}

export function healthRoutes(store: Pick<Store, 'ping'>, redis: Redis): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const up = await dependenciesUp(store, redis);
    const failing = (['database', 'redis'] as const).filter((part) => !up[part]);
    res
      .status(failing.length ? 503 : 200)
      .json({ status: failing.length ? 'unavailable' : 'ready', failing });
  });
  return router;
}
