/**
 * PostgreSQL crashes (`pg_ctl stop -m immediate`, a power cut as far as it knows) in the middle
 * of a burst of web forms and REST intake, on a cluster of the test's own, and comes back a few
 * seconds later after crash recovery. While it is away the web answers 503 with Retry-After
 * (never a 500, never a hang), workers retry; a client sends each refused request again. In the
 * end every request is on exactly one lead, once, and no worker logged an error.
 */
import { expect, it } from 'vitest';
import { issueToken } from '../../../connectors/site/token.ts';
import { FAULT_ENV, useFaultRig } from '../../helpers/fault-rig.ts';
import { inboxByStatus, intakeLedger } from '../../helpers/intake-ledger.ts';
import { startPrivatePostgres } from '../../helpers/private-postgres.ts';
import { pool } from '../../helpers/senders.ts';
import { CONTACT_FORM, createForm } from '../../helpers/site.ts';
import { ingestWorkersConnected, waitFor } from '../../helpers/system.ts';
import {
  accepted,
  sendAgain,
  startTraffic,
  type Sent,
  type TrafficTarget,
} from '../../helpers/traffic.ts';

const FORM_SECRET = 'postgres-restart-test-form-secret-32-chars';
const SENDERS = 40;
const DOWN_MS = 4000;

const rig = useFaultRig();

it('PostgreSQL crashes mid-burst and comes back: 503s while it is away, then every message on exactly one lead', async () => {
  const postgres = await startPrivatePostgres();
  rig.onTeardown(() => postgres.cleanup());
  const url = await postgres.createDatabase('leadwire');
  const { system: current } = await rig.start('pg-restart', {
    ...FAULT_ENV,
    FORM_SECRET,
    DATABASE_URL: url,
  });
  const web = await current.spawnWeb();
  const workers = [current.spawnWorker(), current.spawnWorker()];
  // A worker refuses to start while the database is away: both must be up before the crash.
  await waitFor(
    'both workers to start',
    async () => (await ingestWorkersConnected(current)) === workers.length,
  );
  const site = { baseUrl: web.baseUrl, apiKey: current.apiKey };
  const form = await createForm(site, CONTACT_FORM);
  const target: TrafficTarget = {
    ...site,
    formSlug: form.slug,
    formToken: async () => issueToken(FORM_SECRET, form.id, new Date()),
  };
  const flowing = startTraffic(target, { concurrency: 8, senders: SENDERS, pauseMs: 10 });
  rig.onTeardown(() => flowing.stop());
  await waitFor(
    'rows to be processed',
    async () => ((await inboxByStatus(current)).done ?? 0) >= 100,
  );

  await postgres.crash();
  const downAt = Date.now();
  await new Promise((resolve) => setTimeout(resolve, DOWN_MS));
  await postgres.start();
  const upAt = Date.now();
  await waitFor('traffic after the restart', () =>
    flowing.sent.some((s) => s.startedAt > upAt + 2000 && accepted(s)),
  );
  const sent = await flowing.stop();

  const during = sent.filter((s) => s.startedAt >= downAt && s.startedAt < upAt);
  const refused = during.filter((s) => !accepted(s));
  expect(refused.length).toBeGreaterThan(0);
  // Refused the way a client can act on: 503 with Retry-After (or, for a connection the crash
  // cut in the middle, no answer at all). Never a 500, never a hang.
  expect(new Set(refused.map((s) => (s.status === 0 ? 'cut' : s.status)))).toEqual(
    new Set([503, ...(refused.some((s) => s.status === 0) ? ['cut'] : [])]),
  );
  expect(sent.filter((s) => s.status >= 500 && s.status !== 503)).toEqual([]);
  expect(web.logs.filter((line) => line.includes('request failed'))).toEqual([]);
  expect(Math.max(...during.map((s) => s.ms))).toBeLessThan(10_000);

  // The client sends what was refused again, with the same form token or Idempotency-Key.
  const again = await pool(
    sent.map(
      (request) => async (): Promise<Sent> =>
        accepted(request)
          ? request
          : { ...request, ...(await sendAgain(target, request, accepted, 20)) },
    ),
    8,
  );
  expect(again.filter((s) => !accepted(s))).toEqual([]);
  // The test's own connections come back by themselves, as every process's do.
  await waitFor(
    'every request processed after the restart',
    async () =>
      (await inboxByStatus(current).catch(() => ({}) as Record<string, number>)).done ===
      sent.length,
    90_000,
  );
  expect(await inboxByStatus(current)).toEqual({ done: sent.length });
  expect(await intakeLedger(current, again)).toEqual({
    acceptedRequests: sent.length,
    acceptedInboxIds: sent.length,
    doneWithOneMessage: sent.length,
    inboxRows: sent.length,
    messages: sent.length,
    duplicateMessages: 0,
    leads: SENDERS,
    sendersOnSeveralLeads: 0,
  });
  for (const worker of workers) {
    // A worker that died says why in the failure (its last log lines).
    expect(worker.child.exitCode, worker.logs.slice(-15).join('\n')).toBeNull();
    expect(worker.logs.filter((line) => /"level":(50|60)/.test(line))).toEqual([]);
  }
  console.log(
    `postgres crash: ${sent.length} requests, ${during.length} while it was down ` +
      `(${refused.length} refused, sent again), ${sent.length} rows done, ${SENDERS} leads`,
  );
}, 180_000);
