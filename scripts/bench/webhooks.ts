/**
 * `npm run bench -- webhooks`: the `worker` role delivering events written into the outbox at once
 * to a receiver on loopback, timed from its start to the last delivery recorded. The limit: this
 * process POSTing as many signed events to the same receiver with the queue's concurrency. The
 * first delivered event's signature is checked.
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

export const webhooksMode = defineMode({
  summary: 'events delivered to a local receiver vs a bare signed POST loop to it',
  options: { events: 10_000 },
  async run(run, options, workspace) {
    const { store } = workspace;
    const receiver = await startHelper(run, './bare-server.ts', ['receiver']);
    const deps = { repos: store, clock: systemClock, allowPrivate: true, secretsKey: undefined };
    const made = await createWebhook(
      deps,
      { url: `${receiver.baseUrl}/hook`, events: ['*'] },
      null,
    );
    if (!made.ok) throw new Error(made.message);
    const secret = made.secret;

    const limit = await signedPostLoop(`${receiver.baseUrl}/limit`, secret, options.events);
    run.progress(`limit: ${int(limit)} signed posts/s; ${options.events} events into the outbox`);
    await inspect(store).run(
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
    let verified = true;
    try {
      new Webhook(secret).verify(String(first.body), first.headers as Record<string, string>);
    } catch {
      verified = false;
    }
    const { hook: received = 0 } = (await (await fetch(receiver.baseUrl)).json()) as {
      hook?: number;
    };
    return {
      lines: [
        `Leadwire webhooks bench (${store.kind}): ${int(options.events)} events, one subscription to "*" on loopback`,
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
