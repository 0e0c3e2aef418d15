/**
 * A Prometheus of the test's own (the Debian package's /usr/bin/prometheus), scraping one
 * Leadwire web the way README's scrape config does: job `leadwire`, `/metrics` with the admin
 * API key as a bearer token. Config and TSDB live in a temp directory removed on `stop`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './private-redis.ts';

const PROMETHEUS = '/usr/bin/prometheus';

export interface PrometheusOptions {
  /** Base URL of a Leadwire web, e.g. http://127.0.0.1:PORT. */
  target: string;
  /** Admin API key, sent as a bearer token (`authorization.credentials`). */
  apiKey: string;
  /** Absolute paths of rule files to load. */
  ruleFiles?: string[];
  /** Scrape and rule evaluation interval in seconds (default 1). */
  intervalSeconds?: number;
}

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export type PromVector = PromSample[];

export interface PromAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing' | 'inactive';
}

export interface TestPrometheus {
  url: string;
  /** Instant query; throws with Prometheus's error text on a bad query. */
  query(expr: string): Promise<PromVector>;
  /** GET /api/v1/alerts. */
  alerts(): Promise<PromAlert[]>;
  /** GET /api/v1/rules, its `data`. */
  rules(): Promise<unknown>;
  /** Polls `read` until it returns something other than undefined (then returns it). */
  waitFor<T>(what: string, read: () => Promise<T | undefined>, timeoutMs?: number): Promise<T>;
  /** SIGTERM, then SIGKILL after 10 s; removes the temp directory. Safe to call twice. */
  stop(): Promise<void>;
  /** Prometheus's own output, line by line. */
  logs: string[];
}

interface ApiAnswer<T> {
  status: 'success' | 'error';
  data?: T;
  errorType?: string;
  error?: string;
}

export async function startPrometheus(options: PrometheusOptions): Promise<TestPrometheus> {
  if (!existsSync(PROMETHEUS)) {
    throw new Error(`${PROMETHEUS} is missing — apt-get install prometheus`);
  }
  const interval = `${options.intervalSeconds ?? 1}s`;
  const target = new URL(options.target);
  const dir = mkdtempSync(path.join(tmpdir(), 'leadwire-prometheus-'));
  const configFile = path.join(dir, 'prometheus.yml');
  // JSON is YAML, so the config needs no YAML writer and no quoting rules of its own.
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
    rule_files: options.ruleFiles ?? [],
    scrape_configs: [
      {
        job_name: 'leadwire',
        metrics_path: '/metrics',
        scheme: target.protocol.replace(':', ''),
        authorization: { credentials: options.apiKey },
        static_configs: [{ targets: [target.host] }],
      },
    ],
  };
  writeFileSync(configFile, JSON.stringify(config, null, 2));

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logs: string[] = [];
  const child: ChildProcess = spawn(
    PROMETHEUS,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // The Debian package points these at /usr/share; the test needs neither console.
      `--web.console.templates=${dir}`,
      `--web.console.libraries=${dir}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const collect = (chunk: Buffer) => logs.push(...chunk.toString().split('\n').filter(Boolean));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (error) => {
      logs.push(String(error));
      resolve();
    });
  });
  const alive = () => child.exitCode === null && child.signalCode === null;

  // If the test process dies first, Prometheus must not outlive it.
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', orphanGuard);
    if (alive()) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const waitFor = async <T>(
    what: string,
    read: () => Promise<T | undefined>,
    timeoutMs = 30_000,
  ): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  /** Prometheus's API answer's `data`, or its error text as an Error. */
  const get = async <T>(route: string): Promise<T> => {
    const response = await fetch(`${url}${route}`);
    const answer = (await response.json()) as ApiAnswer<T>;
    if (answer.status !== 'success') {
      throw new Error(`Prometheus ${route}: ${answer.errorType}: ${answer.error}`);
    }
    return answer.data as T;
  };

  try {
    await waitFor(
      'Prometheus to be ready',
      async () => {
        if (!alive()) throw new Error(`prometheus exited before it was ready:\n${logs.join('\n')}`);
        const ready = await fetch(`${url}/-/ready`).then(
          (response) => response.ok,
          () => false,
        );
        return ready ? true : undefined;
      },
      60_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    url,
    logs,
    async query(expr) {
      const data = await get<{ resultType: string; result: unknown }>(
        `/api/v1/query?query=${encodeURIComponent(expr)}`,
      );
      if (data.resultType === 'vector') return data.result as PromVector;
      // A range selector's matrix: each series with its latest sample.
      if (data.resultType === 'matrix') {
        const series = data.result as {
          metric: Record<string, string>;
          values: [number, string][];
        }[];
        return series.map(({ metric, values }) => ({ metric, value: values.at(-1) ?? [0, 'NaN'] }));
      }
      // A scalar or a string (`1`, `scalar(…)`): one sample without labels.
      return [{ metric: {}, value: data.result as [number, string] }];
    },
    alerts: async () => (await get<{ alerts: PromAlert[] }>('/api/v1/alerts')).alerts,
    rules: () => get<unknown>('/api/v1/rules'),
    waitFor,
    stop,
  };
}
