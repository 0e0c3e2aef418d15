/**
 * A whole Leadwire for a test: a temp DATA_DIR and a store of its own with the real migrations
 * (SQLite there, or a PostgreSQL database with TEST_DATABASE=postgres), the real web app on a
 * free port, its own queue prefix on the shared Redis, and workers in-process or as child
 * processes started exactly like the Procfile's `worker`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { newApiKey } from '../../core/api-keys.ts';
import type { Store } from '../../core/repositories/index.ts';
import type { ApiRole } from '../../core/repositories/users.ts';
import { loadConfig, type Config } from '../../core/runtime/config.ts';
import { Lifecycle } from '../../core/runtime/lifecycle.ts';
import { createLogger } from '../../core/runtime/logger.ts';
import { inspect, type Inspector } from '../../db/inspect.ts';
import { openStore } from '../../db/open.ts';
import type { ConnectorHost } from '../../connectors/connector-host.ts';
import { startConnectors, startWeb, startWorkers, type Booted } from '../../scripts/boot.ts';
import { freshDatabase, type TestStoreKind } from './database.ts';
import { freePort } from './private-redis.ts';
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from './redis.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface TestSystem {
  config: Config;
  env: Record<string, string>;
  baseUrl: string;
  apiKey: string;
  /** The test's own connection to the system's store, for set-up through the repositories. */
  store: Store;
  /** Queries for assertions, the same on both stores (db/inspect.ts). */
  look: Inspector;
  /** Starts the ingest worker + reconciler inside the test process. */
  startInProcessWorker(): Promise<void>;
  /** Starts `scripts/worker.ts` as a child process; its output is collected in `logs`. */
  spawnWorker(): WorkerProcess;
  /** Starts the email connector inside the test process. */
  startInProcessEmail(): Promise<ConnectorHost>;
  /** Starts a connector process (`email`, `telegram`) inside the test process. */
  startInProcessConnectors(process: string): Promise<ConnectorHost>;
  /** Starts a Procfile script (`scripts/web.ts`, …) as a child process with this system's env. */
  spawnScript(script: string, env?: Record<string, string>): WorkerProcess;
  /** Starts `scripts/email.ts` as a child process. */
  spawnEmail(): WorkerProcess;
  /**
   * Starts `scripts/web.ts` as a child process on `port` (a free one by default) and waits until
   * it answers; starting it again on the same port is how a test restarts the web.
   */
  spawnWeb(port?: number): Promise<WebProcess>;
  close(): Promise<void>;
}

export interface WorkerProcess {
  child: ChildProcess;
  logs: string[];
  exited: Promise<number | null>;
}

export interface WebProcess extends WorkerProcess {
  port: number;
  baseUrl: string;
}

export interface SystemOptions {
  label: string;
  env?: Record<string, string>;
  /** Start the web app (default true). */
  web?: boolean;
  /** The store, when the test needs one in particular (default: TEST_DATABASE's). */
  store?: TestStoreKind;
}

/** A new API key straight into the store, as `leadwire api-keys create` makes one. */
export async function createApiKey(
  store: Store,
  name: string,
  role: ApiRole,
): Promise<{ id: number; key: string }> {
  const { key, prefix, hash } = newApiKey();
  return { id: await store.users.createApiKey({ name, role, prefix, hash }), key };
}

export async function startSystem(options: SystemOptions): Promise<TestSystem> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `leadwire-${options.label}-`));
  // A test that brings its own database (a private cluster) gets no other.
  const database = options.env?.DATABASE_URL
    ? { env: {}, drop: async () => undefined }
    : await freshDatabase(options.label, options.store);
  const env: Record<string, string> = {
    ...database.env,
    DATA_DIR: dataDir,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: uniquePrefix(options.label),
    PORT: '0',
    LOG_LEVEL: 'warn',
    DEFAULT_COUNTRY: 'ES',
    ...options.env,
  };
  const config = loadConfig(env);
  const log = createLogger('silent');
  const lifecycle = new Lifecycle(log);
  const booted: Booted = { config, log, lifecycle };
  const store = await openStore(config);
  const { key: apiKey } = await createApiKey(store, 'test', 'admin');
  let baseUrl = '';
  if (options.web !== false) {
    const server = await startWeb(booted);
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  const children: WorkerProcess[] = [];
  /** A Procfile process as a child, with this system's environment; output kept in `logs`. */
  const spawnScript = (script: string, extraEnv: Record<string, string> = {}): WorkerProcess => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: ROOT,
      env: { ...process.env, ...env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const logs: string[] = [];
    child.stdout?.on('data', (chunk: Buffer) =>
      logs.push(...chunk.toString().split('\n').filter(Boolean)),
    );
    child.stderr?.on('data', (chunk: Buffer) =>
      logs.push(...chunk.toString().split('\n').filter(Boolean)),
    );
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    const worker = { child, logs, exited };
    children.push(worker);
    return worker;
  };
  return {
    config,
    env,
    baseUrl,
    apiKey,
    store,
    look: inspect(store),
    startInProcessWorker: () => startWorkers(booted),
    startInProcessEmail: () => startConnectors(booted, 'email'),
    startInProcessConnectors: (process) => startConnectors(booted, process),
    spawnScript,
    spawnEmail: () => spawnScript('scripts/email.ts'),
    spawnWorker: () => spawnScript('scripts/worker.ts'),
    async spawnWeb(port) {
      const chosen = port ?? (await freePort());
      const web = spawnScript('scripts/web.ts', { PORT: String(chosen) });
      const baseUrl = `http://127.0.0.1:${chosen}`;
      const exitedEarly = web.exited.then((code) => {
        throw new Error(`web exited (${code}) before answering: ${web.logs.join('\n')}`);
      });
      // Once it answers, a later exit (a test killing it) is the test's business.
      exitedEarly.catch(() => undefined);
      await Promise.race([
        waitFor('the web process to answer', () =>
          fetch(`${baseUrl}/healthz`).then(
            (response) => response.ok,
            () => false,
          ),
        ),
        exitedEarly,
      ]);
      return { ...web, port: chosen, baseUrl };
    },
    async close() {
      for (const worker of children) {
        if (worker.child.exitCode === null && worker.child.signalCode === null) {
          worker.child.kill('SIGTERM');
          // A child whose graceful shutdown hangs (Redis gone in a fault test) is killed outright.
          const timer = setTimeout(() => worker.child.kill('SIGKILL'), 5000);
          await worker.exited;
          clearTimeout(timer);
        }
      }
      await lifecycle.shutdown();
      await store.close();
      await database.drop();
      // A private Redis (fault tests) is thrown away whole by its owner.
      if (config.redisUrl === TEST_REDIS_URL) await deleteKeys(config.queuePrefix);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` returns true or the time runs out (then throws with `what`). */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * How many ingest workers are connected to the system's queue (BullMQ names their connections).
 * A worker connects after it has opened and migrated the store, so this says it has started.
 */
export async function ingestWorkersConnected(system: Pick<TestSystem, 'config'>): Promise<number> {
  const queue = new Queue('ingest', {
    connection: { url: system.config.redisUrl },
    prefix: system.config.queuePrefix,
  });
  try {
    return await queue.getWorkersCount();
  } finally {
    await queue.close();
  }
}

/** JSON over HTTP with the test's admin key. */
export function api(system: Pick<TestSystem, 'baseUrl' | 'apiKey'>) {
  return async (
    method: string,
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const response = await fetch(`${system.baseUrl}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${system.apiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read whatever JSON came back
    const json: any = text ? JSON.parse(text) : undefined;
    return { status: response.status, body: json };
  };
}
