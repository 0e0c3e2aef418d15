/**
 * `npm run bench -- email`: a mailbox in a private Dovecot (the tests' helper) turned into
 * committed leads by the `email` and `worker` roles (two processes over the two cores), beside the
 * limit: in one process, imapflow fetching the same mailbox and `simpleParser` on each message.
 *
 * The mailbox, the same for the same count: customer emails to a shop's support address, some
 * senders writing again (a reply, which appends to their open lead); a quarter with an HTML part,
 * about 2% with a PDF, about 1% out-of-office answers (never leads).
 */
import { randomBytes } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { sql } from 'drizzle-orm';
import { emailSettingsInput, storeEmailSettings } from '../../connectors/email/config.ts';
import { loadConfig } from '../../core/runtime/config.ts';
import { startImapServer, type ImapTestServer } from '../../test/helpers/imap.ts';
import { defineMode, int, seconds } from './context.ts';
import { awaitCommitted, countOf } from './ledger.ts';
import { leadEmail, leadWords } from './lead-words.ts';
import { startRole, startWorker } from './processes.ts';
import { mulberry32 } from './senders.ts';

/** 2,000 senders for 5,000 messages: about 3,000 append to a lead their sender already has. */
const SENDER_SHARE = 0.4;

export const emailMode = defineMode({
  summary: 'a mailbox into committed leads vs imapflow fetch + simpleParser in one process',
  options: { messages: 5000 },
  async run(run, options, workspace) {
    const { store } = workspace;
    const count = options.messages;
    const env = workspace.env({ SECRETS_KEY: randomBytes(32).toString('hex') });
    const dovecot = await startImapServer(`bench-${run.id}`);
    run.guard.dovecot(dovecot.dir);
    run.guard.remove(dovecot.dir);
    run.defer(() => dovecot.stop());
    const mailbox = dovecot.users.support;

    const filling = performance.now();
    const appender = await dovecot.connect(mailbox);
    let bytes = 0;
    for (const raw of customerEmails(count, Math.max(1, Math.round(count * SENDER_SHARE)))) {
      run.signal.throwIfAborted();
      if (!(await appender.append('INBOX', raw))) throw new Error('an APPEND was refused');
      bytes += raw.length;
    }
    await appender.logout();
    run.progress(`appended ${count} messages in ${seconds(filling).toFixed(1)} s (not timed)`);

    const limit = await fetchAndParse(dovecot);
    if (limit.count !== count)
      throw new Error(`the bare fetch read ${limit.count} of ${count} messages`);
    run.progress(`limit: fetch + simpleParser, ${int(limit.perSecond)} msgs/s`);

    const input = emailSettingsInput.parse({
      imap: {
        host: '127.0.0.1',
        port: dovecot.port,
        secure: false,
        user: mailbox.user,
        password: { value: mailbox.pass },
      },
      ingestSince: '2000-01-01T00:00:00Z',
    });
    const channel = await store.channels.create({
      kind: 'email',
      name: 'Bench support mailbox',
      defaultCountry: 'ES',
      appendScope: 'any',
      active: true,
      operatorIds: [],
      config: storeEmailSettings(input, loadConfig(env).secretsKey, new Date()),
    });
    const worker = await startWorker(run, env);
    const workerCpu = worker.cpuSeconds();
    const connector = startRole(run, 'email', env);
    const connected = await connector.logged('mailbox connected');
    const connectorCpu = connector.cpuSeconds();
    const where = { afterId: 0, expected: count, channelId: channel.id };
    const committed = await awaitCommitted(run, store, where);
    // From the login, as the limit's time is: the process's start-up (and a rebuild of dist/
    // when a source changed meanwhile) is shown apart.
    const fromLogin = (committed.lastProcessedAt - connected.time) / 1000;
    const startUp = (connected.time - connector.startedAt) / 1000;
    const perSecond = count / fromLogin;
    const cpuMs = (cpu: number) => `${((cpu * 1000) / count).toFixed(2)} ms/msg`;
    const leadsOfChannel = sql`SELECT count(*) AS n FROM leads WHERE channel_id = ${channel.id}`;
    const leads = await countOf(store, leadsOfChannel);
    const lines = [
      `Leadwire email bench (${store.kind}): ${int(count)} messages (${(bytes / 1e6).toFixed(1)} MB) in a private Dovecot`,
      `  limit            ${int(limit.perSecond)} msgs/s: connect, FETCH every source, simpleParser each, ` +
        `one process, ${limit.seconds.toFixed(2)} s (${limit.cpuSeconds.toFixed(1)} CPU s)`,
      `  Leadwire         ${int(perSecond)} msgs/s: ${fromLogin.toFixed(1)} s from the connector's login ` +
        `to the last lead committed (${startUp.toFixed(1)} s start-up before it)`,
      `    outcomes       ${committed.outcomes}; ${int(leads)} leads`,
      `    CPU            connector ${cpuMs(connector.cpuSeconds() - connectorCpu)} ` +
        `(+ ${connectorCpu.toFixed(1)} s start-up), worker ${cpuMs(worker.cpuSeconds() - workerCpu)}`,
    ];
    const problems = worker.problems + connector.problems;
    if (problems) lines.push(`    WARNING: ${problems} warnings or errors logged (above)`);
    return { lines, figure: ['msgs_per_s', perSecond], limit: limit.perSecond };
  },
});

/** The limit: every message fetched by UID in one session and parsed as it arrives. */
async function fetchAndParse(dovecot: ImapTestServer) {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const client = await dovecot.connect(dovecot.users.support);
  let count = 0;
  const lock = await client.getMailboxLock('INBOX');
  try {
    for await (const message of client.fetch('1:*', { uid: true, source: true })) {
      if (message.source) await simpleParser(message.source);
      count += 1;
    }
  } finally {
    lock.release();
    await client.logout();
  }
  const used = process.cpuUsage(cpu);
  const took = seconds(started);
  return {
    count,
    seconds: took,
    perSecond: count / took,
    cpuSeconds: (used.user + used.system) / 1e6,
  };
}

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
function* customerEmails(count: number, senders: number, seed = 1): Generator<Buffer> {
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
