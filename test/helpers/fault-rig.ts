/**
 * Fault tests' set-up: a test system on a redis-server of the test's own, torn down after each
 * test even when it failed: extra steps first (stop traffic), then the system's processes, then
 * Redis (thawed if frozen, killed, its directory removed).
 */
import { afterEach } from 'vitest';
import { startPrivateRedis, type PrivateRedis } from './private-redis.ts';
import { startSystem, type TestSystem } from './system.ts';

/** Intake from one IP and one key at full speed, and quick recovery: what fault tests need. */
export const FAULT_ENV: Record<string, string> = {
  RECONCILE_GRACE_MS: '1000',
  RECONCILE_INTERVAL_MS: '500',
  FORM_MIN_FILL_MS: '0',
  // All traffic comes from one IP and one key; the limits are not what is tested here.
  FORM_RATE_LIMIT_PER_MINUTE: '1000000',
  RATE_LIMIT_PER_MINUTE: '1000000',
};

export interface FaultRig {
  /** A private Redis and a test system on it (web and workers are started by the test). */
  start(label: string, env?: Record<string, string>): Promise<FaultSystem>;
  /** A step to run first at teardown (stop traffic, close a server); the last added runs first. */
  onTeardown(step: () => unknown): void;
}

export interface FaultSystem {
  redis: PrivateRedis;
  system: TestSystem;
}

/** Call once at the top of a test file: registers the teardown with vitest. */
export function useFaultRig(): FaultRig {
  let steps: (() => unknown)[] = [];
  let started: Partial<FaultSystem> = {};
  afterEach(async () => {
    const { redis, system } = started;
    try {
      for (const step of steps.reverse()) await step();
      redis?.thaw();
      await system?.close();
    } finally {
      await redis?.cleanup();
      [steps, started] = [[], {}];
    }
  });
  return {
    async start(label, env = FAULT_ENV) {
      const redis = await startPrivateRedis();
      started.redis = redis;
      const system = await startSystem({
        label,
        web: false,
        env: { REDIS_URL: redis.url, ...env },
      });
      started.system = system;
      return { redis, system };
    },
    onTeardown(step) {
      steps.push(step);
    },
  };
}
