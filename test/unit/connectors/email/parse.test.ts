import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  formatSize,
  parseEmail,
  type ParseEmailOptions,
} from '../../../../connectors/email/parse.ts';
import { extractReply, isForwardSubject } from '../../../../connectors/email/reply.ts';

function fixture(name: string): Buffer {
  return readFileSync(new URL(`../../../fixtures/email/${name}`, import.meta.url));
}

/** A blob store in memory: content by its SHA-256, as the real one names files. */
function memoryStore(maxAttachmentBytes = 10 * 1024 * 1024) {
  const blobs = new Map<string, Buffer>();
  const options: ParseEmailOptions = {
    maxAttachmentBytes,
    async storeAttachment(content) {
      const sha256 = createHash('sha256').update(content).digest('hex');
      blobs.set(sha256, Buffer.from(content));
      return sha256;
    },
  };
  return { blobs, options };
}

async function parse(eml: Buffer | string, maxAttachmentBytes?: number) {
  const { options } = memoryStore(maxAttachmentBytes);
  return parseEmail(Buffer.from(eml), options);
}

/** A fixture with extra header lines in front (a header block may start with any header). */
function withHeaders(name: string, ...lines: string[]): string {
  return `${lines.join('\n')}\n${fixture(name).toString('latin1')}`;
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('parseEmail: headers and bodies', () => {
  it('reads a plain UTF-8 message from a customer', async () => {
    const parsed = await parse(fixture('plain.eml'));
    expect(parsed).toMatchObject({
      messageId: 'CAF=plain.4711@mail.example.com',
      from: { address: 'Ana.Perez@Example.com', name: 'Ana Pérez' },
      replyTo: null,
      to: [{ address: 'sales@shop.example', name: 'Leadwire Shop' }],
      cc: [],
      subject: 'Price for 20 oak chairs',
      date: '2026-11-24T09:12:03.000Z',
      inReplyTo: null,
      references: [],
      html: null,
      attachments: [],
      automated: null,
    });
    expect(parsed.text).toContain('delivered to Málaga before Christmas.');
    expect(parsed.text).toMatch(/^Hello,\n\n.*\n\+34 600 123 456$/s);
    // Nothing quoted, no signature separator: the chat view shows all of it.
    expect(parsed.reply).toBe(parsed.text);
  });

  it('decodes an ISO-8859-1 subject split over two encoded words and a quoted-printable body', async () => {
    const parsed = await parse(fixture('iso-8859-1.eml'));
    expect(parsed.subject).toBe('Información sobre el envío a Logroño');
    expect(parsed.from).toEqual({ address: 'jose.munoz@example.es', name: 'José Muñoz' });
    // The soft line break inside "montaje" is joined again.
    expect(parsed.text).toContain(
      '¿Cuánto cuesta el envío de tres sillas a Logroño? ¿Incluye el montaje?',
    );
  });

  it('decodes a KOI8-R subject, sender name and 8-bit body', async () => {
    const parsed = await parse(fixture('koi8-r.eml'));
    expect(parsed.subject).toBe('Вопрос о доставке заказа');
    expect(parsed.from).toEqual({ address: 'ivan.petrov@example.ru', name: 'Иван Петров' });
    expect(parsed.text).toBe(
      'Здравствуйте!\n\nСколько стоит доставка дивана в Новосибирск?\n\nС уважением,\nИван Петров',
    );
    expect(parsed.date).toBe('2026-11-24T07:05:41.000Z');
  });

  it('decodes UTF-8 encoded words (Japanese, an emoji) and a base64 body', async () => {
    const parsed = await parse(fixture('utf8-headers.eml'));
    expect(parsed.subject).toBe('お見積もりのお願い 🚚');
    expect(parsed.from?.name).toBe('山田太郎');
    expect(parsed.text).toContain('椅子を20脚注文したいです。');
  });

  it('keeps Reply-To apart from From', async () => {
    const parsed = await parse(fixture('reply-to.eml'));
    expect(parsed.from).toEqual({ address: 'no-reply@shop.example', name: 'Shop Website' });
    expect(parsed.replyTo).toEqual({ address: 'Carla.Gomez+web@Example.org', name: 'Carla Gómez' });
  });

  it('gives a message without Message-ID a stable id made from its bytes', async () => {
    const eml = fixture('no-message-id.eml');
    const first = await parse(eml);
    const again = await parse(Buffer.from(eml));
    expect(first.messageId).toBe(`sha256-${sha256(eml)}@leadwire.invalid`);
    expect(again.messageId).toBe(first.messageId);
    const other = await parse(eml.toString('latin1').replace('Saturday', 'Sunday'));
    expect(other.messageId).not.toBe(first.messageId);
  });

  it('reads thread ids a sender wrote without brackets or with a comment', async () => {
    const parsed = await parse(
      withHeaders(
        'plain.eml',
        "In-Reply-To: lw.out-5@mail.example.com (Ana's message of Tuesday)",
        'References: <first@x.example>\n <no-domain-id> <lw.out-5@mail.example.com>',
      ),
    );
    expect(parsed.inReplyTo).toBe('lw.out-5@mail.example.com');
    expect(parsed.references).toEqual([
      'first@x.example',
      'no-domain-id',
      'lw.out-5@mail.example.com',
    ]);
  });

  it('gives null for a missing or unparsable Date instead of the current time', async () => {
    const broken = fixture('plain.eml')
      .toString('latin1')
      .replace(/^Date: .*$/m, 'Date: sometime next week');
    expect((await parse(broken)).date).toBeNull();
    const missing = fixture('plain.eml')
      .toString('latin1')
      .replace(/^Date: .*\n/m, '');
    expect((await parse(missing)).date).toBeNull();
  });

  it('turns a headers-only message over the size limit into a note instead of an empty text', async () => {
    const headers = fixture('plain.eml').toString('latin1').split('\n\n')[0] + '\n\n';
    const { options } = memoryStore();
    const truncated = { size: 32_715_571, limit: 25 * 1024 * 1024 };
    const parsed = await parseEmail(Buffer.from(headers, 'latin1'), { ...options, truncated });
    const note = 'This message (31.2 MB) is over the 25 MB limit; only its headers were stored.';
    expect(parsed.text).toBe(note);
    expect(parsed.reply).toBe(note);
    expect(parsed.truncated).toEqual(truncated);
    expect(parsed.subject).toBe('Price for 20 oak chairs');
    expect(parsed.messageId).toBe('CAF=plain.4711@mail.example.com');
  });

  it('formats sizes for people', () => {
    expect(formatSize(200)).toBe('200 bytes');
    expect(formatSize(1536)).toBe('1.5 KB');
    expect(formatSize(25 * 1024 * 1024)).toBe('25 MB');
  });
});

describe('parseEmail: HTML', () => {
  it('sanitises an HTML-only message and derives its text from the safe HTML', async () => {
    const parsed = await parse(fixture('html-only.eml'));
    const html = parsed.html ?? '';
    for (const unsafe of [
      '<script',
      'steal',
      'onclick',
      'onload',
      'style',
      'tracker.example',
      '<img',
      'iframe',
      '<form',
      '<input',
      'javascript:',
      'Newsletter template',
    ])
      expect(html).not.toContain(unsafe);
    expect(html).toContain('<a href="https://maps.example/lisbon">Lisbon</a>');
    expect(html).toContain('<b>Instagram</b>');
    expect(parsed.text).toBe(
      'Hi, I found you on Instagram.\n\nDo you ship to Lisbon [https://maps.example/lisbon]? Details\n\nObrigado,\nRui',
    );
  });

  it('allows images only from the message itself and links only to the web and mail', async () => {
    const eml = [
      'From: Ana <ana@example.com>',
      'Subject: images',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p><img src="data:image/png;base64,iVBORw0KGgo=" alt="inline">',
      '<img src="//cdn.example/pixel.png" alt="protocol-relative">',
      '<img src="data:text/html;base64,PHNjcmlwdD4=" alt="not an image">',
      '<a href="mailto:ana@example.com">mail</a> <a href="ftp://files.example/x">ftp</a>',
      '<a href="http://shop.example/a">web</a></p>',
    ].join('\n');
    const html = (await parse(eml)).html ?? '';
    expect(html).toContain('src="data:image/png;base64,iVBORw0KGgo="');
    expect(html).not.toContain('protocol-relative');
    expect(html).not.toContain('data:text/html');
    expect(html).toContain('<a href="mailto:ana@example.com">mail</a>');
    expect(html).toContain('<a>ftp</a>');
    expect(html).toContain('<a href="http://shop.example/a">web</a>');
  });

  it('prefers the text part of an alternative and keeps cid: images in the HTML', async () => {
    const parsed = await parse(fixture('multipart-attachments.eml'));
    expect(parsed.text).toBe(
      'Hi, attached are the floor plan and a photo of the room.\nWe need shelving for the whole wall.\n\nMarta',
    );
    expect(parsed.html).toContain('<img src="cid:logo.7f3a@example.net" alt="Ruiz logo" />');
    expect(parsed.cc).toEqual([{ address: 'luis@example.net', name: 'Luis Ruiz' }]);
  });
});

describe('parseEmail: attachments', () => {
  it('stores every attachment through storeAttachment and marks the inline one', async () => {
    const { blobs, options } = memoryStore();
    const parsed = await parseEmail(fixture('multipart-attachments.eml'), options);
    expect(parsed.attachments.map(({ sha256: _, ...rest }) => rest)).toEqual([
      {
        filename: 'logo.png',
        contentType: 'image/png',
        size: 75,
        inline: true,
        cid: 'logo.7f3a@example.net',
      },
      { filename: 'plano-salón.pdf', contentType: 'application/pdf', size: 218 },
      { filename: 'room.png', contentType: 'image/png', size: 73 },
    ]);
    const [logo, pdf, room] = parsed.attachments.map((file) => blobs.get(file.sha256 ?? ''));
    expect(blobs.size).toBe(3);
    // Decoded content, not base64: the stored bytes are the files themselves.
    expect(logo?.subarray(1, 4).toString()).toBe('PNG');
    expect(pdf?.subarray(0, 8).toString()).toBe('%PDF-1.4');
    expect(room?.length).toBe(73);
  });

  it('notes an attachment over the limit without storing it', async () => {
    const { blobs, options } = memoryStore(100);
    const parsed = await parseEmail(fixture('multipart-attachments.eml'), options);
    expect(parsed.attachments[1]).toEqual({
      filename: 'plano-salón.pdf',
      contentType: 'application/pdf',
      size: 218,
      sha256: null,
      skipped: 'larger than the 100 bytes limit',
    });
    expect(parsed.attachments[2]?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(blobs.size).toBe(2);
  });

  it('does not copy the attachments of an automated message out of its .eml', async () => {
    const { blobs, options } = memoryStore();
    const parsed = await parseEmail(fixture('dsn-bounce.eml'), options);
    expect(parsed.attachments).toEqual([
      {
        filename: 'attachment-1.txt',
        contentType: 'text/rfc822-headers',
        size: 494,
        sha256: null,
        skipped: 'automated message',
      },
    ]);
    expect(blobs.size).toBe(0);
  });
});

describe('parseEmail: automated mail', () => {
  it.each([
    ['out-of-office.eml', { reason: 'Auto-Submitted: auto-replied' }],
    ['autoreply-x-headers.eml', { reason: 'X-Autoreply: yes' }],
    ['loop.eml', { reason: 'mail loop: sent by Leadwire (X-Leadwire-Loop)' }],
    [
      'dsn-bounce.eml',
      { reason: 'delivery status report', bounceOf: 'lw.out-123@mail.example.com' },
    ],
  ])('%s → %j', async (name, verdict) => {
    expect((await parse(fixture(name))).automated).toEqual(verdict);
  });

  it.each(['plain.eml', 'forward.eml', 'reply-thread.eml', 'reply-to.eml', 'html-only.eml'])(
    '%s is a person writing',
    async (name) => {
      expect((await parse(fixture(name))).automated).toBeNull();
    },
  );

  it.each([
    ['Auto-Submitted: auto-generated', 'Auto-Submitted: auto-generated'],
    ['Auto-Submitted: auto-notified; owner-email="a@example.com"', 'Auto-Submitted: auto-notified'],
    ['X-Autorespond: Vacation', 'X-Autorespond: Vacation'],
    ['Precedence: list', 'Precedence: list'],
    ['Precedence: junk', 'Precedence: junk'],
    // Exchange's own automatic mail.
    ['X-Auto-Response-Suppress: All', 'X-Auto-Response-Suppress: All'],
  ])('header %s → reason %s', async (line, reason) => {
    expect((await parse(withHeaders('plain.eml', line))).automated).toEqual({ reason });
  });

  it.each([
    'Auto-Submitted: no',
    'X-Autoreply: no',
    'Precedence: first-class',
    // Outlook and help desks set narrower values on mail people write: a request, not a verdict.
    'X-Auto-Response-Suppress: OOF, AutoReply',
  ])('header %s alone does not make a message automated', async (line) => {
    expect((await parse(withHeaders('plain.eml', line))).automated).toBeNull();
  });

  it('does not bounce our message on a report that delivery is only delayed', async () => {
    const eml = fixture('dsn-bounce.eml')
      .toString('latin1')
      .replace(/^Action: failed/im, 'Action: delayed');
    expect((await parse(eml)).automated).toEqual({ reason: 'delivery status report (delayed)' });
  });

  it('reads Precedence: bulk when no X-Autoreply comes first', async () => {
    const eml = fixture('autoreply-x-headers.eml')
      .toString('latin1')
      .replace('X-Autoreply: yes\n', '');
    expect((await parse(eml)).automated).toEqual({ reason: 'Precedence: bulk' });
  });

  it('treats mail from postmaster as a bounce and falls back to In-Reply-To for bounceOf', async () => {
    const eml = fixture('plain.eml')
      .toString('latin1')
      .replace(/^From: .*$/m, 'From: Mail System <POSTMASTER@mx.example.org>')
      .replace(
        /^Subject: .*$/m,
        'Subject: failure notice\nIn-Reply-To: <lw.out-77@mail.example.com>',
      );
    expect((await parse(eml)).automated).toEqual({
      reason: 'sent by POSTMASTER@mx.example.org',
      bounceOf: 'lw.out-77@mail.example.com',
    });
  });

  it('finds bounceOf in a returned message/rfc822 part too', async () => {
    const eml = fixture('dsn-bounce.eml')
      .toString('latin1')
      .replace('Content-Type: text/rfc822-headers', 'Content-Type: message/rfc822');
    expect((await parse(eml)).automated?.bounceOf).toBe('lw.out-123@mail.example.com');
  });

  it('uses In-Reply-To when the report returns no headers', async () => {
    const eml = fixture('dsn-bounce.eml')
      .toString('latin1')
      .replace('Message-ID: <lw.out-123@mail.example.com>\n', '')
      .replace('Auto-Submitted: auto-replied\n', 'In-Reply-To: <lw.out-999@mail.example.com>\n');
    expect((await parse(eml)).automated).toEqual({
      reason: 'delivery status report',
      bounceOf: 'lw.out-999@mail.example.com',
    });
  });

  it('marks other reports (read receipts) automated without a bounceOf', async () => {
    const eml = fixture('dsn-bounce.eml')
      .toString('latin1')
      .replace('report-type=delivery-status', 'report-type=disposition-notification')
      .replace(/^From: .*$/m, 'From: Ana <ana.perez@example.com>');
    expect((await parse(eml)).automated).toEqual({ reason: 'disposition-notification report' });
  });
});

describe('parseEmail: threads and replies', () => {
  it('reads thread references and cuts the quoted history and signature of a reply', async () => {
    const parsed = await parse(fixture('reply-thread.eml'));
    expect(parsed.subject).toBe('Re: Your order [#L42]');
    expect(parsed.inReplyTo).toBe('lw.out-123@mail.example.com');
    expect(parsed.references).toEqual([
      'CAF=plain.4711@mail.example.com',
      'lw.out-123@mail.example.com',
    ]);
    expect(parsed.reply).toBe(
      'Yes, please send them to the new address: Calle Mayor 5, Madrid.\nTuesday morning works best.',
    );
    // The whole text keeps everything.
    expect(parsed.text).toContain('> your 20 oak chairs are ready.');
    expect(parsed.text).toContain('-- \nAna');
  });

  it('keeps what was forwarded, and the forwarder as the sender', async () => {
    const parsed = await parse(fixture('forward.eml'));
    expect(parsed.from).toEqual({ address: 'bob@partner.example', name: 'Bob Smith' });
    expect(parsed.references).toEqual(['CAF=cafe.chairs.88@mail.example.com']);
    expect(parsed.reply).toMatch(/^Hi team, Ana asked me to pass this on\./);
    expect(parsed.reply).toContain('From: Ana Pérez <ana.perez@example.com>');
    expect(parsed.reply).toMatch(/I need 20 chairs by December\.\n\nAna$/);
  });
});

describe('extractReply', () => {
  it.each([
    [
      'Gmail in Spanish, header wrapped over two lines',
      'Perfecto, lo recojo el lunes.\n\nEl mar, 24 nov 2026 a las 10:15, Leadwire Shop (<\nsales@shop.example>) escribió:\n> Hola José,\n> ya está listo.',
      'Perfecto, lo recojo el lunes.',
    ],
    [
      'Thunderbird in Russian',
      'Спасибо, жду счёт.\n\n24.11.2026 10:15, Leadwire Shop пишет:\n> Добрый день!',
      'Спасибо, жду счёт.',
    ],
    [
      'Russian написал(а)',
      'Да, подходит.\n\n24 ноября 2026 г., в 10:15, Leadwire Shop написал(а):\n> Добрый день!',
      'Да, подходит.',
    ],
    [
      'Gmail in Russian (no verb)',
      'Да, подходит.\n\nвт, 24 нояб. 2026 г. в 10:15, Leadwire Shop <sales@shop.example>:\n> Добрый день!',
      'Да, подходит.',
    ],
    [
      'Outlook header block',
      'Thanks, Friday is fine.\n\n________________________________\nFrom: Leadwire Shop <sales@shop.example>\nSent: Tuesday, November 24, 2026 10:15 AM\nTo: Ana Pérez <ana@example.com>\nSubject: Your order\n\nHello Ana, when can we deliver?',
      'Thanks, Friday is fine.',
    ],
    [
      'Outlook in Spanish',
      'Gracias, el viernes va bien.\n\nDe: Leadwire Shop <sales@shop.example>\nEnviado: martes, 24 de noviembre de 2026 10:15\nPara: José <jose@example.es>\nAsunto: Su pedido\n\nHola José',
      'Gracias, el viernes va bien.',
    ],
    [
      'Original Message separator',
      'Fine by me.\n\n-----Original Message-----\nFrom: Leadwire Shop\nHello',
      'Fine by me.',
    ],
    ['a phone signature', 'See you on Friday.\n\nSent from my iPhone', 'See you on Friday.'],
    [
      'answers between quoted lines',
      '> Which colour?\nOak, please.\n> How many?\nTwenty.',
      'Oak, please.\nTwenty.',
    ],
  ])('%s', (_, text, reply) => {
    expect(extractReply(text)).toBe(reply);
  });

  it('does not cut at a "wrote:" line without a date', () => {
    const text = 'On the form I wrote:\nmy phone number wrong, it is 600 123 456.';
    expect(extractReply(text)).toBe(text);
  });

  it('keeps a lone "From: Name <address>" field of a form notification', () => {
    const text =
      'New contact request\n\nFrom: Carla Gómez <carla@example.org>\nMessage: Do you deliver?';
    expect(extractReply(text)).toBe(text);
  });

  it('never returns empty when there is text: all quoted gives the whole text', () => {
    const text = 'On Tue, 24 Nov 2026 at 10:15, Shop <s@shop.example> wrote:\n> Hello';
    expect(extractReply(text)).toBe(text);
    expect(extractReply('  \n')).toBe('');
  });

  it('keeps an Outlook-forwarded block when the subject says forward', () => {
    const text =
      'Please call her.\n\nFrom: Ana <ana@example.com>\nSent: Monday, November 23, 2026 6:02 PM\nTo: Bob <bob@partner.example>\nSubject: Chairs\n\nI need 20 chairs.';
    expect(extractReply(text)).toBe('Please call her.');
    expect(extractReply(text, { forwarded: true })).toBe(text);
  });

  it('stays fast on a long line that looks like a reply header', () => {
    // email-reply-parser alone needs seconds for this (its patterns backtrack quadratically).
    const text = `On ${'a '.repeat(45_000)}\nthanks`;
    const started = performance.now();
    expect(extractReply(text)).toBe(text);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it.each([
    ['Fwd: Chairs', true],
    ['FW: Chairs', true],
    ['RV: Sillas', true],
    ['Пересл: Диван', true],
    ['Re: Fwd: Chairs', false],
    ['Forward planning', false],
  ])('isForwardSubject(%s) = %s', (subject, expected) => {
    expect(isForwardSubject(subject)).toBe(expected);
  });
});
