/** Callback requests end to end: the promise made, the call activity, the event, and the lead. */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CALLBACK_WIDGET,
  CONTACT_FORM,
  createCallbackWidget,
  createForm,
  postForm,
  renderToken,
} from '../helpers/site.ts';
import { addUser } from '../helpers/rows.ts';
import { api, startSystem, waitFor, type TestSystem } from '../helpers/system.ts';

let system: TestSystem;
let operatorId: number;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  system = await startSystem({ label: 'callback', env: { FORM_MIN_FILL_MS: '0' } });
  await system.startInProcessWorker();
  operatorId = (await addUser(system, { name: 'Olga Operator', email: 'olga@example.com' })).id;
  await createCallbackWidget(system, { ...CALLBACK_WIDGET, operatorIds: [operatorId] });
});
afterAll(() => system.close());

async function request(fields: Record<string, string>, slug = 'call-me') {
  const lw_token = await renderToken(system, `/cb/${slug}`);
  return postForm(system, `/cb/${slug}`, { ...fields, lw_token }, { json: true });
}

async function processed(inboxId: number) {
  const call = api(system);
  await waitFor(
    `inbox ${inboxId}`,
    async () => (await call('GET', `/api/v1/inbox/${inboxId}`)).body.status !== 'pending',
  );
  return (await call('GET', `/api/v1/inbox/${inboxId}`)).body as { leadId: number; status: string };
}

const lead = async (id: number) => (await api(system)('GET', `/api/v1/leads/${id}`)).body;

describe('callback requests', () => {
  it('promises a call within the delay, creates the call activity for the responsible and announces it', async () => {
    const before = Date.now();
    const posted = await request({ phone: '600 111 222', name: 'Luis', comment: 'About my order' });
    expect(posted.status).toBe(202);
    expect(posted.json().message).toBe('Thank you! We will call you within 15 minutes.');
    const row = await processed(posted.json().inboxId as number);
    const created = await lead(row.leadId);
    expect(created).toMatchObject({
      source: 'CALLBACK',
      name: 'Luis',
      responsibleId: operatorId,
      title: 'Call me back: Luis',
    });
    expect(created.identities).toEqual([expect.objectContaining({ key: 'phone:+34600111222' })]);
    expect(created.messages[0].text).toBe(
      'Please call me back: +34 600 11 12 22, within 15 minutes.\n\nAbout my order',
    );
    expect(created.activities).toHaveLength(1);
    const [activity] = created.activities;
    expect(activity).toMatchObject({
      kind: 'call',
      subject: 'Call back +34 600 11 12 22',
      status: 'open',
      responsibleId: operatorId,
    });
    const due = new Date(activity.dueAt).getTime();
    expect(due).toBeGreaterThanOrEqual(before + 15 * 60_000);
    expect(due).toBeLessThan(Date.now() + 15 * 60_000 + 1000);
    const events = (await api(system)('GET', '/api/v1/events?type=callback.requested')).body.events;
    expect(events.at(-1)).toMatchObject({
      type: 'callback.requested',
      leadId: row.leadId,
      payload: {
        phone: '+34600111222',
        activityId: activity.id,
        repeated: false,
        promise: 'within 15 minutes',
        widget: 'call-me',
      },
    });
  });

  it('adds a second request while the call is open as a message, not a second activity', async () => {
    const first = await processed(
      (await request({ phone: '+34 600 333 444' })).json().inboxId as number,
    );
    const second = await processed(
      (await request({ phone: '600333444', comment: 'Still waiting' })).json().inboxId as number,
    );
    expect(second.leadId).toBe(first.leadId);
    const both = await lead(first.leadId);
    expect(both.messages).toHaveLength(2);
    expect(both.activities).toHaveLength(1);
    const events = (
      await api(system)('GET', '/api/v1/events?type=callback.requested')
    ).body.events.filter((event: { leadId: number }) => event.leadId === first.leadId);
    expect(
      events.map((event: { payload: { repeated: boolean } }) => event.payload.repeated),
    ).toEqual([false, true]);

    // Once the call is done, a new request asks for a new call.
    const done = await api(system)('POST', `/api/v1/activities/${both.activities[0].id}/complete`);
    expect(done.body).toMatchObject({ status: 'done', completedAt: expect.any(String) });
    await processed((await request({ phone: '600333444' })).json().inboxId as number);
    expect((await lead(first.leadId)).activities.map((a: { status: string }) => a.status)).toEqual([
      'done',
      'open',
    ]);
  });

  it('brings an open call forward when a repeat request is promised sooner, never back', async () => {
    const tomorrow = DateTime.now()
      .setZone('Europe/Madrid')
      .plus({ days: 1 })
      .set({ hour: 11, minute: 0 });
    const first = await processed(
      (
        await request({
          phone: '600 999 111',
          preferredTime: tomorrow.toFormat("yyyy-LL-dd'T'HH:mm"),
        })
      ).json().inboxId as number,
    );
    const dueOf = async () => new Date((await lead(first.leadId)).activities[0].dueAt).getTime();
    expect(await dueOf()).toBe(tomorrow.set({ second: 0, millisecond: 0 }).toMillis());
    await processed((await request({ phone: '600999111' })).json().inboxId as number);
    const sooner = await dueOf();
    expect(sooner).toBeLessThan(Date.now() + 15 * 60_000 + 1000);
    await processed(
      (
        await request({
          phone: '600999111',
          preferredTime: tomorrow.toFormat("yyyy-LL-dd'T'HH:mm"),
        })
      ).json().inboxId as number,
    );
    expect(await dueOf()).toBe(sooner);
    expect((await lead(first.leadId)).activities).toHaveLength(1);
  });

  it('lists activities by responsible, status and due time', async () => {
    const call = api(system);
    const open = (await call('GET', `/api/v1/activities?responsibleId=${operatorId}&status=open`))
      .body.activities;
    expect(open.length).toBeGreaterThanOrEqual(2);
    expect(
      open.every(
        (a: { status: string; responsibleId: number }) =>
          a.status === 'open' && a.responsibleId === operatorId,
      ),
    ).toBe(true);
    const soon = new Date(Date.now() + 60_000).toISOString();
    expect((await call('GET', `/api/v1/activities?due_before=${soon}`)).body.activities).toEqual(
      [],
    );
    const later = new Date(Date.now() + 3_600_000).toISOString();
    expect(
      (await call('GET', `/api/v1/activities?due_before=${later}&status=open`)).body.activities,
    ).toHaveLength(open.length);
    expect((await call('GET', '/api/v1/activities?status=maybe')).status).toBe(400);
    expect((await call('POST', '/api/v1/activities/99999/complete')).status).toBe(404);
  });

  it('lets an operator plan a meeting on a lead, for the lead’s responsible by default', async () => {
    const call = api(system);
    const [open] = (await call('GET', '/api/v1/activities?status=open')).body.activities;
    const dueAt = new Date(Date.now() + 86_400_000).toISOString();
    const created = await call('POST', '/api/v1/activities', {
      leadId: open.leadId,
      kind: 'meeting',
      subject: 'Show the showroom',
      dueAt,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      kind: 'meeting',
      status: 'open',
      responsibleId: operatorId,
      dueAt,
    });
    expect((await lead(open.leadId)).activities.map((a: { kind: string }) => a.kind)).toContain(
      'meeting',
    );
    const bad = await call('POST', '/api/v1/activities', {
      leadId: 99999,
      kind: 'party',
      subject: '',
      dueAt: 'soon',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: { path: string }) => d.path)).toEqual([
      'kind',
      'subject',
      'dueAt',
    ]);
    const noLead = await call('POST', '/api/v1/activities', {
      leadId: 99999,
      kind: 'task',
      subject: 'x',
      dueAt,
    });
    expect(noLead.status).toBe(422);
  });

  it('rejects a phone that cannot be called, with the error on the field', async () => {
    const posted = await request({ phone: '12', name: '<b>x</b>' });
    expect(posted.status).toBe(422);
    expect(posted.json().errors).toEqual([
      {
        field: 'phone',
        message:
          'Please enter a phone number we can call, with its country code if it is not local.',
      },
    ]);
    expect(posted.json().fragment).toContain('value="&lt;b&gt;x&lt;/b&gt;"');
  });

  it('keeps a preferred time when it is in opening hours, and explains when it is not', async () => {
    const zone = 'Europe/Madrid';
    const tomorrow = DateTime.now()
      .setZone(zone)
      .plus({ days: 1 })
      .set({ hour: 11, minute: 30, second: 0, millisecond: 0 });
    await createCallbackWidget(system, {
      ...CALLBACK_WIDGET,
      slug: 'office-hours',
      hours: { [tomorrow.toFormat('ccc').toLowerCase()]: [{ from: '09:00', to: '18:00' }] },
    });
    const late = await request(
      {
        phone: '600555666',
        preferredTime: tomorrow.set({ hour: 20 }).toFormat("yyyy-LL-dd'T'HH:mm"),
      },
      'office-hours',
    );
    expect(late.status).toBe(422);
    expect(late.json().errors[0]).toMatchObject({
      field: 'preferredTime',
      message: expect.stringContaining('We are closed at that time'),
    });
    const past = await request(
      { phone: '600555666', preferredTime: '2020-01-01T10:00' },
      'office-hours',
    );
    expect(past.status).toBe(422);

    const chosen = await request(
      { phone: '600555666', preferredTime: tomorrow.toFormat("yyyy-LL-dd'T'HH:mm") },
      'office-hours',
    );
    expect(chosen.json().message).toBe(
      'Thank you! We will call you at 11:30 tomorrow, as you asked.',
    );
    const row = await processed(chosen.json().inboxId as number);
    const [activity] = (await lead(row.leadId)).activities;
    expect(new Date(activity.dueAt).toISOString()).toBe(tomorrow.toUTC().toISO());
  });

  it('outside working hours promises the next opening', async () => {
    const zone = 'Asia/Tokyo';
    const inThreeDays = DateTime.now().setZone(zone).plus({ days: 3 });
    await createCallbackWidget(system, {
      ...CALLBACK_WIDGET,
      slug: 'closed-now',
      timeZone: zone,
      hours: { [inThreeDays.toFormat('ccc').toLowerCase()]: [{ from: '09:00', to: '10:00' }] },
    });
    const posted = await request({ phone: '600777888' }, 'closed-now');
    expect(posted.json().message).toBe(
      `Thank you! We are closed right now; we will call you when we open at 09:00 ${inThreeDays.toFormat('cccc')}.`,
    );
    const row = await processed(posted.json().inboxId as number);
    const [activity] = (await lead(row.leadId)).activities;
    expect(new Date(activity.dueAt).toISOString()).toBe(
      inThreeDays.set({ hour: 9, minute: 0, second: 0, millisecond: 0 }).toUTC().toISO(),
    );
  });
});

describe('one customer, two website channels', () => {
  it('puts a form submission and a later callback request on one lead', async () => {
    await createForm(system, CONTACT_FORM);
    const lw_token = await renderToken(system, '/f/contact');
    await pause(10);
    const form = await postForm(
      system,
      '/f/contact',
      {
        name: 'Marta',
        email: 'marta@example.com',
        phone: '+34 611 000 111',
        terms: 'yes',
        message: 'Price list please',
        lw_token,
      },
      { json: true },
    );
    const first = await processed(form.json().inboxId as number);
    const callback = await processed(
      (await request({ phone: '611000111', name: 'Marta' })).json().inboxId as number,
    );
    expect(callback.leadId).toBe(first.leadId);
    const merged = await lead(first.leadId);
    expect(merged.source).toBe('WEBFORM');
    expect(merged.messages.map((m: { text: string }) => m.text.split('\n')[0])).toEqual([
      'Price list please',
      'Please call me back: +34 611 00 01 11, within 15 minutes.',
    ]);
    expect(merged.activities).toEqual([
      expect.objectContaining({ subject: 'Call back +34 611 00 01 11' }),
    ]);
  });
});
