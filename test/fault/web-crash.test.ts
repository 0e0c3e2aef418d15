/**
 * The web process killed with SIGKILL while many form posts and API requests are in flight.
 * Every request answered 2xx before the kill ends as exactly one message; a request cut off may
 * or may not have been recorded, and sending it again (same form token, same Idempotency-Key)
 * to the restarted web records it once either way.
 */
import { expect, it } from 'vitest';
import { issueToken } from '../../connectors/site/token.ts';
import { inboxByStatus, intakeLedger } from '../helpers/intake-ledger.ts';
import { FAULT_ENV, useFaultRig } from '../helpers/fault-rig.ts';
import { pool } from '../helpers/senders.ts';
import { CONTACT_FORM, createForm } from '../helpers/site.ts';
import { waitFor } from '../helpers/system.ts';
import {
  accepted,
  sendAgain,
  startTraffic,
  type Sent,
  type TrafficTarget,
} from '../helpers/traffic.ts';

const FORM_SECRET = 'web-crash-test-form-secret-of-32-characters';
const SENDERS = 60;

const rig = useFaultRig();

it('kill -9 of the web with requests in flight: answered ones are kept once, retried ones are not doubled', async () => {
  const { system: current } = await rig.start('web-crash', { ...FAULT_ENV, FORM_SECRET });
  const web = await current.spawnWeb();
  const worker = current.spawnWorker();
  const site = { baseUrl: web.baseUrl, apiKey: current.apiKey };
  const form = await createForm(site, CONTACT_FORM);
  const target: TrafficTarget = {
    ...site,
    formSlug: form.slug,
    // The token a browser got with the page: it stays the same when the post is sent again.
    formToken: async () => issueToken(FORM_SECRET, form.id, new Date()),
  };
  const flowing = startTraffic(target, { concurrency: 32, senders: SENDERS });
  rig.onTeardown(() => flowing.stop());
  await waitFor('requests to be answered', () => flowing.sent.filter(accepted).length >= 300);
  web.child.kill('SIGKILL');
  await web.exited;
  const sent = await flowing.stop();

  const answered = sent.filter(accepted);
  const cut = sent.filter((s) => s.status === 0);
  // Only answers and cut connections: the web never refused a request before it died.
  expect(answered.length + cut.length).toBe(sent.length);
  const inFlight = cut.filter((s) => s.error !== 'ECONNREFUSED');
  expect(inFlight.length).toBeGreaterThan(0);
  expect(answered.every((s) => s.inboxId !== undefined)).toBe(true);
  // Each answered request is a row; a cut one may or may not be.
  const rowsAtKill = Object.values(await inboxByStatus(current)).reduce((sum, n) => sum + n, 0);
  expect(rowsAtKill).toBeGreaterThanOrEqual(answered.length);
  expect(rowsAtKill).toBeLessThanOrEqual(sent.length);

  const restarted = await current.spawnWeb(web.port);
  expect(restarted.port).toBe(web.port);
  // Every request goes again, the answered ones too: each must come back as the same row.
  const again = await pool(
    sent.map((request) => async () => ({ request, answer: await sendAgain(target, request) })),
    16,
  );
  expect(again.filter(({ answer }) => !accepted(answer))).toEqual([]);
  const stillSame = again.filter(
    ({ request, answer }) =>
      accepted(request) && answer.duplicate === true && answer.inboxId === request.inboxId,
  );
  expect(stillSame.length).toBe(answered.length);
  const recordedBeforeKill = again.filter(
    ({ request, answer }) => request.status === 0 && answer.duplicate === true,
  ).length;
  // The cut requests that were recorded before the kill are exactly the rows nobody was told of.
  expect(recordedBeforeKill).toBe(rowsAtKill - answered.length);

  const final: Sent[] = again.map(({ request, answer }) => ({ ...request, ...answer }));
  await waitFor(
    'every request processed',
    async () => (await inboxByStatus(current)).done === sent.length,
    60_000,
  );
  expect(await inboxByStatus(current)).toEqual({ done: sent.length });
  const senders = new Set(sent.map((s) => s.sender)).size;
  expect(await intakeLedger(current, final)).toEqual({
    acceptedRequests: sent.length,
    acceptedInboxIds: sent.length,
    doneWithOneMessage: sent.length,
    inboxRows: sent.length,
    messages: sent.length,
    duplicateMessages: 0,
    leads: senders,
    sendersOnSeveralLeads: 0,
  });
  expect(worker.child.exitCode).toBeNull();
  console.log(
    `web crash: ${sent.length} requests, ${answered.length} answered 2xx before the kill, ` +
      `${cut.length} cut (${inFlight.length} in flight, ${recordedBeforeKill} of them already recorded); ` +
      `all ${sent.length} sent again: ${stillSame.length} answered ones came back as the same row, ` +
      `${sent.length} rows done, ${sent.length} messages, ${senders} leads`,
  );
}, 120_000);
