/**
 * The shipped alert rules against a running system: a real Prometheus scrapes Leadwire's
 * `/metrics` with `scripts/ops/leadwire-alerts.yml` loaded. While messages keep arriving, the
 * worker is stopped: the backlog alert goes pending (and the worker's role is seen missing);
 * once the worker is back and has drained the inbox, both clear.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startPrometheus, type PromAlert, type TestPrometheus } from '../helpers/prometheus.ts';
import { api, startSystem, type TestSystem, type WorkerProcess } from '../helpers/system.ts';

const RULES = fileURLToPath(new URL('../../scripts/ops/leadwire-alerts.yml', import.meta.url));
const BACKLOG = 'LeadwireInboxNotProcessed';
const ROLE_MISSING = 'LeadwireProcessRoleMissing';

let system: TestSystem;
let worker: WorkerProcess;
let prometheus: TestPrometheus;

beforeAll(async () => {
  system = await startSystem({ label: 'opsalerts' });
  worker = system.spawnWorker();
  prometheus = await startPrometheus({
    target: system.baseUrl,
    apiKey: system.apiKey,
    ruleFiles: [RULES],
  });
}, 120_000);

afterAll(async () => {
  await prometheus?.stop();
  await system?.close();
});

let posted = 0;
async function postLead(): Promise<void> {
  posted += 1;
  const res = await api(system)('POST', '/api/v1/leads', {
    email: `ops-alert-${posted}@example.com`,
    message: `message ${posted}`,
  });
  expect(res.status).toBe(202);
}

/** The value of a query that returns one sample, once Prometheus has one. */
const single = async (expr: string) => {
  const [sample] = await prometheus.query(expr);
  return sample ? Number(sample.value[1]) : undefined;
};

const named = (alerts: PromAlert[], name: string) =>
  alerts.filter((alert) => alert.labels.alertname === name);

it('goes pending when the worker stops while messages arrive, and clears once it is back', async () => {
  // Everything flows: messages are processed, and no rule is pending or firing about it.
  for (let n = 0; n < 3; n++) await postLead();
  await prometheus.waitFor(
    'Prometheus to see the three messages processed',
    async () =>
      ((await single('sum(leadwire_inbound_messages_total)')) ?? 0) >= 3 ? true : undefined,
    60_000,
  );
  await prometheus.waitFor('Prometheus to see the worker', async () =>
    (await single('leadwire_process_role{role="worker"}')) === 1 ? true : undefined,
  );
  const seenAt = Date.now();
  await prometheus.waitFor('the rules to be evaluated after that', async () => {
    const { groups } = (await prometheus.rules()) as { groups: { lastEvaluation: string }[] };
    return groups.every((group) => Date.parse(group.lastEvaluation) > seenAt) ? true : undefined;
  });
  const calm = await prometheus.alerts();
  expect(named(calm, BACKLOG)).toEqual([]);
  expect(named(calm, ROLE_MISSING)).toEqual([]);

  // The worker stops; customers go on writing.
  worker.child.kill('SIGTERM');
  expect(await worker.exited).toBe(0);
  let arriving = true;
  // A failed post ends the traffic and is reported after the wait (not lost unobserved in it).
  const traffic = (async () => {
    while (arriving) {
      await postLead();
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })().then(
    () => undefined,
    (error: unknown) => error,
  );
  const raised = await prometheus
    .waitFor(
      `${BACKLOG} to go pending`,
      async () => {
        const alerts = await prometheus.alerts();
        const backlog = named(alerts, BACKLOG);
        const role = named(alerts, ROLE_MISSING).filter((alert) => alert.labels.role === 'worker');
        return backlog.length && role.length ? { backlog, role } : undefined;
      },
      60_000,
    )
    .finally(() => (arriving = false));
  const failed = await traffic;
  if (failed) throw failed;
  // Pending, not firing: the rule waits its `for` before anyone is paged.
  expect(raised.backlog.map((alert) => alert.state)).toEqual(['pending']);
  expect(raised.backlog[0]?.labels.severity).toMatch(/^(critical|warning)$/);
  expect(await single('leadwire_inbox_pending_rows')).toBeGreaterThan(0);

  // The worker is back: it drains the inbox, and the alerts clear.
  worker = system.spawnWorker();
  await prometheus.waitFor(
    'the backlog to drain and the alerts to clear',
    async () => {
      const alerts = await prometheus.alerts();
      const cleared =
        (await single('leadwire_inbox_pending_rows')) === 0 &&
        named(alerts, BACKLOG).length === 0 &&
        named(alerts, ROLE_MISSING).length === 0;
      return cleared ? true : undefined;
    },
    90_000,
  );
  const processed = await single('sum(leadwire_inbound_messages_total{process="worker"})');
  expect(processed).toBeGreaterThan(0);
}, 240_000);
