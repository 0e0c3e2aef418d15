/**
 * The processes a run starts: Leadwire's roles exactly as production starts them (`entryOf`),
 * and the bench's own helpers (a no-op worker, a bare Express server). Each is a child with the
 * run's environment, whose pino lines are read for the moments the bench waits for (warnings and
 * errors are passed on to stderr, other output too), whose CPU and memory are read from /proc,
 * and which is stopped when the run ends (SIGTERM, SIGKILL after 20 s) or by the orphan guard.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/helpers/private-redis.ts';
import type { Run } from './context.ts';
import { cpuSeconds, memoryBytes } from './proc.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const STOP_TIMEOUT_MS = 20_000;
/** After a Ctrl-C, which reached the children too, how long they get before we signal them. */
const SIGNALLED_GRACE_MS = 3_000;

export type Role = 'web' | 'worker' | 'email' | 'telegram' | 'cli';

/**
 * The node arguments that start a role as production starts it: its Procfile line, or for the
 * CLI the `leadwire` script of package.json. The one place that says how the app is started.
 */
function entryOf(role: Role): string[] {
  const command =
    role === 'cli'
      ? (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as PackageJson).scripts
          .leadwire
      : readFileSync(path.join(ROOT, 'Procfile'), 'utf8')
          .split('\n')
          .find((line) => line.startsWith(`${role}:`))
          ?.slice(role.length + 1);
  const [node, ...args] = (command ?? '').trim().split(/\s+/);
  if (node !== 'node') throw new Error(`no "node …" command starts the ${role} role`);
  return args;
}

interface PackageJson {
  scripts: Record<string, string>;
}

export type LogEntry = { time: number; msg: string } & Record<string, unknown>;

export interface AppProcess {
  name: string;
  pid: number;
  /** Epoch ms. */
  startedAt: number;
  /** The first log line with this `msg`; rejects if the process exits first. */
  logged(msg: string): Promise<LogEntry>;
  /** Warnings and errors logged so far. */
  readonly problems: number;
  /** What it printed that is not a log line (a CLI's report). */
  readonly output: string[];
  readonly exited: Promise<number | null>;
  cpuSeconds(): number;
  rssBytes(): number;
  peakRssBytes(): number;
  /** Graceful, then forced; safe to call twice. Also run when the run ends. */
  stop(): Promise<void>;
}

export const startRole = (run: Run, role: Role, env: NodeJS.ProcessEnv, args: string[] = []) =>
  startProcess(run, role, [...entryOf(role), ...args], env);

/** The `worker` role, once its ingest worker has started. */
export async function startWorker(run: Run, env: NodeJS.ProcessEnv): Promise<AppProcess> {
  const worker = startRole(run, 'worker', env);
  await worker.logged('ingest worker and reconciler started');
  return worker;
}

/** A script of the bench's own next to this file, run through tsx. */
export const startHelper = (run: Run, file: string, args: string[], env = process.env) =>
  startProcess(
    run,
    path.basename(file, '.ts'),
    ['--import', 'tsx', fileURLToPath(new URL(file, import.meta.url)), ...args],
    env,
  );

function startProcess(
  run: Run,
  name: string,
  nodeArgs: string[],
  env: NodeJS.ProcessEnv,
): AppProcess {
  // BENCH_PROFILE=worker (a process name, or several with commas) writes that process's V8 CPU
  // profile into BENCH_PROFILE_DIR (default ./profiles) when it exits.
  const profiled = process.env.BENCH_PROFILE?.split(',').includes(name);
  const profileDir = process.env.BENCH_PROFILE_DIR ?? 'profiles';
  const args = profiled ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, ...nodeArgs] : nodeArgs;
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid ?? 0;
  run.guard.started(pid);
  const startedAt = Date.now();
  const seen = new Map<string, LogEntry>();
  const waiting = new Map<string, ((entry: LogEntry) => void)[]>();
  let problems = 0;
  const output: string[] = [];
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
    name,
    pid,
    startedAt,
    logged(msg) {
      const entry = seen.get(msg);
      if (entry) return Promise.resolve(entry);
      const found = new Promise<LogEntry>((resolve) =>
        waiting.set(msg, [...(waiting.get(msg) ?? []), resolve]),
      );
      return Promise.race([found, died]);
    },
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
