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

export function healthRoutes(store: Pick<Store, 'ping'>, redis: Redis): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const failing: string[] = [];
    const [database, cache] = await Promise.allSettled([
      within(store.ping()),
      within(redis.ping()),
    ]);
    if (database.status === 'rejected') failing.push('database');
    if (cache.status === 'rejected') failing.push('redis');
    res
      .status(failing.length ? 503 : 200)
      .json({ status: failing.length ? 'unavailable' : 'ready', failing });
  });
  return router;
}
