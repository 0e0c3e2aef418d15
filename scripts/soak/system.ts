/**
 * The system under soak: the Procfile's `web` and `worker` lines, each a process of its own
 * started as production starts it (email-system.ts), with the environment the soak gives them.
 * At LOG_LEVEL=warn they log no "listening" or "started" line to wait for, so readiness is
 * asked from outside: /readyz answers, then one post made with ?wait=true comes back done, which
 * proves the whole path (web -> inbox -> queue -> worker -> lead) before the clock starts.
 */
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startProcfileProcess, type AppProcess } from '../bench/email-system.ts';
import type { OrphanGuard } from '../bench/orphan-guard.ts';

const READY_TIMEOUT_MS = 60_000;
const POLL_MS = 200;
/** After a Ctrl-C (which the children got too) how long to wait before signalling them ourselves. */
const SIGNALLED_GRACE_MS = 3_000;

export interface SoakSystem {
  web: AppProcess;
  worker: AppProcess;
  baseUrl: string;
}

export async function startSystem(
  env: NodeJS.ProcessEnv,
  context: {
    apiKey: string;
    guard: OrphanGuard;
    progress: (line: string) => void;
    /** Aborted on Ctrl-C. */
    signal: AbortSignal;
    defer: (close: () => unknown) => void;
  },
): Promise<SoakSystem> {
  const port = await freePort();
  const processEnv = { ...env, PORT: String(port) };
  const worker = startProcfileProcess('worker', processEnv, context.progress, context.guard);
  const web = startProcfileProcess('web', processEnv, context.progress, context.guard);
  const stop = async (signalled: boolean) => {
    await Promise.all([web, worker].map((child) => stopProcess(child, signalled)));
  };
  context.defer(() => stop(context.signal.aborted));
  const baseUrl = `http://127.0.0.1:${port}`;
  const died = Promise.race(
    [web, worker].map(async (child, i) => {
      const code = await child.exited;
      throw new Error(`the ${i ? 'worker' : 'web'} process exited (code ${code}) while starting`);
    }),
  );
  died.catch(() => {});
  await Promise.race([untilReady(baseUrl, context.apiKey, context.signal), died]);
  return { web, worker, baseUrl };
}

/**
 * When the user pressed Ctrl-C, the terminal sent SIGINT to our children as well and they are
 * closing; a second signal would make them exit at once. If only this process was signalled
 * (kill -INT), they are not closing: signal them after a short grace.
 */
async function stopProcess(child: AppProcess, signalled: boolean): Promise<void> {
  if (!signalled) return child.stop();
  const exited = await Promise.race([
    child.exited.then(() => true),
    sleep(SIGNALLED_GRACE_MS).then(() => false),
  ]);
  if (!exited) await child.stop();
}

/** A port nobody listens on right now (the web process binds it a moment later). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function untilReady(baseUrl: string, apiKey: string, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'no answer';
  while (Date.now() < deadline) {
    signal.throwIfAborted();
    try {
      const ready = await fetch(`${baseUrl}/readyz`);
      last = `/readyz ${ready.status}`;
      if (ready.ok) {
        // The worker may still be starting: the post then waits (5 s at most) and answers 202.
        const probe = await fetch(`${baseUrl}/api/v1/leads?wait=true`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'soak-probe@example.org', message: 'ready?' }),
        });
        const answer = (await probe.json()) as { status?: string };
        last = `probe ${probe.status} ${answer.status ?? ''}`;
        if (probe.status === 200 && answer.status === 'done') return;
      }
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(POLL_MS);
  }
  throw new Error(`web and worker not ready after ${READY_TIMEOUT_MS / 1000} s (last: ${last})`);
}
