import { describe, expect, it } from 'vitest';
import { normaliseCallback } from '../../../../connectors/callback/normalise.ts';

const raw = {
  kind: 'callback',
  country: 'ES',
  formId: 4,
  slug: 'call-me',
  title: 'Call me back',
  submissionId: 's1',
  receivedAt: '2026-11-24T10:00:00.000Z',
  visit: { utm: {} },
  phone: '600 123 456',
  name: 'Luis',
  comment: 'Invoice question',
  due: { at: '2026-11-24T10:15:00.000Z', kind: 'within', text: 'within 15 minutes' },
};

describe('normaliseCallback', () => {
  it('carries the phone identity and the call the customer was promised', () => {
    const message = normaliseCallback(raw, { externalId: 'sub-s1', defaultCountry: undefined });
    expect(message.identities.map((i) => i.key)).toEqual(['phone:+34600123456']);
    expect(message.callback).toEqual({
      identityKey: 'phone:+34600123456',
      display: '+34 600 12 34 56',
      dueAt: new Date('2026-11-24T10:15:00.000Z'),
      promise: 'within 15 minutes',
      widget: 'call-me',
      name: 'Luis',
      comment: 'Invoice question',
    });
    expect(message.text).toBe(
      'Please call me back: +34 600 12 34 56, within 15 minutes.\n\nInvoice question',
    );
    expect(message).toMatchObject({
      source: 'CALLBACK',
      title: 'Call me back: Luis',
      sender: { name: 'Luis' },
    });
  });

  it('refuses a number that cannot be called as unreachable', () => {
    expect(() =>
      normaliseCallback({ ...raw, phone: '123' }, { externalId: 'x', defaultCountry: 'ES' }),
    ).toThrow(expect.objectContaining({ code: 'unreachable' }));
  });
});
