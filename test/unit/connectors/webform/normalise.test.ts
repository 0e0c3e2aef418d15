import { describe, expect, it } from 'vitest';
import { MalformedInputError } from '../../../../core/errors.ts';
import { normaliseWebform } from '../../../../connectors/webform/normalise.ts';

const raw = {
  kind: 'webform',
  country: 'ES',
  formId: 3,
  slug: 'contact',
  title: 'Contact us',
  submissionId: 'abc',
  receivedAt: '2026-11-24T10:00:00.000Z',
  visit: {
    pageUrl: 'https://shop.example/?utm_source=ads',
    ip: '203.0.113.9',
    utm: { utm_source: 'ads' },
  },
  fields: [
    { key: 'name', label: 'Your name', type: 'text', target: 'name', value: 'Ana' },
    {
      key: 'mail',
      label: 'Email',
      type: 'email',
      target: 'email',
      value: 'Ana.Perez+shop@GMail.com',
    },
    { key: 'tel', label: 'Phone', type: 'phone', target: 'phone', value: '600 123 456' },
    { key: 'size', label: 'Company size', type: 'select', target: 'company_size', value: '10-50' },
    { key: 'msg', label: 'Message', type: 'textarea', target: 'comment', value: 'Call me' },
    { key: 'ref', label: 'Ref', type: 'hidden', target: 'ref', value: 'x1' },
  ],
  files: [
    {
      field: 'cv',
      filename: 'cv.pdf',
      contentType: 'application/pdf',
      size: 2048,
      sha256: null,
      skipped: 'larger than the 1 MB limit',
    },
  ],
  consent: { text: 'I agree', at: '2026-11-24T10:00:00.000Z' },
};

describe('normaliseWebform', () => {
  it('maps fields to identities, the sender, lead fields and a readable first message', () => {
    const message = normaliseWebform(raw, { externalId: 'sub-abc', defaultCountry: undefined });
    expect(message.identities.map((i) => i.key)).toEqual([
      'email:anaperez@gmail.com',
      'phone:+34600123456',
    ]);
    expect(message).toMatchObject({
      externalId: 'sub-abc',
      source: 'WEBFORM',
      sender: { name: 'Ana' },
      title: 'Contact us: Ana',
      utm: { utm_source: 'ads' },
      fields: {
        company_size: '10-50',
        ref: 'x1',
        comment: 'Call me',
        consent: 'I agree (agreed 2026-11-24T10:00:00.000Z)',
      },
    });
    expect(message.text).toBe(
      'Call me\n\nYour name: Ana\nEmail: Ana.Perez+shop@GMail.com\nPhone: 600 123 456\nCompany size: 10-50\n\nAttachment: cv.pdf (not kept: larger than the 1 MB limit)',
    );
    expect(message.attachments).toEqual([
      expect.objectContaining({ filename: 'cv.pdf', sha256: null }),
    ]);
  });

  it('refuses a stored row that is not a submission, and one with no way to answer', () => {
    expect(() =>
      normaliseWebform({ kind: 'webform' }, { externalId: 'x', defaultCountry: 'ES' }),
    ).toThrow(MalformedInputError);
    const unreachable = {
      ...raw,
      fields: [{ key: 'tel', label: 'Phone', type: 'phone', target: 'phone', value: '12' }],
    };
    expect(() => normaliseWebform(unreachable, { externalId: 'x', defaultCountry: 'ES' })).toThrow(
      /no reachable identity/,
    );
  });
});
