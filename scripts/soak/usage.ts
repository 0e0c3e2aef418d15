/**
 * Where the machine's CPU and memory go while the soak runs: the web and worker processes (from
 * /proc, as any outside tool would see them: they are the Procfile's processes, with no channel
 * to ask them anything), the soak itself (the load and the monitor), redis-server (INFO cpu:
 * the whole server, so on a shared Redis other users' commands too), and the rest of the
 * machine, which on a shared box is other people's work and makes the figures lower than the
 * same run on an idle one. (The V8 heap comes from /metrics: heap.ts.)
 */
import { performance } from 'node:perf_hooks';
import type { Redis } from '../../core/runtime/redis.ts';
import { redisCpuSeconds } from '../bench/email-ingest.ts';
import { cpuSeconds } from '../bench/email-system.ts';
import { machineCoresBusy, machineTicks } from '../bench/form-server.ts';
import { procStatusBytes } from '../bench/peak-rss.ts';

export interface Watched {
  web: number;
  worker: number;
}

/** CPU used since the previous sample, in cores (1 = one core busy the whole interval). */
export interface CpuShare {
  web: number;
  worker: number;
  soak: number;
  redis: number;
  /** Everything else on the machine; undefined where /proc/stat cannot be read. */
  others: number | undefined;
}

export interface UsageSample {
  cpu: CpuShare;
  /** Resident memory now, in bytes (0 once a process is gone). */
  rss: Watched;
}

interface Counters {
  at: number;
  web: number;
  worker: number;
  soak: number;
  redis: number;
  machine: ReturnType<typeof machineTicks>;
}

export class UsageMeter {
  private last: Counters | undefined;

  constructor(
    private readonly pids: Watched,
    private readonly redis: Redis,
  ) {}

  /** The first call only sets the starting point (its CPU shares are zero). */
  async sample(): Promise<UsageSample> {
    const now = await this.read();
    const before = this.last ?? now;
    this.last = now;
    const seconds = Math.max(1e-3, (now.at - before.at) / 1000);
    const share = (key: 'web' | 'worker' | 'soak' | 'redis') => (now[key] - before[key]) / seconds;
    const cpu = {
      web: share('web'),
      worker: share('worker'),
      soak: share('soak'),
      redis: share('redis'),
    };
    const busy = machineCoresBusy(before.machine, now.machine);
    const ours = cpu.web + cpu.worker + cpu.soak + cpu.redis;
    return {
      cpu: { ...cpu, others: busy === undefined ? undefined : Math.max(0, busy - ours) },
      rss: { web: rssOf(this.pids.web), worker: rssOf(this.pids.worker) },
    };
  }

  /** CPU seconds so far of each watched process (for the summary's totals). */
  totals(): Watched {
    return { web: cpuSeconds(this.pids.web), worker: cpuSeconds(this.pids.worker) };
  }

  private async read(): Promise<Counters> {
    const own = process.cpuUsage();
    return {
      at: performance.now(),
      web: cpuSeconds(this.pids.web),
      worker: cpuSeconds(this.pids.worker),
      soak: (own.user + own.system) / 1e6,
      redis: await redisCpuSeconds(this.redis),
      machine: machineTicks(),
    };
  }
}

export const rssOf = (pid: number) => procStatusBytes('VmRSS', pid) ?? 0;
export const peakRssOf = (pid: number) => procStatusBytes('VmHWM', pid) ?? 0;
