/**
 * The processes a run starts: Leadwire's roles exactly as production starts them (`entryOf`), and
 * the bench's own helpers. Their pino lines are read for the moments the bench waits for (problems
 * and other output go on to stderr); they are stopped when the run ends (SIGTERM, SIGKILL after
 * 20 s). Their CPU and memory are read from /proc as any outside tool sees them, and a meter says
 * where the machine's CPU went: each process, this one (the load), redis-server and the rest.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Redis } from '../../core/runtime/redis.ts';
import { freePort } from '../../test/helpers/private-redis.ts';
import type { Run } from './context.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const STOP_TIMEOUT_MS = 20_000;
/** After a Ctrl-C, which reached the children too, how long they get before we signal them. */
const SIGNALLED_GRACE_MS = 3_000;

type Role = 'web' | 'worker' | 'email' | 'cli';
export type LogEntry = { time: number; msg: string } & Record<string, unknown>;
export type AppProcess = ReturnType<typeof startProcess>;

/**
 * The node arguments that start a role as production starts it: its Procfile line, or for the
 * CLI the `leadwire` script of package.json. The one place that says how the app is started.
 */
function entryOf(role: Role): string[] {
  const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
  const command =
    role === 'cli'
      ? (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.leadwire
      : read('Procfile')
          .split('\n')
          .find((line) => line.startsWith(`${role}:`))
          ?.slice(role.length + 1);
  const [node, ...args] = (command ?? '').trim().split(/\s+/);
  if (node !== 'node') throw new Error(`no "node …" command starts the ${role} role`);
  return args;
}

export const startRole = (run: Run, role: Role, env: NodeJS.ProcessEnv, args: string[] = []) =>
  startProcess(run, role, [...entryOf(role), ...args], env);

/** The `worker` role, once its ingest worker has started. */
export async function startWorker(run: Run, env: NodeJS.ProcessEnv): Promise<AppProcess> {
  const worker = startRole(run, 'worker', env);
  await worker.logged('ingest worker and reconciler started');
  return worker;
}

/** A script of the bench's own next to this file, run through tsx, once it logs `ready`. */
export async function startHelper(run: Run, file: string, args: string[], env = process.env) {
  const script = ['--import', 'tsx', fileURLToPath(new URL(file, import.meta.url)), ...args];
  const helper = startProcess(run, path.basename(file, '.ts'), script, env);
  const { port } = await helper.logged('ready');
  /** A server's; `port` is in its `ready` line. */
  return Object.assign(helper, { baseUrl: `http://127.0.0.1:${String(port)}` });
}

function startProcess(run: Run, name: string, nodeArgs: string[], env: NodeJS.ProcessEnv) {
  // BENCH_PROFILE=worker (a process name, or several with commas) writes that process's V8 CPU
  // profile into BENCH_PROFILE_DIR (default ./profiles) when it exits.
  const profile = process.env.BENCH_PROFILE?.split(',').includes(name)
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR ?? 'profiles'}`]
    : [];
  const child = spawn(process.execPath, [...profile, ...nodeArgs], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid ?? 0;
  run.guard.started(pid);
  const startedAt = Date.now();
  const seen = new Map<string, LogEntry>();
  const waiting = new Map<string, ((entry: LogEntry) => void)[]>();
  /** What it printed that is not a log line (a CLI's report). */
  const output: string[] = [];
  let problems = 0;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      run.guard.exited(pid);
      resolve(code);
    }),
  );
  const died = exited.then((code) => {
    throw new Error(`the ${name} process exited (code ${code}); see its log above`);
  });
  died.catch(() => {});
  const read = (text: string) => {
    let entry: LogEntry;
    try {
      entry = JSON.parse(text) as LogEntry;
    } catch {
      output.push(text);
      if (text.trim()) run.progress(`${name}: ${text}`);
      return;
    }
    entry.time ??= Date.now();
    if (!seen.has(entry.msg)) seen.set(entry.msg, entry);
    for (const resolve of waiting.get(entry.msg) ?? []) resolve(entry);
    waiting.delete(entry.msg);
    if (typeof entry.level === 'number' && entry.level >= 40) {
      problems += 1;
      run.progress(`${name}: ${text}`);
    }
  };
  for (const stream of [child.stdout, child.stderr])
    createInterface({ input: stream }).on('line', read);
  let stopping: Promise<void> | undefined;
  /** Graceful, then forced; safe to call twice. Also run when the run ends. */
  const stop = () =>
    (stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // Ctrl-C reached the whole process group: a second signal would force an exit.
      const signalled = run.signal.aborted;
      if (!signalled || !(await Promise.race([exited.then(() => true), sleep(SIGNALLED_GRACE_MS)])))
        child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    })());
  run.defer(stop);
  return {
    pid,
    /** Epoch ms. */
    startedAt,
    /** The first log line with this `msg`; rejects if the process exits first. */
    logged(msg: string): Promise<LogEntry> {
      const entry = seen.get(msg);
      if (entry) return Promise.resolve(entry);
      const found = new Promise<LogEntry>((resolve) =>
        waiting.set(msg, [...(waiting.get(msg) ?? []), resolve]),
      );
      return Promise.race([found, died]);
    },
    /** Warnings and errors logged so far. */
    get problems() {
      return problems;
    },
    output,
    exited,
    cpuSeconds: () => cpuSeconds(pid),
    rssBytes: () => memoryBytes(pid, 'VmRSS'),
    peakRssBytes: () => memoryBytes(pid, 'VmHWM'),
    stop,
  };
}

/** Starts the `web` role on a free port and waits until /readyz answers; returns its base URL. */
export async function startWeb(run: Run, env: NodeJS.ProcessEnv) {
  const port = await freePort();
  const web = startRole(run, 'web', { ...env, PORT: String(port) });
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    run.signal.throwIfAborted();
    const ready = await fetch(`${baseUrl}/readyz`).then(
      (answer) => answer.ok,
      () => false,
    );
    if (ready) return { web, baseUrl };
    if (Date.now() > deadline) throw new Error('the web process did not answer /readyz in 60 s');
    const exited = await Promise.race([sleep(100).then(() => false), web.exited.then(() => true)]);
    if (exited) throw new Error('the web process exited while starting; see its log above');
  }
}

let ticksPerSecond: number | undefined;

/** A file of /proc, or '' once the process is gone (or off Linux). */
function readProc(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** User + system CPU seconds of a process. */
function cpuSeconds(pid: number): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  const stat = readProc(`/proc/${pid}/stat`);
  // After "pid (comm) ": utime and stime are fields 11 and 12.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / ticksPerSecond;
}

/** Resident memory now (VmRSS) or at its peak (VmHWM), in bytes. */
function memoryBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readProc(`/proc/${pid}/status`);
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
}

/** The machine's busy and total CPU ticks so far, from /proc/stat's first line. */
function machineTicks() {
  const [line = ''] = readProc('/proc/stat').split('\n', 1);
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  const at = (i: number) => ticks[i] ?? 0;
  const busy = at(0) + at(1) + at(2) + at(5) + at(6);
  return { busy, total: busy + at(3) + at(4) + at(7) };
}

async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) =>
    Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return field('used_cpu_user') + field('used_cpu_sys');
}

/** The first `take` measures from the meter's start; each later one from the previous `take`. */
export async function startCpuMeter(pids: Record<string, number>, redis: Redis) {
  const read = async () => {
    const own = process.cpuUsage();
    const counters: Record<string, number> = {
      bench: (own.user + own.system) / 1e6,
      redis: await redisCpuSeconds(redis),
    };
    for (const [name, pid] of Object.entries(pids)) counters[name] = cpuSeconds(pid);
    return { at: performance.now(), counters, machine: machineTicks() };
  };
  let last = await read();
  return {
    /** Cores used since the last reading: each watched process, `bench`, `redis` and `others`. */
    async take(): Promise<Record<string, number>> {
      const now = await read();
      const elapsed = Math.max(1e-3, (now.at - last.at) / 1000);
      const shares: Record<string, number> = {};
      for (const name of Object.keys(now.counters))
        shares[name] = ((now.counters[name] ?? 0) - (last.counters[name] ?? 0)) / elapsed;
      const [before, after] = [last.machine, now.machine];
      if (after.total > before.total) {
        const busy =
          ((after.busy - before.busy) / (after.total - before.total)) * availableParallelism();
        const ours = Object.values(shares).reduce((sum, cores) => sum + cores, 0);
        shares.others = Math.max(0, busy - ours);
      }
      last = now;
      return shares;
    },
  };
}

/** `web 0.95, bench 0.40, redis 0.10, others 0.05` (cores). */
export const describeCpu = (shares: Record<string, number>) =>
  Object.entries(shares)
    .map(([name, cores]) => `${name} ${cores.toFixed(2)}`)
    .join(', ');
