/**
 * CPU and memory of processes as any outside tool sees them, from /proc (Linux; elsewhere they
 * read 0), and a meter of where the machine's CPU went during a run: each watched process, this
 * bench process (the load), redis-server (INFO cpu: the whole server, other users included) and
 * the rest of the machine, which on a shared box is other people's work.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Redis } from '../../core/runtime/redis.ts';

let ticksPerSecond: number | undefined;

/** User + system CPU seconds of a process (with the children it reaped, when asked). */
export function cpuSeconds(pid: number, withReapedChildren = false): number {
  try {
    ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After "pid (comm) ": utime, stime, cutime, cstime are fields 11 to 14.
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

/** Resident memory now (VmRSS) or at its peak (VmHWM), in bytes; 0 once the process is gone. */
export function memoryBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** The machine's busy and total CPU ticks so far, from /proc/stat's first line. */
function machineTicks(): { busy: number; total: number } | undefined {
  try {
    const [line = ''] = readFileSync('/proc/stat', 'utf8').split('\n', 1);
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    const at = (i: number) => ticks[i] ?? 0;
    const busy = at(0) + at(1) + at(2) + at(5) + at(6);
    return { busy, total: busy + at(3) + at(4) + at(7) };
  } catch {
    return undefined;
  }
}

async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) =>
    Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return field('used_cpu_user') + field('used_cpu_sys');
}

/** Cores used since the last reading: each watched process, `bench`, `redis` and `others`. */
export type CpuShares = Record<string, number>;

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
    async take(): Promise<CpuShares> {
      const now = await read();
      const elapsed = Math.max(1e-3, (now.at - last.at) / 1000);
      const shares: CpuShares = {};
      for (const name of Object.keys(now.counters))
        shares[name] = ((now.counters[name] ?? 0) - (last.counters[name] ?? 0)) / elapsed;
      const before = last.machine;
      const after = now.machine;
      if (before && after && after.total > before.total) {
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
export const describeCpu = (shares: CpuShares) =>
  Object.entries(shares)
    .map(([name, cores]) => `${name} ${cores.toFixed(2)}`)
    .join(', ');
