/**
 * `npm run bench -- webhooks`: events delivered per second by the `worker` role to a receiver on
 * loopback subscribed to every event: N events written into the outbox at once, timed from the
 * worker's start until every delivery is recorded as delivered. The limit: this process POSTing
 * the same number of signed events (standardwebhooks) to the same receiver, with the webhooks
 * queue's concurrency. The receiver (bare-server.ts) answers 200 to all; the bench checks the
 * signature of the first event the worker delivered.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { systemClock } from '../../core/clock.ts';
import { JOBS } from '../../core/jobs.ts';
import { createWebhook } from '../../connectors/webhook-admin.ts';
import { inspect } from '../../db/inspect.ts';
import { defineMode, int, seconds } from './context.ts';
import { countOf } from './ledger.ts';
import { startHelper, startWorker } from './processes.ts';
import { createWorkspace, STORE_OPTIONS } from './workspace.ts';

export const webhooksMode = defineMode({
  summary: 'events delivered to a local receiver vs a bare signed POST loop to it',
  options: {
    events: 10_000,
    ...STORE_OPTIONS,
  },
  async run(run, options) {
    const workspace = await createWorkspace(run, options);
    const store = await workspace.open();
    const look = inspect(store);

    const receiver = startHelper(run, './bare-server.ts', ['receiver']);
    const { port } = (await receiver.logged('ready')) as unknown as { port: number };
    const base = `http://127.0.0.1:${port}`;
    const deps = { repos: store, clock: systemClock, allowPrivate: true, secretsKey: undefined };
    const made = await createWebhook(deps, { url: `${base}/hook`, events: ['*'] }, null);
    if (!made.ok) throw new Error(made.message);
    const secret = made.secret;

    const limit = await signedPostLoop(`${base}/limit`, secret, options.events);
    run.progress(`limit: ${int(limit)} signed posts/s; ${options.events} events into the outbox`);
    await look.run(
      store.kind === 'sqlite'
        ? sql`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${options.events})
              INSERT INTO events (type, payload, created_at)
              SELECT 'lead.updated', json_object('leadId', i, 'changes', json_array('stage')), ${Date.now()} FROM n`
        : sql`INSERT INTO events (type, payload, created_at)
              SELECT 'lead.updated', jsonb_build_object('leadId', i, 'changes', jsonb_build_array('stage')), now()
              FROM generate_series(1, ${options.events}) AS i`,
    );
    await startWorker(run, workspace.env({ WEBHOOK_ALLOW_PRIVATE: 'true' }));
    const started = performance.now();
    const delivered = sql`SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'delivered'`;
    while ((await countOf(store, delivered)) < options.events) {
      run.signal.throwIfAborted();
      await sleep(50);
    }
    const took = seconds(started);
    const first = await receiver.logged('first hook');
    const verified = verifies(
      secret,
      first.body as string,
      first.headers as Record<string, string>,
    );
    const { hook: received = 0 } = (await (await fetch(base)).json()) as { hook?: number };
    return {
      lines: [
        `Leadwire webhooks bench (${workspace.store}): ${int(options.events)} events, one subscription to "*" on loopback`,
        `  limit: signed POSTs  ${int(limit)} events/s, ${JOBS.webhooks.concurrency} at a time`,
        `  worker               ${int(options.events / took)} events/s: ${took.toFixed(1)} s from its start to the last delivery`,
        `  receiver             ${int(received)} requests (${int(received - options.events)} more than once); ` +
          `first signature ${verified ? 'verified' : 'NOT verified'}`,
      ],
      figure: ['events_per_s', options.events / took],
      limit,
      failed: !verified,
    };
  },
});

function verifies(secret: string, body: string, headers: Record<string, string>): boolean {
  try {
    new Webhook(secret).verify(body, headers);
    return true;
  } catch {
    return false;
  }
}

/** `count` signed event POSTs, the webhooks queue's concurrency at a time; events per second. */
async function signedPostLoop(url: string, secret: string, count: number): Promise<number> {
  const signer = new Webhook(secret);
  let next = 0;
  const started = performance.now();
  const loop = async () => {
    for (let n = next++; n < count; n = next++) {
      const id = `msg_bench_${n}`;
      const at = new Date();
      const payload = JSON.stringify({
        type: 'lead.updated',
        timestamp: at.toISOString(),
        data: { leadId: n, changes: ['stage'] },
      });
      const headers = {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': signer.sign(id, at, payload),
      };
      await (await fetch(url, { method: 'POST', headers, body: payload })).text();
    }
  };
  await Promise.all(Array.from({ length: JOBS.webhooks.concurrency }, loop));
  return count / seconds(started);
}
