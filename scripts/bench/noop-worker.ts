/**
 * The ingest bench's limit, in a process of its own as the `worker` role is: a BullMQ worker on the
 * ingest queue with the same job options and concurrency whose processor returns at once. Argv:
 * queue prefix, concurrency, jobs to await. It logs `ready`, then `drained` once they are finished.
 */
import { loadConfig } from '../../core/runtime/config.ts';
import { createWorker } from '../../core/runtime/queues.ts';
import { workerConnection } from '../../core/runtime/redis.ts';

const [prefix = '', concurrency = '1', jobs = '0'] = process.argv.slice(2);
const log = (msg: string) => process.stdout.write(`${JSON.stringify({ time: Date.now(), msg })}\n`);

const connection = workerConnection(loadConfig().redisUrl);
const noop = async () => undefined;
const worker = createWorker('ingest', connection, prefix, noop, Number(concurrency));
let finished = 0;
const count = () => {
  if (++finished === Number(jobs)) log('drained');
};
worker.on('completed', count);
worker.on('failed', count);
process.on('SIGTERM', async () => {
  await worker.close();
  await connection.quit();
  process.exit(0);
});
await worker.waitUntilReady();
log('ready');
