/**
 * The email bench's mailbox: small customer emails as a shop's support address receives them.
 * Every sender writes once, and some write again (a reply to their own earlier mail, or a new
 * question): those append to the sender's open lead. A quarter have an HTML part, about 2% a
 * PDF attachment, about 1% are out-of-office answers (never leads). Names and bodies are mostly
 * ASCII, some Spanish. The same count and seed always give the same mailbox.
 */
import type { ImapFlow } from 'imapflow';

export interface BenchEmail {
  /** Without angle brackets: the inbox row's external id. */
  messageId: string;
  raw: Buffer;
  date: Date;
}

const FIRST = ['Maria', 'José', 'Anna', 'Lucas', 'Chloé', 'Pedro', 'Olga', 'Tom', 'Inés', 'Sam'];
const LAST = ['García', 'Smith', 'Novak', 'Müller', 'Rossi', 'Brown', 'Ivanova', 'Martín', 'Lee'];
const DOMAINS = ['gmail.com', 'yahoo.es', 'outlook.com', 'hotmail.com', 'acme-supplies.example'];
const SUBJECTS = [
  'Question about my order',
  'Price for 20 units?',
  'Delivery to Valencia',
  'Invoice request',
  'Presupuesto para reforma de cocina',
  'Do you ship to Portugal?',
  'Return and refund',
  'Wholesale enquiry',
  'Product availability',
  'Cambio de talla',
  'Partnership proposal',
  'Problem with the payment',
];
const LINES = [
  'I would like to know if the model in your catalogue is still available.',
  'Could you send me a quote including delivery and installation?',
  'We are a small company and need about 20 units every month.',
  'My order has not arrived yet, the tracking number does not work.',
  '¿Podrían indicarme el plazo de entrega y el precio final con IVA?',
  'Please call me back in the afternoon if that is easier for you.',
  'I attach the details we discussed on the phone last week.',
  'Is there a discount for schools or non-profit associations?',
  'The size I received is too small, can I exchange it for a larger one?',
  'Thank you in advance for your help.',
];

/** mulberry32: a small, fast, seeded generator, so two runs append the same mailbox. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A display name as a header carries it: RFC 2047 when it is not plain ASCII. */
const headerName = (name: string) =>
  /^[\x20-\x7e]*$/.test(name)
    ? `"${name}"`
    : `=?UTF-8?B?${Buffer.from(name, 'utf8').toString('base64')}?=`;

const base64Lines = (content: Buffer) =>
  (content.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');

interface Sender {
  name: string;
  address: string;
  /** The sender's last message id and subject: their next mail may answer it. */
  lastId?: string;
  lastSubject?: string;
}

/** Sender `n`: a name and an address of their own. */
function sender(n: number): Sender {
  const first = FIRST[n % FIRST.length] as string;
  const last = LAST[Math.floor(n / FIRST.length) % LAST.length] as string;
  const local = `${first}.${last}.${n}`
    .normalize('NFD')
    .replace(/[^A-Za-z0-9.]/g, '')
    .toLowerCase();
  return { name: `${first} ${last}`, address: `${local}@${DOMAINS[n % DOMAINS.length]}` };
}

/**
 * `count` messages from `senders` distinct senders: the first `senders` messages each from a new
 * one, the rest from one picked at random among them. Dates run from 30 days ago to now. Senders
 * are numbered from `firstSender`, so another call can bring senders never seen before.
 */
export function* customerEmails(
  count: number,
  senders: number,
  { seed = 1, firstSender = 0 } = {},
): Generator<BenchEmail> {
  const random = seeded(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
  const known: Sender[] = [];
  const start = Date.now() - 30 * 86_400_000;
  for (let i = 0; i < count; i++) {
    const from =
      i < senders
        ? (known[i] = sender(firstSender + i))
        : (known[Math.floor(random() * known.length)] as Sender);
    const date = new Date(start + Math.floor(((i + 1) / count) * 30 * 86_400_000));
    const messageId = `m${i}.${seed}.${date.getTime().toString(36)}@${from.address.split('@')[1]}`;
    const roll = random();
    const outOfOffice = roll < 0.01;
    const reply = !outOfOffice && from.lastId !== undefined && roll < 0.5;
    const subject = outOfOffice
      ? `Automatic reply: ${pick(SUBJECTS)}`
      : reply
        ? `Re: ${from.lastSubject}`
        : pick(SUBJECTS);
    const headers = [
      `From: ${headerName(from.name)} <${from.address}>`,
      'To: "Support" <support@test.local>',
      `Subject: ${subject}`,
      `Date: ${date.toUTCString()}`,
      `Message-ID: <${messageId}>`,
      ...(reply ? [`In-Reply-To: <${from.lastId}>`, `References: <${from.lastId}>`] : []),
      ...(outOfOffice ? ['Auto-Submitted: auto-replied'] : []),
      'MIME-Version: 1.0',
    ];
    const lines = outOfOffice
      ? ['I am out of the office until Monday and will answer your message when I return.']
      : Array.from({ length: 2 + Math.floor(random() * 4) }, () => pick(LINES));
    let text = `Hello,\r\n\r\n${lines.join('\r\n')}\r\n\r\nBest regards,\r\n${from.name}\r\n`;
    if (reply) text += `\r\nOn ${date.toUTCString()}, ${from.name} wrote:\r\n> ${pick(LINES)}\r\n`;
    const attachment = !outOfOffice && random() < 0.02;
    const html = random() < 0.25;
    const body = mimeBody(text, { html, attachment: attachment ? pdf(random) : undefined });
    const raw = Buffer.from(`${headers.join('\r\n')}\r\n${body}`, 'utf8');
    if (!outOfOffice) Object.assign(from, { lastId: messageId, lastSubject: subject });
    yield { messageId, raw, date };
  }
}

/** A PDF-looking file of 8–40 KB (its bytes are random: nothing reads them but the hash). */
function pdf(random: () => number): Buffer {
  const size = 8192 + Math.floor(random() * 32_768);
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = Math.floor(random() * 256);
  return Buffer.concat([Buffer.from('%PDF-1.4\n'), bytes]);
}

/** The content headers and body: plain text, or alternative with HTML, in mixed with a PDF. */
function mimeBody(text: string, parts: { html: boolean; attachment: Buffer | undefined }): string {
  const plain = 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit';
  let content = `${plain}\r\n\r\n${text}`;
  if (parts.html) {
    const paragraphs = text
      .split('\r\n\r\n')
      .map((p) => `<p>${p.replace(/\r\n/g, '<br>')}</p>`)
      .join('\n');
    content =
      'Content-Type: multipart/alternative; boundary="alt"\r\n\r\n' +
      `--alt\r\n${plain}\r\n\r\n${text}\r\n` +
      '--alt\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n' +
      `<html><body>${paragraphs}</body></html>\r\n--alt--\r\n`;
  }
  if (!parts.attachment) return content;
  return (
    'Content-Type: multipart/mixed; boundary="mix"\r\n\r\n' +
    `--mix\r\n${content}\r\n` +
    '--mix\r\nContent-Type: application/pdf; name="quote-request.pdf"\r\n' +
    'Content-Disposition: attachment; filename="quote-request.pdf"\r\n' +
    `Content-Transfer-Encoding: base64\r\n\r\n${base64Lines(parts.attachment)}\r\n--mix--\r\n`
  );
}

/** APPENDs the messages one after another on one connection, with their dates as INTERNALDATE. */
export async function appendAll(
  client: ImapFlow,
  messages: Iterable<BenchEmail>,
  onProgress: (appended: number) => void,
): Promise<{ count: number; bytes: number }> {
  let count = 0;
  let bytes = 0;
  for (const message of messages) {
    const result = await client.append('INBOX', message.raw, [], message.date);
    if (!result) throw new Error(`APPEND of ${message.messageId} was refused`);
    count += 1;
    bytes += message.raw.length;
    onProgress(count);
  }
  return { count, bytes };
}
