/**
 * The servers of the forms bench, each in a process of its own (as the Procfile's `web` line runs
 * the app) so the load tool does not share its event loop: `startServer` starts this file as
 * that process, which then runs one of
 * - `web`: the real web app (`startWeb`), configured by the environment forms.ts gives it;
 * - `bare`: a bare Express 5 app whose POST /f/:slug reads the same urlencoded body and answers
 *   202 JSON: the least any Express handler of that post does.
 * It tells the parent its port over IPC, and its CPU time and event-loop use since a mark.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { loadConfig } from '../../core/runtime/config.ts';
import { Lifecycle } from '../../core/runtime/lifecycle.ts';
import { createLogger } from '../../core/runtime/logger.ts';
import type { Redis } from '../../core/runtime/redis.ts';
import { startWeb } from '../boot.ts';

export type ServerRole = 'web' | 'bare';

type ToServer = { type: 'mark' } | { type: 'usage' } | { type: 'stop' };

interface ServerUsage {
  /** CPU time (user + system) since the mark, in cores (1 = one core busy all along). */
  cpu: number;
  /** Share of the time since the mark the event loop was busy. */
  loopBusy: number;
}

type FromServer = { type: 'ready'; port: number } | ({ type: 'usage' } & ServerUsage);

const ENTRY = fileURLToPath(import.meta.url);
const STOP_TIMEOUT_MS = 20_000;

export interface ServerChild {
  /** The server's base URL, once it listens. */
  readonly ready: Promise<string>;
  /** Starts counting the server's CPU time and event-loop use; `usage` reads them. */
  mark(): void;
  usage(): Promise<ServerUsage>;
  /** Closes the server gracefully (killed when that takes too long); safe to call twice. */
  stop(): Promise<void>;
}

export function startServer(role: ServerRole, env: NodeJS.ProcessEnv): ServerChild {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), ENTRY, role], {
    env,
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  // Its log lines go to our stderr: stdout carries only the bench's results.
  child.stdout?.pipe(process.stderr);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const died = exited.then((code) => {
    throw new Error(`the ${role} server process exited (code ${code}); see its log above`);
  });
  died.catch(() => {});
  const next = <T extends FromServer['type']>(type: T) =>
    Promise.race([
      new Promise<Extract<FromServer, { type: T }>>((resolve) => {
        const listener = (message: FromServer) => {
          if (message.type !== type) return;
          child.off('message', listener);
          resolve(message as Extract<FromServer, { type: T }>);
        };
        child.on('message', listener);
      }),
      died,
    ]);
  const send = (message: ToServer) => child.send(message);
  return {
    ready: next('ready').then(({ port }) => `http://127.0.0.1:${port}`),
    mark: () => send({ type: 'mark' }),
    async usage() {
      const answer = next('usage');
      send({ type: 'usage' });
      const { cpu, loopBusy } = await answer;
      return { cpu, loopBusy };
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface Usage {
  server: ServerUsage;
  /** This process (the load tool), in cores. */
  loadTool: number;
  /** redis-server, in cores. */
  redis: number;
  /** The rest of the machine (other processes, the kernel's own work), in cores; Linux only. */
  others: number | undefined;
}

/** Where the CPU goes during a run: the server, the load tool, redis-server and the rest. */
export function startUsage(redis: Redis, server: ServerChild): () => Promise<Usage> {
  server.mark();
  const started = performance.now();
  const cpu = process.cpuUsage();
  const machine = machineTicks();
  const redisBefore = redisCpuSeconds(redis);
  return async () => {
    const seconds = (performance.now() - started) / 1000;
    const own = process.cpuUsage(cpu);
    const machineBusy = machineCoresBusy(machine, machineTicks());
    const [before, after] = await Promise.all([redisBefore, redisCpuSeconds(redis)]);
    const usage = {
      server: await server.usage(),
      loadTool: (own.user + own.system) / 1e6 / seconds,
      redis: (after - before) / seconds,
    };
    const ours = usage.server.cpu + usage.loadTool + usage.redis;
    return { ...usage, others: machineBusy === undefined ? undefined : machineBusy - ours };
  };
}

/** The machine's CPU time so far from /proc/stat, in ticks: busy (steal aside) and in all. */
export function machineTicks(): { busy: number; total: number } | undefined {
  try {
    // cpu  user nice system idle iowait irq softirq steal …
    const [line = ''] = readFileSync('/proc/stat', 'utf8').split('\n', 1);
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    const at = (i: number) => ticks[i] ?? 0;
    const busy = at(0) + at(1) + at(2) + at(5) + at(6);
    return { busy, total: busy + at(3) + at(4) + at(7) };
  } catch {
    return undefined;
  }
}

export function machineCoresBusy(
  before: ReturnType<typeof machineTicks>,
  after: ReturnType<typeof machineTicks>,
): number | undefined {
  if (!before || !after || after.total <= before.total) return undefined;
  return ((after.busy - before.busy) / (after.total - before.total)) * availableParallelism();
}

async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) =>
    Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return field('used_cpu_user') + field('used_cpu_sys');
}

// ---- In the server process ----

if (process.argv[1] === ENTRY) await serve(process.argv[2]);

async function serve(role: string | undefined): Promise<void> {
  if (role !== 'web' && role !== 'bare') throw new Error('usage: form-server.ts web|bare');
  const { server, close } = role === 'web' ? await startRealWeb() : await startBare();
  const send = (message: FromServer) => process.send?.(message);
  const takeMark = () => ({
    at: performance.now(),
    cpu: process.cpuUsage(),
    loop: performance.eventLoopUtilization(),
  });
  let mark = takeMark();
  process.on('message', (message: ToServer) => {
    if (message.type === 'mark') {
      mark = takeMark();
    } else if (message.type === 'usage') {
      const cpu = process.cpuUsage(mark.cpu);
      send({
        type: 'usage',
        cpu: (cpu.user + cpu.system) / 1000 / (performance.now() - mark.at),
        loopBusy: performance.eventLoopUtilization(mark.loop).utilization,
      });
    } else if (message.type === 'stop') {
      void close().then(() => process.exit(0));
    }
  });
  // Ctrl-C reaches the whole process group: the bench stops this server itself, after the load.
  process.on('SIGINT', () => {});
  // The bench died: do not linger holding the port and Redis connections.
  process.on('disconnect', () => process.exit(1));
  send({ type: 'ready', port: (server.address() as AddressInfo).port });
}

async function startRealWeb(): Promise<{ server: Server; close: () => Promise<void> }> {
  const config = loadConfig();
  const log = createLogger(config.logLevel, 'bench-web');
  const lifecycle = new Lifecycle(log);
  const server = await startWeb({ config, log, lifecycle });
  return { server, close: () => lifecycle.shutdown() };
}

async function startBare(): Promise<{ server: Server; close: () => Promise<void> }> {
  const app = express();
  app.post('/f/:slug', express.urlencoded({ extended: false }), (req, res) => {
    res.status(202).json({ ok: true, fields: Object.keys(req.body as object).length });
  });
  const server = app.listen(0);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  return { server, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
