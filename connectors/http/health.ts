/** `/healthz`: the process answers. `/readyz`: Redis and the database answer too (503 names the failing part). */
import { Router } from 'express';
import type { Redis } from 'ioredis';
import type { Db } from '../../db/open.ts';

export function healthRoutes(db: Db, redis: Redis): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const failing: string[] = [];
    try {
      db.$client.prepare('SELECT 1').get();
    } catch {
      failing.push('database');
    }
    try {
      await Promise.race([
        redis.ping(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 1000)),
      ]);
    } catch {
      failing.push('redis');
    }
    res
      .status(failing.length ? 503 : 200)
      .json({ status: failing.length ? 'unavailable' : 'ready', failing });
  });
  return router;
}
