/**
 * The store contract, second part: the ingest transaction's writes (a plan of every kind) and
 * what the lead, activity, event and attachment repositories read back, on SQLite and on
 * PostgreSQL (TEST_DATABASE=postgres).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../core/clock.ts';
import type { DeliveryStatus } from '../../core/inbound.ts';
import type { IngestPlan } from '../../core/ingest-plan.ts';
import type { Store } from '../../core/repositories/index.ts';
import { CHANNELS } from '../../connectors/registry.ts';
import { ingestInbox } from '../../workers/ingest/handler.ts';
import { TEST_STORE } from '../helpers/database.ts';
import { addUser, count } from '../helpers/rows.ts';
import { openTestStore, type TestStore } from '../helpers/store.ts';

const ALL = { kind: 'all' } as const;

let test: TestStore;
let store: Store;
beforeAll(async () => {
  test = await openTestStore('contract-leads');
  store = test.store;
});
afterAll(() => test.close());

const clock = fixedClock('2026-06-01T10:00:00.000Z');
const intake = async (externalId: string, body: Record<string, unknown>) => {
  const raw = JSON.stringify({ body, receivedAt: '2026-06-01T09:00:00.000Z' });
  const { row } = await store.inbox.record(1, externalId, raw, new Date());
  return ingestInbox({ channels: CHANNELS, repos: store, clock, defaultCountry: 'ES' }, row.id);
};

/** Commits one recorded row with a plan changed by `change` (the writes a channel could ask for). */
async function commitWith(
  externalId: string,
  body: Record<string, unknown>,
  change: (plan: IngestPlan) => IngestPlan,
) {
  const raw = JSON.stringify({ body, receivedAt: '2026-06-01T09:00:00.000Z' });
  const { row } = await store.inbox.record(1, externalId, raw, new Date());
  const channel = await store.channels.info(1);
  if (!channel) throw new Error('no intake channel');
  const { planIngest } = await import('../../core/ingest-plan.ts');
  const { decideLead } = await import('../../core/lead-decision.ts');
  const { normaliseIntake } = await import('../../connectors/api/normalise.ts');
  const message = normaliseIntake(JSON.parse(raw), { externalId, defaultCountry: 'ES' });
  const [result] = await store.ingest.commit([{ row, channel, message }], (item, current, state) =>
    change(
      planIngest(
        { ...item, row: current },
        state,
        decideLead(item.message, state, { channelId: 1 }, clock),
        clock.now(),
      ),
    ),
  );
  if (!result?.ok) throw result?.error;
  return result.outcome;
}

describe(`leads on the ${TEST_STORE} store`, () => {
  it('writes a new lead, its identities, message and the inbox outcome in one go', async () => {
    const outcome = await intake('l-1', {
      name: 'Ana',
      email: 'ana@leads.test',
      phone: '600 111 222',
      message: 'Hola',
      fields: { size: 'XL' },
      utm: { source: 'ad' },
    });
    expect(outcome).toEqual({
      status: 'done',
      outcome: 'created_simple',
      leadId: expect.any(Number),
    });
    const lead = await store.leads.get(outcome.leadId!, ALL);
    expect(lead).toMatchObject({
      type: 'simple',
      stage: 'NEW',
      open: true,
      source: 'API',
      channelId: 1,
      clientId: null,
      title: 'Ana (API)',
      name: 'Ana',
      fields: { size: 'XL' },
      utm: { source: 'ad' },
      client: null,
      identities: [
        { kind: 'email', key: 'email:ana@leads.test', raw: 'ana@leads.test' },
        { kind: 'phone', key: 'phone:+34600111222', raw: '600 111 222' },
      ],
      messages: [
        {
          direction: 'in',
          externalId: 'l-1',
          sender: 'Ana <ana@leads.test>',
          text: 'Hola',
          meta: { fields: { size: 'XL' }, utm: { source: 'ad' } },
          delivery: null,
          attachments: [],
        },
      ],
      activities: [],
    });
    expect(lead?.createdAt).toEqual(clock.now());
    expect(lead?.messages[0]?.sentAt).toEqual(new Date('2026-06-01T09:00:00.000Z'));
    // Appending touches the lead and adds what the sender newly revealed.
    const appended = await intake('l-2', {
      email: 'ANA@leads.test',
      telegram: 5005,
      message: 'más',
    });
    expect(appended).toEqual({ status: 'done', outcome: 'appended', leadId: outcome.leadId });
    const after = await store.leads.get(outcome.leadId!, ALL);
    expect(after?.identities.map((i) => i.key)).toContain('telegram:5005');
    expect(after?.messages.map((m) => m.text)).toEqual(['Hola', 'más']);
  });

  it('lists, filters and pages leads newest first; stages close them', async () => {
    for (const n of [1, 2, 3]) await intake(`page-${n}`, { email: `page${n}@leads.test` });
    const first = await store.leads.list({ limit: 2 }, ALL);
    expect(first.leads).toHaveLength(2);
    expect(first.leads[0]!.id).toBeGreaterThan(first.leads[1]!.id);
    expect(first.nextCursor).toBe(String(first.leads[1]!.id));
    const next = await store.leads.list({ limit: 2, cursor: first.nextCursor! }, ALL);
    expect(next.leads[0]!.id).toBeLessThan(first.leads[1]!.id);
    expect((await store.leads.list({ limit: 50, type: 'repeat' }, ALL)).leads).toEqual([]);
    expect((await store.leads.list({ limit: 50, review: true }, ALL)).leads).toEqual([]);
    const id = first.leads[0]!.id;
    const by = { userId: null, at: at('2026-06-02T00:00:00Z') };
    expect(await store.leads.update(id, { stage: 'NOPE' }, by, ALL)).toEqual({
      ok: false,
      problem: 'no-stage',
    });
    expect(await store.leads.update(987_654, { stage: 'JUNK' }, by, ALL)).toEqual({
      ok: false,
      problem: 'no-lead',
    });
    expect(await store.leads.update(id, { stage: 'JUNK' }, by, ALL)).toMatchObject({
      ok: true,
      lead: { stage: 'JUNK', open: false },
    });
    expect(await store.leads.get(id, ALL)).toMatchObject({
      stage: 'JUNK',
      open: false,
      closedAt: at('2026-06-02T00:00:00Z'),
    });
    expect(
      (await store.leads.list({ limit: 50, stage: 'JUNK' }, ALL)).leads.map((l) => l.id),
    ).toEqual([id]);
    expect(await store.leads.exists(id)).toBe(true);
    expect(await store.leads.exists(987_654)).toBe(false);
    expect((await store.stages.list('lead')).map((s) => s.code)).toEqual([
      'NEW',
      'IN_PROCESS',
      'PROCESSED',
      'CONVERTED',
      'JUNK',
    ]);
  });

  it('a client with a responsible gets a repeat lead; client identities and duplicates are recorded', async () => {
    const olga = await addUser(test, { name: 'Olga', email: 'olga@leads.test' });
    const marta = await store.clients.create({
      name: 'Marta',
      responsibleId: olga.id,
      identities: [{ kind: 'email', key: 'email:marta@leads.test', raw: 'marta@leads.test' }],
    });
    const other = await store.clients.create({
      name: 'Marta again',
      identities: [{ kind: 'phone', key: 'phone:+34611222333', raw: '+34611222333' }],
    });
    const repeat = await intake('r-1', { email: 'marta@leads.test', phone: '611222333' });
    expect(repeat.outcome).toBe('created_repeat');
    const lead = await store.leads.get(repeat.leadId!, ALL);
    expect(lead).toMatchObject({ type: 'repeat', clientId: marta.id, responsibleId: olga.id });
    expect(lead?.client?.id).toBe(marta.id);
    // The phone belongs to the other client: recorded beside the lead, not copied onto Marta.
    expect(lead?.identities.map((i) => i.key)).toEqual(['email:marta@leads.test']);
    const pairs = await test.look.all<{
      client_id: number;
      other_client_id: number;
      lead_id: number;
    }>(sql`SELECT client_id, other_client_id, lead_id FROM client_duplicates`);
    expect(pairs).toEqual([
      { client_id: marta.id, other_client_id: other.id, lead_id: repeat.leadId },
    ]);
  });

  it('persists the plan parts other channels ask for: attachments, a call, a bounce, a block', async () => {
    const base = await intake('p-1', { email: 'pablo@leads.test', message: 'first' });
    const reply = await store.leads.addOutbound({
      leadId: base.leadId!,
      channelId: 1,
      externalId: 'our-reply-1',
      sender: 'Leadwire',
      text: 'Thanks',
      meta: { note: 'kept' },
      at: at('2026-06-01T11:00:00Z'),
    });
    expect(reply).toMatchObject({
      direction: 'out',
      delivery: 'queued',
      externalId: 'our-reply-1',
    });
    const due = at('2026-06-01T12:00:00Z');
    const call = await commitWith(
      'p-2',
      { email: 'pablo@leads.test', message: 'call me' },
      (plan) => ({
        ...plan,
        attachments: [
          { filename: 'a.pdf', contentType: 'application/pdf', size: 3, sha256: 'a'.repeat(64) },
          {
            filename: 'big.mov',
            contentType: 'video/quicktime',
            size: 9e9,
            sha256: null,
            skipped: 'over the limit',
          },
        ],
        callback: {
          activity: {
            kind: 'create',
            subject: 'Call back +34 600',
            dueAt: due,
            responsibleId: null,
            identityKey: 'phone:+34600999888',
          },
          event: {
            type: 'callback.requested',
            payload: { repeated: false, phone: '+34600999888' },
          },
        },
        delivery: { of: 'our-reply-1', status: 'undelivered' },
        reachability: {
          channelId: 1,
          identityKey: 'telegram:77',
          reachable: false,
          reason: 'blocked the bot',
          at: at('2026-06-01T11:00:00Z'),
        },
      }),
    );
    expect(call.outcome).toBe('appended');
    const lead = await store.leads.get(base.leadId!, ALL);
    const message = lead?.messages.find((m) => m.externalId === 'p-2');
    expect(message?.attachments).toMatchObject([
      {
        filename: 'a.pdf',
        contentType: 'application/pdf',
        size: 3,
        sha256: 'a'.repeat(64),
        skipped: null,
      },
      { filename: 'big.mov', sha256: null, skipped: 'over the limit' },
    ]);
    expect(await store.attachments.get(message!.attachments[0]!.id)).toMatchObject({
      filename: 'a.pdf',
    });
    expect(lead?.activities).toMatchObject([
      {
        kind: 'call',
        subject: 'Call back +34 600',
        dueAt: due,
        status: 'open',
        identityKey: 'phone:+34600999888',
      },
    ]);
    const activityId = lead!.activities[0]!.id;
    const events = await store.events.list(0, 'callback.requested', 10);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'callback.requested', leadId: base.leadId });
    expect(events[0]?.payload).toEqual({
      leadId: base.leadId,
      activityId,
      repeated: false,
      phone: '+34600999888',
    });
    expect((await store.leads.message(reply!.id))?.delivery).toBe('undelivered');
    expect(await store.channels.blockOf(1, 'telegram:77')).toMatchObject({
      reason: 'blocked the bot',
    });

    // A second request brings the open call forward; an unblock lifts the block.
    const sooner = at('2026-06-01T10:30:00Z');
    await commitWith('p-3', { email: 'pablo@leads.test' }, (plan) => ({
      ...plan,
      callback: {
        activity: { kind: 'bring-forward', id: activityId, dueAt: sooner },
        event: { type: 'callback.requested', payload: { repeated: true } },
      },
      reachability: {
        channelId: 1,
        identityKey: 'telegram:77',
        reachable: true,
        reason: 'unblocked',
        at: at('2026-06-01T11:30:00Z'),
      },
    }));
    expect(await store.activities.get(activityId)).toMatchObject({ dueAt: sooner, status: 'open' });
    expect(
      (await store.events.list(events[0]!.id, 'callback.requested', 10))[0]?.payload,
    ).toMatchObject({
      activityId,
      repeated: true,
    });
    expect(await store.channels.blockOf(1, 'telegram:77')).toBeUndefined();
    // A block that happened before the unblock, delivered after it, changes nothing.
    await commitWith('p-4', { email: 'pablo@leads.test' }, (plan) => ({
      ...plan,
      reachability: {
        channelId: 1,
        identityKey: 'telegram:77',
        reachable: false,
        reason: 'blocked the bot',
        at: at('2026-06-01T11:10:00Z'),
      },
    }));
    expect(await store.channels.blockOf(1, 'telegram:77')).toBeUndefined();
  });

  it('delivery reports only move a reply forward, whatever order they arrive in', async () => {
    const lead = await intake('d-1', { email: 'dora@leads.test', message: 'hi' });
    const reply = await store.leads.addOutbound({
      leadId: lead.leadId!,
      channelId: 1,
      externalId: 'wamid.ABC',
      sender: 'Operator',
      text: 'Hello',
      meta: {},
      at: at('2026-06-01T12:00:00Z'),
    });
    await store.leads.setDelivery(reply!.id, 'sent', {});
    const report = (n: number, status: DeliveryStatus, error?: string) =>
      commitWith(`d-status-${n}`, { email: 'dora@leads.test' }, (plan) => ({
        ...plan,
        delivery: { of: 'wamid.ABC', status, ...(error ? { error } : {}) },
      }));
    await report(1, 'read');
    await report(2, 'delivered');
    await report(3, 'sent');
    expect((await store.leads.message(reply!.id))?.delivery).toBe('read');
    await report(4, 'failed', 'the number is not on WhatsApp');
    expect(await store.leads.message(reply!.id)).toMatchObject({
      delivery: 'failed',
      meta: { deliveryError: 'the number is not on WhatsApp' },
    });
    await report(5, 'delivered');
    expect((await store.leads.message(reply!.id))?.delivery).toBe('failed');
  });

  it('replies: stored once per external id, delivery changes only a queued reply, retried when failed', async () => {
    const failedBefore = (await store.leads.replyCounts()).failed ?? 0;
    const lead = await intake('o-1', { email: 'olivia@leads.test', message: 'hi' });
    const draft = {
      leadId: lead.leadId!,
      channelId: 1,
      externalId: 'greeting-1',
      sender: 'Bot',
      text: 'Welcome',
      meta: { telegram: { chatId: 1 } },
      at: at('2026-06-01T12:00:00Z'),
    };
    const reply = await store.leads.addOutbound(draft);
    expect(await store.leads.addOutbound(draft)).toBeUndefined();
    expect((await store.leads.get(lead.leadId!, ALL))?.updatedAt).toEqual(
      at('2026-06-01T12:00:00Z'),
    );
    expect(await store.leads.queuedBefore(at('2026-06-01T12:00:01Z'), 100)).toContain(reply!.id);
    expect(await store.leads.queuedBefore(at('2026-06-01T11:59:59Z'), 100)).not.toContain(
      reply!.id,
    );
    await store.leads.setMeta(reply!.id, { telegram: { chatId: 1, sentParts: [11] } });
    await store.leads.setDelivery(reply!.id, 'failed', { error: 'refused' });
    expect(await store.leads.message(reply!.id)).toMatchObject({
      delivery: 'failed',
      meta: { telegram: { chatId: 1, sentParts: [11] }, error: 'refused' },
    });
    // Not queued any more: a late answer from the worker changes nothing.
    await store.leads.setDelivery(reply!.id, 'sent', { late: true });
    expect((await store.leads.message(reply!.id))?.delivery).toBe('failed');
    expect(await store.leads.replyCounts()).toMatchObject({ failed: failedBefore + 1 });
    expect(await store.leads.requeueReply(reply!.id)).toBe(true);
    expect(await store.leads.requeueReply(reply!.id)).toBe(false);
    expect((await store.leads.message(reply!.id))?.delivery).toBe('queued');
    expect(await store.leads.lastInboundOn(lead.leadId!, ['email', 'telegram'])).toBeUndefined();
    const route = await store.leads.lastInboundOn(lead.leadId!, ['api']);
    expect(route?.message.externalId).toBe('o-1');
    expect(route?.channel).toMatchObject({ id: 1, kind: 'api', operatorIds: [] });
  });

  it('activities: created, listed soonest first, completed once', async () => {
    const lead = await intake('a-1', { email: 'act@leads.test' });
    const later = await store.activities.create(
      {
        leadId: lead.leadId!,
        kind: 'meeting',
        subject: 'Visit',
        dueAt: at('2026-07-02T10:00:00Z'),
        responsibleId: null,
      },
      at('2026-06-01T00:00:00Z'),
    );
    const sooner = await store.activities.create(
      {
        leadId: lead.leadId!,
        kind: 'task',
        subject: 'Quote',
        dueAt: at('2026-07-01T10:00:00Z'),
        responsibleId: null,
      },
      at('2026-06-01T00:00:00Z'),
    );
    expect(later).toMatchObject({
      status: 'open',
      completedAt: null,
      identityKey: null,
      inboxId: null,
    });
    expect(
      (await store.activities.list({ leadId: lead.leadId!, limit: 10 })).map((a) => a.id),
    ).toEqual([sooner.id, later.id]);
    expect(
      (
        await store.activities.list({
          leadId: lead.leadId!,
          dueBefore: at('2026-07-01T12:00:00Z'),
          limit: 10,
        })
      ).map((a) => a.id),
    ).toEqual([sooner.id]);
    const done = await store.activities.complete(sooner.id, at('2026-07-01T11:00:00Z'));
    expect(done).toMatchObject({ status: 'done', completedAt: at('2026-07-01T11:00:00Z') });
    expect(await store.activities.complete(sooner.id, at('2026-07-09T00:00:00Z'))).toMatchObject({
      completedAt: at('2026-07-01T11:00:00Z'),
    });
    expect(await store.activities.complete(987_654, new Date())).toBeUndefined();
    expect((await store.activities.list({ status: 'done', limit: 10 })).map((a) => a.id)).toEqual([
      sooner.id,
    ]);
    expect(
      await count(test, sql`SELECT count(*) AS n FROM activities WHERE status = 'open'`),
    ).toBeGreaterThan(0);
  });
});

function at(iso: string): Date {
  return new Date(iso);
}
