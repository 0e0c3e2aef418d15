/**
 * A rate limiter created while Redis is away lets requests through, and limits again by itself
 * once Redis answers (its script load failed, which used to switch it off until a restart).
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { expect, it } from 'vitest';
import { createLogger } from '../../core/runtime/logger.ts';
import { producerConnection } from '../../core/runtime/redis.ts';
import { redisRateLimit } from '../../connectors/http/rate-limit.ts';
import { useFaultRig } from '../helpers/fault-rig.ts';
import { startPrivateRedis } from '../helpers/private-redis.ts';
import { waitFor } from '../helpers/system.ts';

const rig = useFaultRig();

it('a limiter set up while Redis is down passes requests, then limits once Redis is back', async () => {
  const current = await startPrivateRedis();
  rig.onTeardown(() => current.cleanup());
  const connection = producerConnection(current.url);
  rig.onTeardown(() => connection.disconnect());
  connection.on('error', () => undefined);
  await waitFor('the connection', () => connection.status === 'ready');
  await current.crash();
  await waitFor('the connection to notice', () => connection.status !== 'ready');

  const deps = { redis: connection, queuePrefix: 'limit-recovery', log: createLogger('silent') };
  const app = express().use(
    redisRateLimit(deps, 'probe', 3, {
      keyGenerator: () => 'everyone',
      handler: (_req, res) => void res.status(429).end(),
    }),
    (_req, res) => void res.status(204).end(),
  );
  const server = app.listen(0, '127.0.0.1');
  rig.onTeardown(() => new Promise((resolve) => server.close(resolve)));
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const statuses = async (n: number) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await fetch(url)).status);
    return out;
  };

  // Redis away: nobody is limited (intake matters more than the count).
  expect(await statuses(5)).toEqual([204, 204, 204, 204, 204]);

  await current.restart();
  await waitFor('the connection to come back', () => connection.status === 'ready', 5000);
  expect(await statuses(5)).toEqual([204, 204, 204, 429, 429]);
});
