import { describe, expect, it } from 'vitest';
import { ALTERNATIVE_BODY_TYPES } from '../../../../connectors/email/attachments.ts';
import { normaliseEmail } from '../../../../connectors/email/normalise.ts';
import { fixture, fixtureText, parse } from './fixtures.ts';

const context = {
  externalId: 'inbox-external-id',
  defaultCountry: 'ES',
  receivedAt: '2026-11-24T12:00:00.000Z',
};

describe('other renderings of the body', () => {
  it('does not list an Apple Watch rendering as an attachment', async () => {
    const parsed = await parse(fixture('watch-html.eml'));
    expect(parsed.text).toBe(
      'Hola, os mando la foto del rincón. ¿Cabía una estantería de 2 metros?\n\nLaura',
    );
    expect(parsed.attachments.map((file) => file.filename)).toEqual(['IMG_2231.png']);
  });

  it('does not list an AMP rendering as an attachment', async () => {
    const parsed = await parse(fixture('amp.eml'));
    expect(parsed.attachments).toEqual([]);
    expect(parsed.html).toContain('40 cojines a juego');
  });

  it.each(ALTERNATIVE_BODY_TYPES.map((rule) => [rule.contentType, rule.source]))(
    '%s beside the text is the body again, not a file (%s)',
    async (contentType) => {
      const eml = fixtureText('watch-html.eml').replace(
        'Content-Type: text/watch-html;',
        `Content-Type: ${contentType};`,
      );
      expect((await parse(eml)).attachments.map((file) => file.filename)).toEqual(['IMG_2231.png']);
    },
  );

  it('keeps a file of such a type that the sender attached by name', async () => {
    const eml = fixtureText('watch-html.eml').replace(
      'Content-Type: text/watch-html;\n\tcharset=us-ascii',
      'Content-Type: text/enriched; charset=us-ascii\nContent-Disposition: attachment; filename="notes.txt"',
    );
    expect((await parse(eml)).attachments.map((file) => file.filename)).toEqual([
      'notes.txt',
      'IMG_2231.png',
    ]);
  });

  it('keeps the rendering when it is the only body there is, so nothing is lost', async () => {
    const eml = [
      'From: Old Mac <old@example.com>',
      'To: sales@shop.example',
      'Subject: enriched only',
      'Content-Type: text/enriched; charset=us-ascii',
      '',
      '<bold>Twenty</bold> oak chairs, please.',
    ].join('\n');
    const parsed = await parse(eml);
    expect(parsed.attachments).toMatchObject([{ contentType: 'text/enriched' }]);
  });
});

describe('inline images', () => {
  it('keep their Content-ID, and it reaches the message meta for a viewer', async () => {
    const parsed = await parse(fixture('watch-html.eml'));
    expect(parsed.attachments).toEqual([
      {
        filename: 'IMG_2231.png',
        contentType: 'image/png',
        size: 74,
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        inline: true,
        cid: '5E0F1A2B-3C4D-4E5F-8A6B-7C8D9E0F1A2B',
      },
    ]);
    expect(parsed.html).toContain('src="cid:5E0F1A2B-3C4D-4E5F-8A6B-7C8D9E0F1A2B"');
    const message = normaliseEmail(parsed, context);
    expect((message.meta?.email as { contentIds: unknown }).contentIds).toEqual([
      {
        cid: '5E0F1A2B-3C4D-4E5F-8A6B-7C8D9E0F1A2B',
        filename: 'IMG_2231.png',
        sha256: parsed.attachments[0]?.sha256,
      },
    ]);
  });

  it('lists no Content-IDs for a message without any', async () => {
    const message = normaliseEmail(await parse(fixture('raw-8bit-filenames.eml')), context);
    expect(message.meta?.email).not.toHaveProperty('contentIds');
  });
});
