/**
 * `npm run bench -- webhooks`: events delivered per second to a local receiver. The bench
 * subscribes a receiver on loopback to every event, writes N events into the outbox at once,
 * and runs the worker's webhooks part (dispatcher, BullMQ worker on a Redis prefix of its own,
 * real signed HTTP requests) until every delivery is recorded as delivered. The receiver checks
 * the first request's signature and answers 200 to all.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { JOBS } from '../../core/jobs.ts';
import { systemClock } from '../../core/clock.ts';
import { loadConfig } from '../../core/runtime/config.ts';
import { createLogger } from '../../core/runtime/logger.ts';
import { createProducer } from '../../core/runtime/queues.ts';
import { producerConnection, workerConnection } from '../../core/runtime/redis.ts';
import { createWebhook } from '../../connectors/webhook-admin.ts';
import { inspect } from '../../db/inspect.ts';
import { openStore } from '../../db/open.ts';
import { startWebhooks } from '../../workers/webhooks/index.ts';
import { DEFAULT_POSTGRES, positiveInteger, type BenchOptions } from './options.ts';
import { deleteKeysWithPrefix } from './redis-keys.ts';
import { storeConfig, type StoreArgs } from './worker-child.ts';

const USAGE = `usage: npm run bench -- webhooks [--events N] [--store sqlite|postgres] [--database-url postgres://…]`;

type Where = Pick<BenchOptions, 'store' | 'databaseUrl' | 'dataDir'>;

export interface WebhookBenchContext {
  args: string[];
  progress: (line: string) => void;
  signal: AbortSignal;
  defer: (close: () => unknown) => void;
  database: (where: Where) => Promise<StoreArgs>;
}

function readWebhookOptions(args: string[]): Where & { events: number } {
  const { values } = parseArgs({
    args,
    options: {
      events: { type: 'string', default: '10000' },
      store: { type: 'string', default: 'sqlite' },
      'database-url': { type: 'string', default: DEFAULT_POSTGRES },
    },
    strict: true,
  });
  const store = values.store;
  if (store !== 'sqlite' && store !== 'postgres')
    throw new Error(`--store must be sqlite or postgres, got "${store}"\n${USAGE}`);
  return {
    store,
    databaseUrl: values['database-url'],
    dataDir: undefined,
    events: positiveInteger('events', values.events, USAGE),
  };
}

export async function benchWebhooks(context: WebhookBenchContext): Promise<string> {
  const { progress, defer } = context;
  const options = readWebhookOptions(context.args);
  const config = loadConfig();
  const store = await openStore(storeConfig(await context.database(options)), {
    durability: 'normal',
  });
  defer(() => store.close());
  const look = inspect(store);

  let received = 0;
  let verified: boolean | undefined;
  let secret = '';
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (verified === undefined) {
        try {
          new Webhook(secret).verify(Buffer.concat(chunks), req.headers as Record<string, string>);
          verified = true;
        } catch {
          verified = false;
        }
      }
      received++;
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  defer(() => new Promise((resolve) => receiver.close(resolve)));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  const made = await createWebhook(
    { repos: store, clock: systemClock, allowPrivate: true, secretsKey: undefined },
    { url, events: ['*'] },
    null,
  );
  if (!made.ok) throw new Error(made.message);
  secret = made.secret;

  const written = new Date();
  await look.run(
    store.kind === 'sqlite'
      ? sql`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${options.events})
            INSERT INTO events (type, payload, created_at)
            SELECT 'lead.updated', json_object('leadId', i, 'changes', json_array('stage')), ${written.getTime()} FROM n`
      : sql`INSERT INTO events (type, payload, created_at)
            SELECT 'lead.updated', jsonb_build_object('leadId', i, 'changes', jsonb_build_array('stage')), ${written}
            FROM generate_series(1, ${options.events}) AS i`,
  );
  progress(`${options.events} events in the outbox; delivering to ${url}`);

  const prefix = `${config.queuePrefix}-bench-webhooks-${randomBytes(4).toString('hex')}`;
  const producerRedis = producerConnection(config.redisUrl);
  const workerRedis = workerConnection(config.redisUrl);
  defer(async () => {
    await deleteKeysWithPrefix(producerRedis, prefix);
    await producerRedis.quit();
    await workerRedis.quit();
  });
  const producer = createProducer('webhooks', producerRedis, prefix);
  defer(() => producer.queue.close());
  const started = performance.now();
  const running = startWebhooks({
    repos: store,
    clock: systemClock,
    settings: { allowPrivate: true, retryScheduleMs: [1000], disableAfterMs: 86_400_000 },
    credentials: { secretsKey: undefined, readVariable: () => undefined },
    producer,
    connection: workerRedis,
    prefix,
    log: createLogger('warn', 'bench-webhooks'),
    dispatchEveryMs: 50,
    graceMs: 60_000,
    reconcileEveryMs: 60_000,
  });
  defer(() => running.stop());

  let delivered = 0;
  while (delivered < options.events) {
    if (context.signal.aborted) throw new Error('interrupted');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const [row] = await look.all<{ n: number }>(
      sql`SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'delivered'`,
    );
    delivered = Number(row?.n ?? 0);
  }
  const seconds = (performance.now() - started) / 1000;
  const perSecond = options.events / seconds;
  const int = (n: number) => Math.round(n).toLocaleString('en');
  return [
    `Leadwire webhooks bench (${options.store}): ${int(options.events)} events, one subscription to "*" on loopback`,
    `  ${seconds.toFixed(1)} s from the first dispatch to the last delivery recorded = ${int(perSecond)} events/s`,
    `  the receiver got ${int(received)} requests (${int(received - options.events)} more than once); first signature ${verified ? 'verified' : 'NOT verified'}`,
    `  worker concurrency ${JOBS.webhooks.concurrency}, ${availableParallelism()} cores, load ${loadavg()[0]?.toFixed(2)}`,
    `bench: webhooks events=${options.events} seconds=${seconds.toFixed(1)} events_per_s=${Math.round(perSecond)} store=${options.store}`,
    '',
  ].join('\n');
}
