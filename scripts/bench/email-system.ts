/**
 * What the email bench runs besides itself: a private Dovecot (scripts/imap-test-server.sh) and
 * Leadwire's `worker` and `email` processes (any Procfile line: the telegram bench and the soak
 * start others), started from their Procfile lines as production starts them. Their pino lines are read for the moments the bench waits for; warnings and
 * errors are passed on to stderr. CPU time is read from /proc (Linux; elsewhere it reads 0).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { OrphanGuard } from './orphan-guard.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const IMAP_SERVER_SCRIPT = path.join(ROOT, 'scripts', 'imap-test-server.sh');
const STOP_TIMEOUT_MS = 20_000;

let ticksPerSecond: number | undefined;

/** CPU seconds (user + system) of a process, with its reaped children when asked; 0 if unknown. */
export function cpuSeconds(pid: number, withReapedChildren = false): number {
  try {
    ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After "pid (comm) ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
    // utime stime cutime cstime …
    const fields = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    const at = (i: number) => fields[i] ?? 0;
    return (at(11) + at(12) + (withReapedChildren ? at(13) + at(14) : 0)) / ticksPerSecond;
  } catch {
    return 0;
  }
}

/** The parent pid of every live process, from /proc. */
function parents(): Map<number, number> {
  const map = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      map.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited meanwhile
    }
  }
  return map;
}

export interface Dovecot {
  port: number;
  /** CPU seconds of the whole instance so far: master, live children, children it reaped. */
  cpuSeconds(): number;
  /** Stops the instance and removes its directory; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Runs imap-test-server.sh in a process group of its own: a Ctrl-C reaches the bench's whole
 * group, and must not cut short the `stop` that the bench's cleanup is running.
 */
function imapServerScript(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [IMAP_SERVER_SCRIPT, ...args], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Ten minutes: the first start on a fresh machine installs dovecot-imapd.
      timeout: 600_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0
        ? resolve(stdout)
        : reject(new Error(`imap-test-server.sh ${args[0]} exited with ${code}: ${stderr}`)),
    );
  });
}

/** Starts a private Dovecot, in a directory of its own that `stop` removes. */
export async function startDovecot(guard: OrphanGuard): Promise<Dovecot> {
  const dir = mkdtempSync(path.join(tmpdir(), 'leadwire-bench-imap-'));
  guard.dovecot(dir);
  guard.remove(dir);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      await imapServerScript('stop', dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  let port: number;
  try {
    const match = /^port=(\d+)$/m.exec(await imapServerScript('start', dir));
    if (!match) throw new Error('imap-test-server.sh start printed no port=');
    port = Number(match[1]);
  } catch (error) {
    await stop().catch(() => {});
    throw new Error(`could not start Dovecot: ${(error as Error).message}`, { cause: error });
  }
  const masterPid = Number(readFileSync(path.join(dir, 'run', 'master.pid'), 'utf8').trim());
  return {
    port,
    cpuSeconds() {
      let total = cpuSeconds(masterPid, true);
      for (const [pid, parent] of parents()) if (parent === masterPid) total += cpuSeconds(pid);
      return total;
    },
    stop,
  };
}

export type ProcfileRole = 'web' | 'worker' | 'email' | 'telegram';

export interface AppProcess {
  pid: number;
  /** When the process was started (epoch ms). */
  startedAt: number;
  /** The `time` of the first log line with this `msg` (epoch ms); rejects if the process exits. */
  logged(msg: string): Promise<number>;
  /** The `time` of every line with this `msg` logged so far. */
  times(msg: string): number[];
  /** Warnings and errors logged so far. */
  readonly problems: number;
  /** Resolves with the exit code when the process ends, however it ends. */
  readonly exited: Promise<number | null>;
  cpuSeconds(): number;
  /**
   * Graceful shutdown (SIGTERM, unless `signalled`: Ctrl-C already reached the process group),
   * SIGKILL when it takes over 20 s.
   */
  stop(signalled?: boolean): Promise<void>;
}

/** Starts a Procfile line (`node …` with this Node) with `env`, in the project directory. */
export function startProcfileProcess(
  role: ProcfileRole,
  env: NodeJS.ProcessEnv,
  progress: (line: string) => void,
  guard: OrphanGuard,
): AppProcess {
  const line = readFileSync(path.join(ROOT, 'Procfile'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${role}:`));
  const [command, ...args] = (line ?? '')
    .slice(role.length + 1)
    .trim()
    .split(/\s+/);
  if (command !== 'node') throw new Error(`the Procfile has no "${role}: node …" line`);
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const startedAt = Date.now();
  if (child.pid) guard.started(child.pid);
  const seen = new Map<string, number[]>();
  const waiting = new Map<string, ((time: number) => void)[]>();
  let problems = 0;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      if (child.pid) guard.exited(child.pid);
      resolve(code);
    }),
  );
  const died = exited.then((code) => {
    throw new Error(`the ${role} process exited (code ${code}); see its log above`);
  });
  died.catch(() => {});
  const read = (text: string) => {
    let entry: { level?: number; time?: number; msg?: string };
    try {
      entry = JSON.parse(text) as typeof entry;
    } catch {
      if (text.trim()) progress(`${role}: ${text}`);
      return;
    }
    const msg = entry.msg ?? '';
    const time = entry.time ?? Date.now();
    seen.set(msg, [...(seen.get(msg) ?? []), time]);
    for (const resolve of waiting.get(msg) ?? []) resolve(time);
    waiting.delete(msg);
    if ((entry.level ?? 30) >= 40) {
      problems += 1;
      progress(`${role}: ${text}`);
    }
  };
  for (const stream of [child.stdout, child.stderr])
    createInterface({ input: stream }).on('line', read);
  return {
    pid: child.pid ?? 0,
    startedAt,
    logged(msg) {
      const first = seen.get(msg)?.[0];
      if (first !== undefined) return Promise.resolve(first);
      return Promise.race([
        new Promise<number>((resolve) => waiting.set(msg, [...(waiting.get(msg) ?? []), resolve])),
        died,
      ]);
    },
    times: (msg) => seen.get(msg) ?? [],
    get problems() {
      return problems;
    },
    exited,
    cpuSeconds: () => (child.pid ? cpuSeconds(child.pid) : 0),
    async stop(signalled = false) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // Ctrl-C already reached the process group: a second signal would force an exit.
      if (!signalled) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
