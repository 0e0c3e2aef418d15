/**
 * A web process (re)started while Redis is away still takes intake: it records into the inbox,
 * answers 202, and says in /readyz what is missing. A worker refuses to start and says what to
 * do. Once Redis answers, everything recorded meanwhile is processed. /readyz also names a
 * database that stopped answering.
 */
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import express from 'express';
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { healthRoutes } from '../../connectors/http/health.ts';
import { count } from '../helpers/rows.ts';
import { openTestStore } from '../helpers/store.ts';
import { useFaultRig } from '../helpers/fault-rig.ts';
import { startPrivateRedis } from '../helpers/private-redis.ts';
import { waitFor } from '../helpers/system.ts';

const rig = useFaultRig();

it('a web process started during an outage records and answers; the backlog is processed once Redis is back', async () => {
  const { redis, system: current } = await rig.start('noredis', {
    RECONCILE_GRACE_MS: '500',
    RECONCILE_INTERVAL_MS: '500',
  });
  await redis.crash();
  const web = await current.spawnWeb();
  const post = (n: number) =>
    fetch(`${web.baseUrl}/api/v1/leads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${current.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        email: `offline-${n}@example.com`,
        message: `while Redis was away ${n}`,
      }),
    });
  for (let n = 0; n < 5; n++) expect((await post(n)).status).toBe(202);

  const ready = await fetch(`${web.baseUrl}/readyz`);
  expect(ready.status).toBe(503);
  expect(await ready.json()).toEqual({ status: 'unavailable', failing: ['redis'] });
  // The metrics still answer, with what this process knows.
  const metrics = await fetch(`${web.baseUrl}/metrics`, {
    headers: { authorization: `Bearer ${current.apiKey}` },
  });
  expect(metrics.status).toBe(200);
  expect(await metrics.text()).toContain('leadwire_inbox_pending_rows 5');

  // A worker cannot do anything without Redis: it says so and what to do.
  const early = current.spawnWorker();
  expect(await early.exited).toBe(1);
  expect(early.logs.join('\n')).toContain(
    `Redis is not reachable at ${redis.url} — start redis-server`,
  );

  await redis.restart();
  await waitFor('/readyz to answer 200', async () => (await fetch(`${web.baseUrl}/readyz`)).ok);
  current.spawnWorker();
  expect((await post(5)).status).toBe(202);
  await waitFor(
    'every row processed',
    async () => (await current.store.inbox.countMatching({})).done === 6,
  );
  expect(await count(current, sql`SELECT count(*) AS n FROM leads`)).toBe(6);
  expect(web.child.exitCode).toBeNull();
  // Its own queue keys live on the private Redis, thrown away whole; nothing on the shared one.
  const shared = new Redis('redis://127.0.0.1:6379');
  try {
    expect(await shared.keys(`${current.config.queuePrefix}:*`)).toEqual([]);
  } finally {
    shared.disconnect();
  }
}, 90_000);

it('/readyz names the database when it stops answering', async () => {
  const redis = await startPrivateRedis();
  rig.onTeardown(() => redis.cleanup());
  const test = await openTestStore('readyz');
  rig.onTeardown(() => test.close());
  const client = new Redis(redis.url);
  client.on('error', () => undefined);
  const app = express().use(healthRoutes(test.store, client));
  const server = app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`;
  try {
    expect((await fetch(url)).status).toBe(200);
    await test.store.close();
    const broken = await fetch(url);
    expect(broken.status).toBe(503);
    expect(await broken.json()).toEqual({ status: 'unavailable', failing: ['database'] });
    await redis.crash();
    expect(await (await fetch(url)).json()).toEqual({
      status: 'unavailable',
      failing: ['database', 'redis'],
    });
  } finally {
    client.disconnect();
    await new Promise((resolve) => server.close(resolve));
  }
});
