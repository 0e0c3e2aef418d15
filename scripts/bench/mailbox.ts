/**
 * The email bench's mailbox: small customer emails as a shop's support address receives them.
 * Every sender writes once and some write again (a reply to their own earlier mail, which appends
 * to their open lead); a quarter have an HTML part, about 2% a PDF attachment, about 1% are
 * out-of-office answers (never leads). The same count and seed always give the same mailbox.
 */
import { leadEmail, leadWords } from './lead-words.ts';
import { mulberry32 } from './senders.ts';

const SUBJECTS = [
  'Question about my order',
  'Price for 20 units?',
  'Presupuesto para reforma de cocina',
  'Do you ship to Portugal?',
  'Wholesale enquiry',
  'Cambio de talla',
];
const LINES = [
  'I would like to know if the model in your catalogue is still available.',
  'Could you send me a quote including delivery and installation?',
  'My order has not arrived yet, the tracking number does not work.',
  '¿Podrían indicarme el plazo de entrega y el precio final con IVA?',
  'Please call me back in the afternoon if that is easier for you.',
  'Thank you in advance for your help.',
];

/** A display name as a header carries it: RFC 2047 when it is not plain ASCII. */
const headerName = (name: string) =>
  /^[\x20-\x7e]*$/.test(name) ? `"${name}"` : `=?UTF-8?B?${Buffer.from(name).toString('base64')}?=`;

/** `count` messages from `senders` senders: the first `senders` each from a new one. */
export function* customerEmails(count: number, senders: number, seed = 1): Generator<Buffer> {
  const random = mulberry32(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
  const last: { id?: string; subject?: string }[] = [];
  const start = Date.now() - 30 * 86_400_000;
  for (let i = 0; i < count; i++) {
    const n = i < senders ? i : Math.floor(random() * senders);
    const { first, last: surname } = leadWords(n);
    const name = `${first} ${surname}`;
    const address = leadEmail(n);
    const date = new Date(start + Math.floor(((i + 1) / count) * 30 * 86_400_000)).toUTCString();
    const id = `m${i}.${seed}@${address.split('@')[1]}`;
    const roll = random();
    const away = roll < 0.01;
    const earlier = last[n] ?? {};
    const reply = !away && earlier.id !== undefined && roll < 0.5;
    const subject = away
      ? `Automatic reply: ${pick(SUBJECTS)}`
      : reply
        ? `Re: ${earlier.subject}`
        : pick(SUBJECTS);
    const headers = [
      `From: ${headerName(name)} <${address}>`,
      'To: "Support" <support@test.local>',
      `Subject: ${subject}`,
      `Date: ${date}`,
      `Message-ID: <${id}>`,
      ...(reply ? [`In-Reply-To: <${earlier.id}>`, `References: <${earlier.id}>`] : []),
      ...(away ? ['Auto-Submitted: auto-replied'] : []),
      'MIME-Version: 1.0',
    ];
    const lines = away
      ? ['I am out of the office until Monday and will answer when I return.']
      : Array.from({ length: 2 + Math.floor(random() * 4) }, () => pick(LINES));
    const text = `Hello,\r\n\r\n${lines.join('\r\n')}\r\n\r\nBest regards,\r\n${name}\r\n`;
    const pdf = !away && random() < 0.02 ? randomPdf(random) : undefined;
    if (!away) last[n] = { id, subject };
    yield Buffer.from(`${headers.join('\r\n')}\r\n${mimeBody(text, random() < 0.25, pdf)}`);
  }
}

function randomPdf(random: () => number): Buffer {
  const bytes = Buffer.alloc(8192 + Math.floor(random() * 32_768));
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
  return Buffer.concat([Buffer.from('%PDF-1.4\n'), bytes]);
}

/** Plain text, or alternative with HTML, inside mixed with a PDF when there is one. */
function mimeBody(text: string, html: boolean, pdf: Buffer | undefined): string {
  const plain = 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit';
  let content = `${plain}\r\n\r\n${text}`;
  if (html) {
    const paragraphs = text.split('\r\n\r\n').map((p) => `<p>${p.replace(/\r\n/g, '<br>')}</p>`);
    content =
      `Content-Type: multipart/alternative; boundary="alt"\r\n\r\n--alt\r\n${plain}\r\n\r\n${text}\r\n` +
      '--alt\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n' +
      `<html><body>${paragraphs.join('\n')}</body></html>\r\n--alt--\r\n`;
  }
  if (!pdf) return content;
  const base64 = (pdf.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
  return (
    `Content-Type: multipart/mixed; boundary="mix"\r\n\r\n--mix\r\n${content}\r\n` +
    '--mix\r\nContent-Type: application/pdf; name="quote.pdf"\r\n' +
    `Content-Disposition: attachment; filename="quote.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64}\r\n--mix--\r\n`
  );
}
