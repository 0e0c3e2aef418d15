import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  checkEventPatterns,
  hears,
  judgeAttempt,
  payloadOf,
  settleAttempt,
  signedHeaders,
} from '../../../../core/webhooks/rules.ts';

const now = new Date('2026-12-07T10:00:00.000Z');
const DAY = 86_400_000;
const settings = {
  retryScheduleMs: [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000],
  disableAfterMs: 5 * DAY,
};

describe('which events a subscription hears of', () => {
  it.each([
    [['*'], 'message.received', true],
    [['lead.*'], 'lead.stage_changed', true],
    [['lead.*'], 'client.created', false],
    [['lead.created'], 'lead.created', true],
    [['lead.created'], 'lead.created_extra', false],
    [['lead.*'], 'leads.created', false],
  ])('%j hears %s: %s', (patterns, type, expected) => {
    expect(hears(patterns, type)).toBe(expected);
  });

  it('takes known types, families and everything, once each; refuses the rest with a reason', () => {
    expect(checkEventPatterns(['lead.created', 'lead.*', '*', 'lead.created'])).toEqual({
      ok: true,
      events: ['lead.created', 'lead.*', '*'],
    });
    expect(checkEventPatterns([])).toMatchObject({ ok: false });
    expect(checkEventPatterns('lead.created')).toMatchObject({ ok: false });
    expect(checkEventPatterns(['lead.exploded'])).toMatchObject({
      ok: false,
      reason: expect.stringContaining('"lead.exploded" is no event'),
    });
    expect(checkEventPatterns(['robots.*'])).toMatchObject({ ok: false });
    expect(checkEventPatterns([42])).toMatchObject({ ok: false });
  });
});

describe('what an attempt means', () => {
  it('delivers on any 2xx, and ends the failing streak', () => {
    for (const status of [200, 201, 204, 299]) {
      const verdict = judgeAttempt({ status }, 3, now, settings);
      expect(verdict).toEqual({ status: 'delivered', nextAt: null, disable: null, retire: null });
      expect(settleAttempt(verdict, new Date(now.getTime() - DAY), now).failingSince).toBeNull();
    }
  });

  it('tries again on the schedule: seven retries, eight attempts in all', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7].map((attempt) => {
      const verdict = judgeAttempt({ status: 500 }, attempt, now, settings);
      expect(verdict.status).toBe('pending');
      return verdict.nextAt!.getTime() - now.getTime();
    });
    expect(delays).toEqual(settings.retryScheduleMs);
    expect(judgeAttempt({ status: 500 }, 8, now, settings)).toMatchObject({
      status: 'failed',
      nextAt: null,
    });
    // No answer at all (a timeout, a refused target) is a failure like a 5xx; so is a 3xx.
    expect(judgeAttempt({ status: null, error: 'timeout' }, 1, now, settings).status).toBe(
      'pending',
    );
    expect(judgeAttempt({ status: 302 }, 1, now, settings).status).toBe('pending');
  });

  it('410 Gone turns the subscription off at once', () => {
    expect(judgeAttempt({ status: 410 }, 1, now, settings)).toEqual({
      status: 'failed',
      nextAt: null,
      disable: 'the receiver answered 410 Gone',
      retire: null,
    });
  });

  it('turns a subscription off when its streak began five days before a failure, not a moment later', () => {
    const verdict = judgeAttempt({ status: 503 }, 2, now, settings);
    expect(verdict.retire).toEqual({
      before: new Date(now.getTime() - 5 * DAY),
      reason: 'every delivery failed for 5 days',
    });
    const justUnder = settleAttempt(verdict, new Date(now.getTime() - 5 * DAY + 1), now);
    expect(justUnder).toMatchObject({ status: 'pending', disable: null });
    const fiveDays = settleAttempt(verdict, new Date(now.getTime() - 5 * DAY), now);
    expect(fiveDays).toEqual({
      status: 'failed',
      nextAt: null,
      failingSince: new Date(now.getTime() - 5 * DAY),
      disable: 'every delivery failed for 5 days',
    });
    // A first failure starts the streak now.
    expect(settleAttempt(verdict, null, now)).toMatchObject({ failingSince: now, disable: null });
    expect(
      judgeAttempt({ status: 503 }, 1, now, { ...settings, disableAfterMs: 36 * 3_600_000 }).retire
        ?.reason,
    ).toBe('every delivery failed for 36 hours');
  });
});

describe('what is sent', () => {
  const event = {
    id: 4711,
    type: 'lead.created',
    leadId: 42,
    payload: { type: 'simple', source: 'API' },
    createdAt: now,
  };

  it('a versioned payload with the event as data', () => {
    expect(JSON.parse(payloadOf(event))).toEqual({
      type: 'lead.created',
      timestamp: '2026-12-07T10:00:00.000Z',
      version: 1,
      data: { eventId: 4711, leadId: 42, type: 'simple', source: 'API' },
    });
  });

  it('signed so that a Standard Webhooks receiver verifies it, and no other secret does', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const at = new Date();
    const body = payloadOf(event);
    const headers = signedHeaders(secret, 'evt_4711', at, body);
    expect(headers['webhook-id']).toBe('evt_4711');
    expect(headers['webhook-timestamp']).toBe(String(Math.floor(at.getTime() / 1000)));
    expect(new Webhook(secret).verify(body, headers)).toMatchObject({ type: 'lead.created' });
    expect(() =>
      new Webhook('whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=').verify(body, headers),
    ).toThrow();
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow();
  });
});
