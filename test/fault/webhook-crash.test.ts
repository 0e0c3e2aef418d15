/**
 * A worker killed with SIGKILL while a webhook receiver still holds its request: the attempt
 * was never recorded, so its job stalls, a second worker runs it again, and the receiver gets
 * the same event again with the same webhook-id (receivers deduplicate on it), then it is
 * delivered once and for all.
 */
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { FAULT_ENV, useFaultRig } from '../helpers/fault-rig.ts';
import { waitFor } from '../helpers/system.ts';
import { WebhookReceiver } from '../helpers/webhook-receiver.ts';

const rig = useFaultRig();

it('kill -9 of the worker mid-delivery: delivered again with the same webhook-id', async () => {
  const receiver = await new WebhookReceiver().start();
  try {
    const { system } = await rig.start('webhook-crash', {
      ...FAULT_ENV,
      WEBHOOK_ALLOW_PRIVATE: 'true',
    });
    const web = await system.spawnWeb();
    const made = await fetch(`${web.baseUrl}/api/v1/webhooks`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${system.apiKey}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ url: receiver.url, events: ['lead.created'] }),
    });
    expect(made.status).toBe(201);
    receiver.secret = ((await made.json()) as { secret: string }).secret;
    receiver.hold = 1;

    const first = system.spawnWorker();
    const posted = await fetch(`${web.baseUrl}/api/v1/leads`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${system.apiKey}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ email: 'crash.hook@example.com', message: 'Hello' }),
    });
    expect(posted.status).toBe(202);
    await waitFor('the receiver holding the first attempt', () => receiver.received.length === 1);
    first.child.kill('SIGKILL');
    await first.exited;
    receiver.release();

    const second = system.spawnWorker();
    // The job's lock runs out (15 s) and the stalled job runs again on the second worker.
    await waitFor('the attempt again', () => receiver.received.length === 2, 90_000);
    const [held, again] = receiver.received;
    expect(again?.id).toBe(held?.id);
    expect(again?.body).toEqual(held?.body);
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    await waitFor('the delivery recorded as delivered', async () => {
      const rows = await system.look.all<{ status: string; attempts: number }>(
        sql`SELECT status, attempts FROM webhook_deliveries`,
      );
      return rows.length === 1 && rows[0]?.status === 'delivered' && Number(rows[0].attempts) === 1;
    });
    expect(second.logs.filter((line) => /"level":(50|60)/.test(line))).toEqual([]);
  } finally {
    await receiver.stop();
  }
}, 150_000);
