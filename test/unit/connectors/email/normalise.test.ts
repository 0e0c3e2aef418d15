import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { InboundMessage } from '../../../../core/inbound.ts';
import { composeReply } from '../../../../connectors/email/compose.ts';
import { normaliseEmail } from '../../../../connectors/email/normalise.ts';
import { parseEmail } from '../../../../connectors/email/parse.ts';
import type { ParsedEmail } from '../../../../connectors/email/parsed.ts';
import { parse } from './fixtures.ts';

/** Where an operator's reply to the message goes (the stored message's meta, as the outbox reads it). */
const answeredAt = (message: InboundMessage) =>
  composeReply({ externalId: message.externalId, meta: message.meta ?? {} }, 1)?.to;

const fixturePath = (name: string) => new URL(`../../../fixtures/email/${name}`, import.meta.url);

const RECEIVED_AT = '2026-11-24T12:00:00.000Z';
const context = {
  externalId: 'inbox-external-id',
  defaultCountry: 'ES',
  receivedAt: RECEIVED_AT,
};

async function parsedFixture(name: string): Promise<ParsedEmail> {
  const eml = readFileSync(new URL(`../../../fixtures/email/${name}`, import.meta.url));
  return parseEmail(eml, {
    maxAttachmentBytes: 1024 * 1024,
    storeAttachment: async (content) => createHash('sha256').update(content).digest('hex'),
  });
}

/** A parsed email with only what a test cares about filled in. */
function parsed(overrides: Partial<ParsedEmail>): ParsedEmail {
  return {
    messageId: 'm1@example.com',
    from: { address: 'ana@example.com', name: 'Ana' },
    replyTo: null,
    to: [{ address: 'sales@shop.example' }],
    cc: [],
    subject: 'Hello',
    date: '2026-11-24T10:00:00.000Z',
    inReplyTo: null,
    references: [],
    text: 'Hi',
    reply: 'Hi',
    html: null,
    attachments: [],
    automated: null,
    ...overrides,
  };
}

describe('normaliseEmail', () => {
  it('turns a customer email into an inbound message', async () => {
    const message = normaliseEmail(await parsedFixture('plain.eml'), context);
    expect(message).toMatchObject({
      externalId: 'inbox-external-id',
      source: 'EMAIL',
      sentAt: new Date('2026-11-24T09:12:03.000Z'),
      identities: [
        { kind: 'email', key: 'email:ana.perez@example.com', raw: 'Ana.Perez@Example.com' },
      ],
      unrecognised: [],
      threadRefs: [],
      sender: { name: 'Ana Pérez' },
      title: 'Price for 20 oak chairs',
      fields: {},
      utm: {},
      attachments: [],
    });
    expect(message.text).toContain('20 oak chairs delivered to Málaga');
    expect(message).not.toHaveProperty('automated');
    expect(message).not.toHaveProperty('leadToken');
    expect(message.meta?.email).toMatchObject({
      messageId: 'CAF=plain.4711@mail.example.com',
      from: { address: 'Ana.Perez@Example.com', name: 'Ana Pérez' },
      to: [{ address: 'sales@shop.example', name: 'Leadwire Shop' }],
      subject: 'Price for 20 oak chairs',
      date: '2026-11-24T09:12:03.000Z',
      html: null,
    });
  });

  it('shows only the new words in the chat and keeps the whole text in meta', async () => {
    const message = normaliseEmail(await parsedFixture('reply-thread.eml'), context);
    expect(message.text).toBe(
      'Yes, please send them to the new address: Calle Mayor 5, Madrid.\nTuesday morning works best.',
    );
    expect((message.meta?.email as { text: string }).text).toContain('> Hello Ana,');
    expect(message.threadRefs).toEqual([
      'lw.out-123@mail.example.com',
      'CAF=plain.4711@mail.example.com',
    ]);
    expect(message.leadToken).toBe(42);
  });

  it('answers the Reply-To address, not the website that sent the mail', async () => {
    const message = normaliseEmail(await parsedFixture('reply-to.eml'), context);
    expect(message.identities).toEqual([
      { kind: 'email', key: 'email:carla.gomez@example.org', raw: 'Carla.Gomez+web@Example.org' },
    ]);
    expect(message.sender).toEqual({ name: 'Carla Gómez' });
  });

  it('falls back to From when Reply-To is not an address, and says why', () => {
    const message = normaliseEmail(
      parsed({ replyTo: { address: 'not an address', name: 'Web' } }),
      context,
    );
    expect(message.identities.map((identity) => identity.key)).toEqual(['email:ana@example.com']);
    expect(message.unrecognised).toEqual([
      { kind: 'email', raw: 'not an address', reason: 'not an email address' },
    ]);
    expect(message.sender).toEqual({ name: 'Ana' });
  });

  it('leaves a message nobody can be answered on without identities, without throwing', () => {
    const message = normaliseEmail(parsed({ from: null }), context);
    expect(message.identities).toEqual([]);
    expect(message.sender).toEqual({});
    expect(message).not.toHaveProperty('automated');
  });

  it('keeps the forwarder as the sender of a forward', async () => {
    const message = normaliseEmail(await parsedFixture('forward.eml'), context);
    expect(message.identities.map((identity) => identity.key)).toEqual([
      'email:bob@partner.example',
    ]);
    expect(message.sender).toEqual({ name: 'Bob Smith' });
    expect(message.text).toContain('I need 20 chairs by December.');
    expect(message).not.toHaveProperty('automated');
  });

  it('copies the automated verdict, with the bounced Message-ID', async () => {
    const bounce = normaliseEmail(await parsedFixture('dsn-bounce.eml'), context);
    expect(bounce.automated).toEqual({
      reason: 'delivery status report',
      delivery: { of: 'lw.out-123@mail.example.com', status: 'undelivered' },
    });
    const away = normaliseEmail(await parsedFixture('out-of-office.eml'), context);
    expect(away.automated).toEqual({ reason: 'Auto-Submitted: auto-replied' });
    expect(away.leadToken).toBe(42);
  });

  it('maps attachments to references and lists the inline ones in meta', async () => {
    const message = normaliseEmail(await parsedFixture('multipart-attachments.eml'), context);
    expect(message.attachments?.map((file) => file.filename)).toEqual([
      'logo.png',
      'plano-salón.pdf',
      'room.png',
    ]);
    expect(message.attachments?.[0]).not.toHaveProperty('inline');
    expect(message.attachments?.[1]?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((message.meta?.email as { inline: string[] }).inline).toEqual(['logo.png']);

    const skipped = normaliseEmail(
      parsed({
        attachments: [
          {
            filename: 'big.zip',
            contentType: 'application/zip',
            size: 9e7,
            sha256: null,
            skipped: 'larger than the 25 MB limit',
          },
        ],
      }),
      context,
    );
    expect(skipped.attachments).toEqual([
      {
        filename: 'big.zip',
        contentType: 'application/zip',
        size: 9e7,
        sha256: null,
        skipped: 'larger than the 25 MB limit',
      },
    ]);
  });

  it.each([
    [
      'a Date header a few hours ahead (clock skew)',
      '2026-11-24T18:00:00.000Z',
      '2026-11-24T18:00:00.000Z',
    ],
    ['a Date header days ahead', '2026-11-27T12:00:00.000Z', RECEIVED_AT],
    ['no usable Date header', null, RECEIVED_AT],
  ])('sentAt with %s', (_, date, expected) => {
    expect(normaliseEmail(parsed({ date }), context).sentAt).toEqual(new Date(expected));
  });

  it.each([
    ['Re: Your order [#L42]', 42],
    ['[#L7] and [#L8]', 7],
    ['Order #L42 (no brackets)', undefined],
    ['[#L0]', undefined],
    ['[#L]', undefined],
  ])('lead token of %s', (subject, token) => {
    expect(normaliseEmail(parsed({ subject }), context).leadToken).toBe(token);
  });

  it('titles a message without subject', () => {
    expect(normaliseEmail(parsed({ subject: '' }), context).title).toBe('(no subject)');
  });

  it('de-duplicates thread references, In-Reply-To first', () => {
    const message = normaliseEmail(
      parsed({ inReplyTo: 'b@x', references: ['a@x', 'b@x', 'c@x'] }),
      context,
    );
    expect(message.threadRefs).toEqual(['b@x', 'a@x', 'c@x']);
  });

  it('carries the size note of a truncated message', () => {
    const note = 'This message (31.2 MB) is over the 25 MB limit; only its headers were stored.';
    const message = normaliseEmail(
      parsed({ text: note, reply: note, truncated: { size: 32_715_571, limit: 26_214_400 } }),
      context,
    );
    expect(message.text).toBe(note);
    expect((message.meta?.email as { truncated: unknown }).truncated).toEqual({
      size: 32_715_571,
      limit: 26_214_400,
    });
  });
});

describe('normaliseEmail: who wrote when Reply-To is someone else', () => {
  const keys = (message: { identities: { key: string }[] }) =>
    message.identities.map((identity) => identity.key);

  it('keeps both people: From names the lead, Reply-To is an identity too and gets the replies', async () => {
    const message = normaliseEmail(
      await parse(readFileSync(fixturePath('reply-to-person.eml'))),
      context,
    );
    expect(keys(message)).toEqual([
      'email:m.silva@construtora-silva.example',
      'email:marta.silva@example.pt',
    ]);
    expect(message.sender).toEqual({ name: 'Marta Silva' });
    expect((message.meta?.email as { replyAddress: string }).replyAddress).toBe(
      'marta.silva@example.pt',
    );
    expect(answeredAt(message)).toBe('marta.silva@example.pt');
  });

  it('so the same person writing again without Reply-To shares an identity with the lead', async () => {
    const first = normaliseEmail(
      await parse(readFileSync(fixturePath('reply-to-person.eml'))),
      context,
    );
    const again = normaliseEmail(
      parsed({ from: { address: 'M.Silva@construtora-silva.example', name: 'Marta Silva' } }),
      context,
    );
    expect(keys(again)).toEqual(['email:m.silva@construtora-silva.example']);
    expect(keys(first)).toContain(keys(again)[0]);
  });

  it.each([
    ['a site mailbox under the visitor’s name', 'Carla Gómez', 'forms@shop.example'],
    ['a site mailbox under the site’s name', 'Shop Website', 'website@shop.example'],
    ['a CRM sending on the visitor’s behalf', 'Carla Gómez via Shop', 'info@crm-mailer.example'],
  ])('keeps %s out of the identities: every visitor would share it', (_, name, address) => {
    const visitor = (who: string) =>
      normaliseEmail(
        parsed({
          from: { address, name },
          replyTo: { address: `${who}@example.org`, name: 'Carla Gómez' },
        }),
        context,
      );
    expect(keys(visitor('carla'))).toEqual(['email:carla@example.org']);
    expect(keys(visitor('bob'))).toEqual(['email:bob@example.org']);
    expect(answeredAt(visitor('carla'))).toBe('carla@example.org');
  });

  it('keeps a colleague at the same domain as an identity too', () => {
    const message = normaliseEmail(
      parsed({
        from: { address: 'director@construtora.example', name: 'Rui Costa' },
        replyTo: { address: 'assistente@construtora.example', name: 'Inês (assistente)' },
      }),
      context,
    );
    expect(keys(message)).toEqual([
      'email:director@construtora.example',
      'email:assistente@construtora.example',
    ]);
    expect(answeredAt(message)).toBe('assistente@construtora.example');
  });

  it('names one identity once when Reply-To is the same address', () => {
    const message = normaliseEmail(
      parsed({ replyTo: { address: 'ANA@example.com', name: 'Ana (work)' } }),
      context,
    );
    expect(keys(message)).toEqual(['email:ana@example.com']);
    expect(message.sender).toEqual({ name: 'Ana' });
  });

  it('ignores a no-reply Reply-To: nobody to answer there', () => {
    const message = normaliseEmail(
      parsed({ replyTo: { address: 'noreply@tool.example', name: 'Tool' } }),
      context,
    );
    expect(keys(message)).toEqual(['email:ana@example.com']);
    expect((message.meta?.email as { replyAddress: string }).replyAddress).toBe('ana@example.com');
  });

  it.each([
    ['a no-reply sender', 'no-reply', 'no-reply@shop.example'],
    [
      'the channel’s own address (a website sending as the shop)',
      'own-address',
      'sales@shop.example',
    ],
    ['a form mailer the channel lists', 'form-mailer', 'forms@shop.example'],
  ] as const)(
    'when From is %s, the Reply-To person alone names the lead',
    (_, fromRole, address) => {
      const message = normaliseEmail(
        parsed({
          from: { address, name: 'Shop Website' },
          fromRole,
          replyTo: { address: 'carla@example.org', name: 'Carla Gómez' },
        }),
        context,
      );
      expect(keys(message)).toEqual(['email:carla@example.org']);
      expect(message.sender).toEqual({ name: 'Carla Gómez' });
      expect(answeredAt(message)).toBe('carla@example.org');
    },
  );

  it('takes the group out of a Google Groups post to the channel’s own group address', async () => {
    const eml = readFileSync(fixturePath('google-group.eml'));
    const own = {
      humanSenders: ['ventas@shop.example'],
      ownIdentityKeys: ['email:ventas@shop.example'],
    };
    const message = normaliseEmail(await parse(eml, own), context);
    expect(message).not.toHaveProperty('automated');
    expect(keys(message)).toEqual(['email:ana.perez@example.com']);
    expect(message.sender).toEqual({ name: 'Ana Pérez' });
  });

  it('finds the customer in the text of a listed form mailer that has no Reply-To', async () => {
    const eml = readFileSync(fixturePath('form-mailer-body.eml'));
    const message = normaliseEmail(
      await parse(eml, { humanSenders: ['noreply@shop.example'] }),
      context,
    );
    expect(message).not.toHaveProperty('automated');
    expect(keys(message)).toEqual(['email:lucia.fernandez@example.es']);
    expect(message.sender).toEqual({ name: 'Lucía Fernández' });
    expect(answeredAt(message)).toBe('lucia.fernandez@example.es');
  });

  it('keeps From for a listed form mailer whose text names nobody', () => {
    const message = normaliseEmail(
      parsed({
        from: { address: 'noreply@shop.example', name: 'Shop Website' },
        fromRole: 'form-mailer',
        text: 'Someone asked for a callback.',
      }),
      context,
    );
    expect(keys(message)).toEqual(['email:noreply@shop.example']);
  });
});
