/**
 * A redis-server of the test's own, on a free port with its own directory, for fault tests that
 * crash or stop Redis: the shared Redis at 127.0.0.1:6379 is never touched. Nothing is persisted
 * (`--save "" --appendonly no`), so a crash loses every key, the harshest case the reconciler
 * has to recover from.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { redisAnswers } from '../../core/runtime/redis.ts';

export interface PrivateRedis {
  port: number;
  url: string;
  /** kill -9: the server vanishes with everything it held, connections are reset. */
  crash(): Promise<void>;
  /**
   * SIGSTOP: the server keeps its connections open but answers nothing, like a Redis stuck in a
   * long fork or a network partition; `thaw` (SIGCONT) lets it answer again.
   */
  freeze(): void;
  thaw(): void;
  /** Starts it again on the same port (empty) and waits until it answers PING. */
  restart(): Promise<void>;
  /** Kills it if running and removes its directory; safe to call twice. */
  cleanup(): Promise<void>;
}

/** A port nothing listens on right now (the kernel's pick; released before it is used). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const dir = mkdtempSync(path.join(tmpdir(), 'leadwire-private-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const alive = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  const launch = async () => {
    const started = spawn(
      'redis-server',
      // prettier-ignore
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    child = started;
    exited = new Promise((resolve) => {
      started.once('exit', () => resolve());
      // Not installed: reported below as "did not answer" instead of crashing the test run.
      started.once('error', () => resolve());
    });
    for (let i = 0; i < 100; i++) {
      if (await redisAnswers(url, 200)) return;
      if (!alive()) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(
      `private redis-server on port ${port} did not answer (is redis-server installed?)`,
    );
  };
  const kill = async () => {
    if (!alive()) return;
    // A stopped process dies of SIGKILL too; SIGCONT first is not needed.
    child?.kill('SIGKILL');
    await exited;
  };

  // If the test process dies first, the server must not outlive it.
  const orphanGuard = () => child?.kill('SIGKILL');
  process.once('exit', orphanGuard);
  const cleanup = async () => {
    process.off('exit', orphanGuard);
    await kill();
    rmSync(dir, { recursive: true, force: true });
  };
  await launch().catch(async (error: unknown) => {
    await cleanup();
    throw error;
  });
  return {
    port,
    url,
    crash: kill,
    freeze: () => child?.kill('SIGSTOP'),
    thaw: () => child?.kill('SIGCONT'),
    async restart() {
      await kill();
      await launch();
    },
    cleanup,
  };
}
