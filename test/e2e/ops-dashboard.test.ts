/**
 * The Grafana dashboard and the alert rules in scripts/ops against a real Prometheus scraping a
 * running Leadwire (web, worker and telegram as child processes, like the Procfile), after
 * traffic that reaches every part the dashboard shows: API intake, a polled and a webhook bot,
 * a refused channel webhook post, an operator's reply, outgoing webhook deliveries. Every query
 * must parse, name only metrics Leadwire publishes, and return data; every rule must evaluate.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_STORE } from '../helpers/database.ts';
import { startPrometheus, type TestPrometheus } from '../helpers/prometheus.ts';
import {
  api,
  ingestWorkersConnected,
  startSystem,
  waitFor,
  type TestSystem,
  type WebProcess,
  type WorkerProcess,
} from '../helpers/system.ts';
import { startBotApi, type BotApi } from '../helpers/telegram-api.ts';
import { connectBot, privateText, processedUpdate, type BotChannel } from '../helpers/telegram.ts';
import { WebhookReceiver } from '../helpers/webhook-receiver.ts';

const DASHBOARD = fileURLToPath(
  new URL('../../scripts/ops/grafana-dashboard.json', import.meta.url),
);
const ALERTS = fileURLToPath(new URL('../../scripts/ops/leadwire-alerts.yml', import.meta.url));

/**
 * Metrics a dashboard query may name although this run gives them no sample: none today, since
 * the traffic below reaches every part. A name listed here must still be declared by Leadwire
 * (Prometheus has its metadata), and a query naming it may come back empty.
 */
const NOT_SAMPLED_HERE = new Set<string>([]);

/**
 * Per-process series that a process has only after its first garbage collection: a quiet
 * process (the telegram poller) may not have collected yet when the test looks.
 */
const NOT_IN_EVERY_PROCESS = new Set(['nodejs_gc_duration_seconds_sum']);

/** What Grafana puts in place of its variables; `$job` is the README's job name. */
const GRAFANA_VARIABLES: Record<string, string> = {
  __rate_interval: '1m',
  __interval: '15s',
  __range: '1h',
  job: 'leadwire',
  process: '.*',
};

interface Target {
  panel: string;
  expr: string;
}

interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  __inputs: { name: string; type: string; pluginId: string }[];
  panels: Panel[];
  templating: { list: { name: string; query: string | { query: string } }[] };
}

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid: string };
  targets?: { expr: string; datasource?: { uid: string } }[];
  panels?: Panel[];
}

const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
const allPanels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
const targets: Target[] = allPanels.flatMap((panel) =>
  (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })),
);

/** Grafana's `$name`, `${name}` and `[[name]]` replaced by `values`; any left over is an error. */
function substitute(expr: string, values: Record<string, string>): string {
  const replaced = expr.replace(
    /\$\{(\w+)\}|\$(\w+)|\[\[(\w+)\]\]/g,
    (whole, a?: string, b?: string, c?: string) => {
      const name = a ?? b ?? c ?? '';
      const value = values[name];
      if (value === undefined) throw new Error(`unknown Grafana variable ${whole} in ${expr}`);
      return value;
    },
  );
  return replaced;
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const OPERATORS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'atan2']);

/**
 * The metric names a PromQL expression selects. Enough of PromQL for dashboards and alert rules:
 * strings, label matchers, ranges and grouping lists are dropped, and of the identifiers left
 * those not followed by `(` (functions, aggregations) and not operators are metric names.
 */
function metricNames(expr: string): string[] {
  let rest = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ');
  for (const keyword of KEYWORDS) {
    rest = rest.replace(new RegExp(`\\b${keyword}\\s*\\([^)]*\\)`, 'g'), ' ');
  }
  const names = new Set<string>();
  for (const match of rest.matchAll(/(?<![\w.])[a-zA-Z_:][\w:]*/g)) {
    const after = rest.slice((match.index ?? 0) + match[0].length);
    if (/^\s*\(/.test(after) || OPERATORS.has(match[0]) || KEYWORDS.has(match[0])) continue;
    names.add(match[0]);
  }
  return [...names];
}

/** What Prometheus knows of: names with samples, and every metric a target declared. */
interface KnownMetrics {
  sampled: Set<string>;
  declared: Map<string, string>;
}

async function knownMetrics(prometheus: TestPrometheus): Promise<KnownMetrics> {
  const read = async <T>(route: string) =>
    ((await (await fetch(`${prometheus.url}${route}`)).json()) as { data: T }).data;
  const names = await read<string[]>('/api/v1/label/__name__/values');
  const metadata = await read<Record<string, { type: string }[]>>('/api/v1/metadata');
  return {
    sampled: new Set(names),
    declared: new Map(Object.entries(metadata).map(([name, [first]]) => [name, first?.type ?? ''])),
  };
}

/** Whether a name is a metric Leadwire publishes (a histogram's series by its family's type). */
function declared(known: KnownMetrics, name: string): boolean {
  if (known.declared.has(name)) return true;
  const family = /^(.*)_(bucket|sum|count)$/.exec(name)?.[1];
  return (
    family !== undefined && ['histogram', 'summary'].includes(known.declared.get(family) ?? '')
  );
}

/** The names an expression selects that are not sampled (or, if excepted, not even declared). */
function unknownNames(known: KnownMetrics, expr: string): string[] {
  return metricNames(expr).filter((name) =>
    NOT_SAMPLED_HERE.has(name) ? !declared(known, name) : !known.sampled.has(name),
  );
}

/** `label_values(selector, label)` → the selector and the label; anything else is PromQL. */
function variableQuery(query: string): { expr: string; label?: string } {
  const [, expr = query, label] =
    /^\s*label_values\(\s*(.+?)\s*,\s*(\w+)\s*\)\s*$/.exec(query) ?? [];
  return { expr, label };
}

const variables = dashboard.templating.list.map((variable) => ({
  name: variable.name,
  ...variableQuery(typeof variable.query === 'string' ? variable.query : variable.query.query),
}));

describe(`the ops dashboard and alert rules against a running Leadwire (${TEST_STORE})`, () => {
  let system: TestSystem;
  let web: WebProcess;
  let processes: WorkerProcess[] = [];
  let botApi: BotApi;
  let prometheus: TestPrometheus;
  const receiver = new WebhookReceiver();
  // Answers 503 to everything: its delivery is retried (5 s, then 5 min), so it stays pending.
  const failing = new WebhookReceiver();

  beforeAll(async () => {
    botApi = await startBotApi({ maxPollSeconds: 1 });
    await receiver.start();
    await failing.start();
    failing.answers = Array<number>(100).fill(503);
    system = await startSystem({
      label: 'opsdash',
      web: false,
      env: {
        WEBHOOK_ALLOW_PRIVATE: 'true',
        TELEGRAM_POLL_SECONDS: '1',
        SECRETS_KEY: 'o'.repeat(40),
      },
    });
    web = await system.spawnWeb();
    processes = [web, system.spawnWorker()];
    // The system as a client sees it: the spawned web's address.
    const running = { ...system, baseUrl: web.baseUrl };
    const call = api(running);
    await waitFor(
      'the worker to connect',
      async () => (await ingestWorkersConnected(system)) > 0,
      60_000,
    );

    const subscribed = await call('POST', '/api/v1/webhooks', { url: receiver.url, events: ['*'] });
    expect(subscribed.status).toBe(201);
    receiver.secret = subscribed.body.secret as string;
    const refusing = await call('POST', '/api/v1/webhooks', { url: failing.url, events: ['*'] });
    expect(refusing.status).toBe(201);
    const polled: BotChannel = await connectBot(running, botApi, { mode: 'polling' });
    const hooked: BotChannel = await connectBot(running, botApi, { mode: 'webhook' });
    // After the bots exist, so its first webhook check (at start) already sees the webhook bot.
    processes.push(system.spawnScript('scripts/telegram.ts'));

    prometheus = await startPrometheus({
      target: web.baseUrl,
      apiKey: system.apiKey,
      ruleFiles: [ALERTS],
    });

    for (const [i, email] of ['ana@example.com', 'luis@example.com'].entries()) {
      const posted = await call('POST', '/api/v1/leads?wait=true', {
        name: `Sender ${i}`,
        email,
        message: 'Hola',
      });
      expect(posted.body).toMatchObject({ status: 'done' });
    }
    const now = Math.floor(Date.now() / 1000);
    botApi.pushUpdate(polled.token, { update_id: 101, ...privateText(9001, 1, 'Hola', now) });
    botApi.pushUpdate(hooked.token, { update_id: 201, ...privateText(9002, 1, 'Hola', now) });
    const polledRow = await processedUpdate(system, polled.id, 101, 60_000);
    await processedUpdate(system, hooked.id, 201, 60_000);
    // A post to a bot id that names no bot: refused, counted under channel_id "unknown".
    const refused = await fetch(`${web.baseUrl}/telegram/999999/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(refused.status).toBe(401);
    const replied = await call('POST', `/api/v1/leads/${polledRow.lead_id}/messages`, {
      text: 'Le llamamos hoy',
    });
    expect(replied.status).toBe(202);
    await waitFor('a reply to reach the bot', () => botApi.sent(polled.token).length > 0, 60_000);
    await waitFor('a webhook delivery', () => receiver.received.length > 0, 60_000);
    await waitFor('a webhook attempt refused', () => failing.received.length > 0, 60_000);
  }, 240_000);

  afterAll(async () => {
    await prometheus?.stop();
    await system?.close();
    await botApi?.close();
    await receiver.stop();
    await failing.stop();
    // A process that did not stop cleanly shows what it said.
    for (const { child, logs } of processes) if (child.exitCode !== 0) console.log(logs.join('\n'));
  });

  it('is an importable dashboard: a datasource input, unique panel ids, PromQL targets', () => {
    expect(dashboard).toMatchObject({ uid: 'leadwire', title: 'Leadwire' });
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.__inputs).toContainEqual(
      expect.objectContaining({
        name: 'DS_PROMETHEUS',
        type: 'datasource',
        pluginId: 'prometheus',
      }),
    );
    const ids = allPanels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    // Every query goes to the imported datasource, never to one named on the author's machine.
    for (const panel of allPanels.filter((panel) => panel.type !== 'row')) {
      expect(panel.datasource?.uid, panel.title).toBe('${DS_PROMETHEUS}');
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
    }
    expect(targets.length).toBeGreaterThan(20);
  });

  it('finds the metric names in PromQL, so a misspelt one fails', () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (le, route) (rate(leadwire_http_request_duration_seconds_bucket{route=~"/f/:slug|x"}[1m])))',
      ),
    ).toEqual(['leadwire_http_request_duration_seconds_bucket']);
    expect(
      metricNames('min by (path) (a_free{job="x"} / on (path) group_left b_size) > bool 0.1'),
    ).toEqual(['a_free', 'b_size']);
    expect(metricNames('count by (role) (leadwire_process_role) or vector(0)')).toEqual([
      'leadwire_process_role',
    ]);
    // Every dashboard query names at least one metric: a query the parser misread would pass.
    for (const { panel, expr } of targets)
      expect(metricNames(expr).length, panel).toBeGreaterThan(0);
  });

  it('evaluates every dashboard query on Prometheus, with data from the running system', async () => {
    await prometheus.waitFor(
      'two scrapes of Leadwire',
      async () => {
        const scraped = await prometheus.query(
          'count_over_time(up{job="leadwire"}[1h]) >= 2 and up{job="leadwire"} == 1',
        );
        const leadwire = await prometheus.query('count({__name__=~"leadwire_.+"})');
        return scraped.length > 0 && leadwire.length > 0 ? true : undefined;
      },
      60_000,
    );
    const known = await knownMetrics(prometheus);
    // The check below means something only if a misspelt name is caught.
    expect(unknownNames(known, 'rate(leadwire_inbox_recordd_total[1m])')).toEqual([
      'leadwire_inbox_recordd_total',
    ]);

    const queries = targets.map(({ panel, expr }) => ({
      panel,
      expr: substitute(expr, GRAFANA_VARIABLES),
      mayBeEmpty: metricNames(expr).some((name) => NOT_SAMPLED_HERE.has(name)),
    }));
    // Parse and evaluate: a syntax error or a type error (rate of a gauge's sum…) throws here.
    for (const { panel, expr } of queries) {
      await expect(prometheus.query(expr), `${panel}: ${expr}`).resolves.toBeDefined();
    }
    // Some series appear only after the events above reach the scrape (every process publishes
    // its counters every 5 s), and a rate needs two samples of them.
    let empty: string[] = [];
    await prometheus
      .waitFor(
        'every dashboard query to return data',
        async () => {
          empty = [];
          for (const { panel, expr, mayBeEmpty } of queries) {
            if (!mayBeEmpty && (await prometheus.query(expr)).length === 0)
              empty.push(`${panel}: ${expr}`);
          }
          return empty.length === 0 ? true : undefined;
        },
        90_000,
      )
      .catch(() => undefined);
    const latest = await knownMetrics(prometheus);
    const unknown = targets.flatMap(({ panel, expr }) =>
      unknownNames(latest, expr).map((name) => `${panel}: ${name}`),
    );
    expect({ unknown, empty }).toEqual({ unknown: [], empty: [] });
  }, 180_000);

  it("resolves the template variables to the running processes' labels", async () => {
    const values: Record<string, string[]> = {};
    for (const variable of variables) {
      const series = await prometheus.query(substitute(variable.expr, GRAFANA_VARIABLES));
      values[variable.name] = [
        ...new Set(series.map((sample) => sample.metric[variable.label ?? '__name__'])),
      ].filter((value): value is string => Boolean(value));
    }
    expect(values.job).toEqual(['leadwire']);
    expect(values.process?.sort()).toEqual(['telegram', 'web', 'worker']);
    // Each process chosen alone still fills the per-process panels.
    for (const process of values.process ?? []) {
      const perProcess = targets.filter(
        ({ expr }) =>
          expr.includes('$process') &&
          !metricNames(expr).some((name) => NOT_IN_EVERY_PROCESS.has(name)),
      );
      for (const { panel, expr } of perProcess) {
        const series = await prometheus.query(substitute(expr, { ...GRAFANA_VARIABLES, process }));
        expect(series.length, `${panel} for ${process}`).toBeGreaterThan(0);
        expect(new Set(series.map((sample) => sample.metric.process))).toEqual(new Set([process]));
      }
    }
  });

  it('loads the alert rules, each one naming published metrics and evaluating without error', async () => {
    expect(existsSync(ALERTS), `${ALERTS} is missing`).toBe(true);
    interface Rule {
      type: 'alerting' | 'recording';
      name: string;
      query: string;
      health: 'ok' | 'err' | 'unknown';
      lastError?: string;
    }
    const rules = await prometheus.waitFor(
      'every rule to be evaluated',
      async () => {
        const data = (await prometheus.rules()) as { groups: { rules: Rule[] }[] };
        const all = data.groups.flatMap((group) => group.rules);
        return all.length > 0 && all.every((rule) => rule.health !== 'unknown') ? all : undefined;
      },
      120_000,
    );
    expect(rules.filter((rule) => rule.health !== 'ok')).toEqual([]);
    const known = await knownMetrics(prometheus);
    // A recording rule's series exist only while its input does: its name is known by the rule.
    const recorded = new Set(rules.filter((rule) => rule.type === 'recording').map((r) => r.name));
    const undeclared = rules.flatMap((rule) =>
      metricNames(rule.query)
        .filter((name) => !known.sampled.has(name) && !declared(known, name) && !recorded.has(name))
        .map((name) => `${rule.name}: ${name}`),
    );
    expect(undeclared).toEqual([]);
  }, 150_000);
});
