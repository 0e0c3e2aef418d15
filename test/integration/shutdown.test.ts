/**
 * Graceful shutdown: SIGTERM lets the jobs in flight finish and leaves the rest waiting for the
 * next worker (nothing half-done, nothing lost); a second signal exits at once.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { createProducer } from '../../core/runtime/queues.ts';
import { producerConnection } from '../../core/runtime/redis.ts';
import { countInbox, ledger, openBurst } from '../helpers/burst.ts';
import { startSystem, waitFor, type TestSystem } from '../helpers/system.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let system: TestSystem | undefined;
afterEach(async () => {
  await system?.close();
  system = undefined;
});

it('SIGTERM in the middle of a backlog: exits 0 with no job active, and the next worker finishes the rest', async () => {
  system = await startSystem({ label: 'sigterm', web: false, env: { LOG_LEVEL: 'info' } });
  const current = system;
  const burst = await openBurst(current, 200);
  for (let n = 0; n < 2000; n++) await burst.record(n);
  await burst.close();

  const first = current.spawnWorker();
  await waitFor(
    'the worker to be busy',
    async () => ((await countInbox(current)).done ?? 0) >= 200,
  );
  const signalledAt = Date.now();
  first.child.kill('SIGTERM');
  const code = await first.exited;
  const stoppedIn = Date.now() - signalledAt;

  expect(code).toBe(0);
  expect(stoppedIn).toBeLessThan(15_000);
  expect(first.logs.join('\n')).toContain('shutting down');
  const doneAtStop = (await countInbox(current)).done ?? 0;
  expect(doneAtStop).toBeLessThan(2000);
  // No job was left half-done: none is active, and every done row has its message.
  const redis = producerConnection(current.config.redisUrl);
  const producer = createProducer('ingest', redis, current.config.queuePrefix);
  try {
    const counts = await producer.queue.getJobCounts('active', 'completed', 'waiting');
    expect(counts.active).toBe(0);
    expect(counts.completed).toBe(doneAtStop);
    expect(counts.waiting).toBe(2000 - doneAtStop);
  } finally {
    await producer.queue.close();
    redis.disconnect();
  }
  expect((await ledger(current)).inboxWithoutMessage).toBe(0);

  current.spawnWorker();
  await waitFor(
    'every row done by the next worker',
    async () => (await countInbox(current)).done === 2000,
    60_000,
  );
  expect(await ledger(current)).toEqual({
    messages: 2000,
    distinctInboxRows: 2000,
    leads: 200,
    inboxWithoutMessage: 0,
  });
}, 120_000);

it('a second signal exits at once when the shutdown hangs', async () => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/fixtures/processes/hanging-shutdown.ts'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    await waitFor('the child to start', () => output.includes('ready'));
    child.kill('SIGTERM');
    await waitFor('the shutdown to start', () => output.includes('closing'));
    // The same signal again at once (a Ctrl-C that npm forwards too) is not a second one.
    child.kill('SIGTERM');
    // Still alive: the first signal waits for work in flight.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(child.exitCode).toBeNull();
    child.kill('SIGTERM');
    const forcedAt = Date.now();
    expect(await exited).toBe(1);
    expect(Date.now() - forcedAt).toBeLessThan(2000);
    expect(output).toContain('second signal: exiting now');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
