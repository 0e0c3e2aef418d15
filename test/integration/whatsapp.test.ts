/**
 * The WhatsApp channel end to end: a phone number connected over the admin API against a local
 * Graph API, Meta's verification handshake, signed and unsigned webhook posts, every message type
 * on a lead (files downloaded into the blob store), a client's phone making a repeat lead, and
 * replies through Graph — delivered and read by status, refused outside the 24-hour window, sent
 * as a template.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboxOf, type InboxView } from '../helpers/rows.ts';
import { webhookErrors } from '../helpers/webhook-errors.ts';
import { api, startSystem, waitFor, type TestSystem } from '../helpers/system.ts';
import {
  postWebhook,
  startFakeGraph,
  statusNotification,
  type FakeGraph,
} from '../helpers/whatsapp-graph.ts';

const PHONE_NUMBER_ID = '106540352242922';
const TOKEN = 'EAAGintegration-access-token-0123456789';
const APP_SECRET = 'integration-app-secret-3f9a';
const VERIFY_TOKEN = 'typed-into-meta-dashboard';

let graph: FakeGraph;
let system: TestSystem;
let channelId: number;
/** What POST /api/v1/channels answered: the channel, and what to type into Meta's dashboard. */
let created: Json;

beforeAll(async () => {
  graph = await startFakeGraph();
  graph.addNumber({ phoneNumberId: PHONE_NUMBER_ID, token: TOKEN });
  system = await startSystem({ label: 'whatsapp', env: { SECRETS_KEY: 'w'.repeat(40) } });
  await system.startInProcessWorker();
  created = await connectNumber();
  channelId = created.id as number;
}, 120_000);

afterAll(async () => {
  await graph?.close();
  await system?.close();
});

const call = () => api(system);
const lead = async (id: number | null) => (await call()('GET', `/api/v1/leads/${id}`)).body;
const signed = (body: unknown, id = channelId) =>
  postWebhook(system.baseUrl, id, body, { appSecret: APP_SECRET });

async function connectNumber(extra: Record<string, unknown> = {}): Promise<Json> {
  const created = await call()('POST', '/api/v1/channels', {
    kind: 'whatsapp',
    name: 'Tienda Nord WhatsApp',
    defaultCountry: 'ES',
    appendScope: 'any',
    active: true,
    operatorIds: [],
    phoneNumberId: PHONE_NUMBER_ID,
    accessToken: { value: TOKEN },
    appSecret: { value: APP_SECRET },
    verifyToken: VERIFY_TOKEN,
    apiRoot: graph.apiRoot,
    ...extra,
  });
  if (created.status !== 201)
    throw new Error(`WhatsApp channel not created: ${JSON.stringify(created.body)}`);
  return created.body as Json;
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- Meta's JSON

/** A fixture as customer `waId` sends it now to our number, with fresh wamids. */
let sequence = 0;
function from(name: string, waId: string, profileName = 'Cliente WhatsApp'): Json {
  const file = new URL(`../fixtures/whatsapp/${name}.json`, import.meta.url);
  const body = JSON.parse(readFileSync(file, 'utf8')) as Json;
  for (const entry of body.entry) {
    for (const { value } of entry.changes) {
      value.metadata.phone_number_id = PHONE_NUMBER_ID;
      if (value.contacts) value.contacts = [{ profile: { name: profileName }, wa_id: waId }];
      for (const message of value.messages ?? []) {
        sequence += 1;
        message.from = waId;
        message.id = `wamid.it${sequence}${Date.now()}`;
        message.timestamp = String(Math.floor(Date.now() / 1000));
      }
    }
  }
  return body;
}
const wamidOf = (body: Json): string => body.entry[0].changes[0].value.messages[0].id;

/** The inbox row of `externalId` once the worker has finished it. */
async function processed(externalId: string, id = channelId): Promise<InboxView> {
  let row: InboxView | undefined;
  await waitFor(`${externalId} processed`, async () => {
    row = (await inboxOf(system, id)).find((r) => r.external_id === externalId);
    return row !== undefined && row.status !== 'pending';
  });
  return row as InboxView;
}

async function deliver(body: Json, id = channelId): Promise<InboxView> {
  const response = await signed(body, id);
  expect(response.status).toBe(200);
  return processed(wamidOf(body), id);
}

interface Reply {
  id: number;
  externalId: string;
  text: string;
  delivery: string;
  meta: Json;
}

async function replyOf(leadId: number, id: number, until: (reply: Reply) => boolean) {
  let reply: Reply | undefined;
  await waitFor(`reply ${id} on lead ${leadId}`, async () => {
    reply = ((await lead(leadId)).messages as Reply[]).find((m) => m.id === id);
    return reply !== undefined && until(reply);
  });
  return reply as Reply;
}

async function replyAndWait(leadId: number, body: Json): Promise<Reply> {
  const posted = await call()('POST', `/api/v1/leads/${leadId}/messages`, body);
  expect(posted.status).toBe(202);
  return replyOf(leadId, posted.body.id, (reply) => reply.delivery !== 'queued');
}

describe("Meta's verification handshake", () => {
  const verify = (query: Record<string, string>, id = channelId) =>
    fetch(`${system.baseUrl}/whatsapp/${id}/webhook?${new URLSearchParams(query)}`);
  const handshake = { 'hub.mode': 'subscribe', 'hub.challenge': '1158201444' };

  it('echoes the challenge for the verify token the admin chose, and nothing else', async () => {
    const ok = await verify({ ...handshake, 'hub.verify_token': VERIFY_TOKEN });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await ok.text()).toBe('1158201444');

    const wrong = await verify({ ...handshake, 'hub.verify_token': `${VERIFY_TOKEN}x` });
    const unknown = await verify(
      { ...handshake, 'hub.verify_token': VERIFY_TOKEN },
      channelId + 999,
    );
    const noMode = await verify({ 'hub.challenge': '1', 'hub.verify_token': VERIFY_TOKEN });
    for (const refused of [wrong, unknown, noMode]) expect(refused.status).toBe(403);
    // An unknown channel answers exactly like a wrong token.
    expect(await unknown.text()).toBe(await wrong.text());
  });
});

describe('the webhook', () => {
  it('records only posts signed with the app secret, then makes a lead of them', async () => {
    const body = from('text', '34611000001', 'Lucía Gómez');
    const text = JSON.stringify(body);
    const unsigned = await postWebhook(system.baseUrl, channelId, text, { signature: undefined });
    const forged = await postWebhook(system.baseUrl, channelId, text, {
      appSecret: 'not-the-app-secret',
    });
    const elsewhere = await signed(body, channelId + 999);
    for (const refused of [unsigned, forged, elsewhere]) expect(refused.status).toBe(401);
    expect(await elsewhere.json()).toEqual(await forged.json());
    expect((await signed('{"object": "whatsapp_business_account", ')).status).toBe(400);
    expect((await signed({ object: 'page', entry: [] })).status).toBe(400);
    // Errors Meta reports about the number are taken (200) and counted for the alert rules.
    expect((await signed(from('value-errors', '34611000009'))).status).toBe(200);
    expect(await inboxOf(system, channelId)).toEqual([]);
    // What went wrong is counted for the alert rules; an id that names no channel is `unknown`.
    expect(await webhookErrors('whatsapp', String(channelId))).toEqual({
      refused: 2,
      invalid: 2,
      reported: 1,
    });
    expect(await webhookErrors('whatsapp', 'unknown')).toEqual({ refused: 1 });

    const row = await deliver(body);
    expect(row).toMatchObject({ status: 'done', outcome: 'created_simple' });
    expect(await lead(row.lead_id)).toMatchObject({
      source: 'WHATSAPP',
      name: 'Lucía Gómez',
      identities: [expect.objectContaining({ key: 'phone:+34611000001' })],
    });
    // Meta delivers again: nothing changes.
    expect((await signed(body)).status).toBe(200);
    expect(await inboxOf(system, channelId)).toHaveLength(1);
  });

  it('puts every message type on the lead of the phone, files in the blob store', async () => {
    const files: Record<string, [string, Buffer, string]> = {
      image: ['1184536520197765', Buffer.from('JPEG photo'), 'image/jpeg'],
      'audio-voice': ['1003383421387256', Buffer.from('OggS voice'), 'audio/ogg; codecs=opus'],
      audio: ['960723229452816', Buffer.from('ID3 song'), 'audio/mpeg'],
      video: ['1166846181421424', Buffer.from('mp4 video'), 'video/mp4'],
      document: ['1376223850470843', Buffer.from('%PDF-1.7'), 'application/pdf'],
      sticker: ['1055150306273716', Buffer.from('RIFF webp'), 'image/webp'],
      'sticker-animated': ['2026511577738520', Buffer.from('RIFF anim'), 'image/webp'],
    };
    for (const [mediaId, content, mimeType] of Object.values(files))
      graph.addMedia(mediaId, content, { mimeType });
    const waId = '34611000002';
    const first = await deliver(from('text', waId));
    expect(first.outcome).toBe('created_simple');
    const types = [
      ...Object.keys(files),
      'location',
      'contacts',
      'interactive-button-reply',
      'interactive-list-reply',
      'interactive-nfm-reply',
      'button',
      'reaction',
      'reaction-removed',
      'reply',
      'forwarded',
      'referral',
      'order',
      'unsupported',
      'unknown-type',
    ];
    for (const type of types) {
      const row = await deliver(from(type, waId));
      expect({ type, outcome: row.outcome, lead: row.lead_id }).toEqual({
        type,
        outcome: 'appended',
        lead: first.lead_id,
      });
    }
    const { messages } = await lead(first.lead_id);
    expect(messages).toHaveLength(types.length + 1);
    const texts = messages.map((m: Reply) => m.text);
    expect(texts).toEqual(
      expect.arrayContaining([
        '[voice message]',
        'Reacted 👍 to a message',
        'Shared contact: Luis García (+34 699 88 77 66, +34 91 123 45 67)',
        '(Forwarded) Oferta: 2x1 en chaquetas hasta el domingo',
        expect.stringMatching(/^Location: Museo Nacional del Prado/),
        expect.stringMatching(/^Order of 2 item\(s\):/),
        expect.stringMatching(/^\[a message WhatsApp cannot pass on/),
      ]),
    );
    const attachments = messages.flatMap((m: { attachments: Json[] }) => m.attachments);
    const sha256 = (content: Buffer) => createHash('sha256').update(content).digest('hex');
    expect(attachments.map((a: Json) => a.sha256).sort()).toEqual(
      Object.values(files)
        .map(([, content]) => sha256(content))
        .sort(),
    );
    expect(attachments.find((a: Json) => a.contentType === 'application/pdf')?.filename).toBe(
      'presupuesto-obra.pdf',
    );
    for (const [, content] of Object.values(files))
      expect((await system.store.blobs.readAll(sha256(content))).equals(content)).toBe(true);
  });

  it("makes a message from a client's known phone a repeat lead of that client", async () => {
    // The client's phone was typed in national form: WhatsApp's wa_id meets it in E.164.
    const client = await call()('POST', '/api/v1/clients', {
      name: 'Ana Pérez',
      phones: ['622 33 44 55'],
    });
    expect(client.status).toBe(201);
    const row = await deliver(from('text', '34622334455', 'Ana'));
    expect(row.outcome).toBe('created_repeat');
    expect(await lead(row.lead_id)).toMatchObject({ type: 'repeat', clientId: client.body.id });
  });
});

describe('replies', () => {
  const newLead = async (waId: string) => (await deliver(from('text', waId))).lead_id ?? 0;

  it('go out through Graph and move forward with its statuses, never back', async () => {
    const leadId = await newLead('34611000003');
    const reply = await replyAndWait(leadId, { text: 'Sí, la tenemos en talla M.' });
    expect(reply.delivery).toBe('sent');
    const sent = graph.sent(PHONE_NUMBER_ID).find((m) => m.to === '34611000003');
    expect(sent).toMatchObject({ type: 'text', text: 'Sí, la tenemos en talla M.' });
    if (!sent) return;
    expect(reply.externalId).toBe(sent.wamid);

    for (const status of ['delivered', 'read', 'sent'] as const) {
      expect((await signed(statusNotification(sent, status))).status).toBe(200);
      await processed(`status:${sent.wamid}:${status}`);
    }
    expect((await replyOf(leadId, reply.id, () => true)).delivery).toBe('read');
    // The statuses never became leads of their own.
    const { messages } = await lead(leadId);
    expect(messages).toHaveLength(2);
  });

  it('refused outside the 24-hour window is shown as failed with the template hint', async () => {
    const leadId = await newLead('34611000004');
    graph.outsideWindow('34611000004');
    const reply = await replyAndWait(leadId, { text: '¿Sigue interesada?' });
    expect(reply.delivery).toBe('failed');
    expect(JSON.stringify(reply.meta)).toMatch(/more than 24 hours ago.*template/);
    expect(graph.sent(PHONE_NUMBER_ID).filter((m) => m.to === '34611000004')).toEqual([]);

    // The template goes out where free text cannot.
    const template = {
      name: 'seguimiento',
      language: 'es',
      parameters: ['Ana', 'la chaqueta Nord'],
    };
    const followUp = await replyAndWait(leadId, { text: 'Seguimiento', template });
    expect(followUp).toMatchObject({
      delivery: 'sent',
      text: 'Template seguimiento (es): Ana | la chaqueta Nord',
    });
    expect(graph.sent(PHONE_NUMBER_ID).filter((m) => m.to === '34611000004')).toEqual([
      expect.objectContaining({ type: 'template', template, wamid: followUp.externalId }),
    ]);
  });

  it('a failed status after sending marks the reply failed with what WhatsApp said', async () => {
    const leadId = await newLead('34611000005');
    const reply = await replyAndWait(leadId, { text: 'Le escribimos por aquí.' });
    const sent = graph.sent(PHONE_NUMBER_ID).find((m) => m.wamid === reply.externalId);
    if (!sent) throw new Error('reply not sent through Graph');
    const windowClosed = {
      code: 131047,
      title: 'Re-engagement message',
      message: 'Re-engagement message',
      error_data: { details: 'Message failed to send because more than 24 hours have passed.' },
    };
    expect((await signed(statusNotification(sent, 'failed', [windowClosed]))).status).toBe(200);
    const failed = await replyOf(leadId, reply.id, (r) => r.delivery === 'failed');
    expect(JSON.stringify(failed.meta)).toMatch(/more than 24 hours ago.*template/);
  });
});

describe('two numbers of one Meta app', () => {
  it('takes each number to its own channel, whichever channel URL Meta calls', async () => {
    const otherNumber = '106540352249999';
    graph.addNumber({ phoneNumberId: otherNumber, token: TOKEN });
    const second = (await connectNumber({ name: 'Second number', phoneNumberId: otherNumber }))
      .id as number;
    // One post to the first channel's URL, about both numbers (Meta batches per app).
    const forFirst = from('text', '34611000021');
    const forSecond = from('text', '34611000022');
    forSecond.entry[0].changes[0].value.metadata.phone_number_id = otherNumber;
    const post = { ...forFirst, entry: [...forFirst.entry, ...forSecond.entry] };
    expect((await signed(post, channelId)).status).toBe(200);
    expect((await processed(wamidOf(forFirst), channelId)).outcome).toBe('created_simple');
    expect((await processed(wamidOf(forSecond), second)).outcome).toBe('created_simple');
    // A number no channel has is not recorded anywhere (and not on the first channel).
    const stray = from('text', '34611000023');
    stray.entry[0].changes[0].value.metadata.phone_number_id = '999999999999999';
    expect((await signed(stray, channelId)).status).toBe(200);
    expect((await inboxOf(system, channelId)).map((r) => r.external_id)).not.toContain(
      wamidOf(stray),
    );
  });
});

describe('the greeting', () => {
  it('goes once to a customer whose first message starts a lead', async () => {
    const greeting = '¡Hola! Una persona del equipo le contesta enseguida.';
    const greeter = (await connectNumber({ name: 'Con saludo', greeting })).id as number;
    const first = await deliver(from('text', '34611000007'), greeter);
    expect(first.outcome).toBe('created_simple');
    const toCustomer = () => graph.sent(PHONE_NUMBER_ID).filter((m) => m.to === '34611000007');
    await waitFor('the greeting', () => toCustomer().length === 1);
    expect(toCustomer()[0]).toMatchObject({ type: 'text', text: greeting });
    const second = await deliver(from('text', '34611000007'), greeter);
    expect(second.outcome).toBe('appended');
    // The greeting step runs inside the ingest job: once the job is completed it has had its say.
    const { Queue } = await import('bullmq');
    const ingest = new Queue('ingest', {
      connection: { url: system.config.redisUrl },
      prefix: system.config.queuePrefix,
    });
    try {
      await waitFor('the second message’s job', async () => {
        return (await ingest.getJobState(`inbox-${second.id}`)) === 'completed';
      });
    } finally {
      await ingest.close();
    }
    const greetings = ((await lead(second.lead_id)).messages as Reply[]).filter(
      (m) => m.meta.greeting === true,
    );
    expect(greetings).toHaveLength(1);
    expect(toCustomer()).toHaveLength(1);
  });
});

describe('the channel as the admin sees it', () => {
  it("shows Graph's view of the number and never a secret", async () => {
    const shown = await call()('GET', `/api/v1/channels/${channelId}`);
    expect(shown.status).toBe(200);
    const text = JSON.stringify(shown.body);
    expect(text).toContain('"qualityRating":"GREEN"');
    expect(shown.body).toMatchObject({
      kind: 'whatsapp',
      phoneNumberId: PHONE_NUMBER_ID,
      // Always there, so the channel's page says where Meta must send its messages.
      callbackUrl: `/whatsapp/${channelId}/webhook`,
    });
    for (const secret of [TOKEN, APP_SECRET, VERIFY_TOKEN]) expect(text).not.toContain(secret);
  });

  it('was told, when saved, the webhook URL to type into Meta', () => {
    expect(JSON.stringify(created)).toContain(`"url":"/whatsapp/${channelId}/webhook"`);
    for (const secret of [TOKEN, APP_SECRET, VERIFY_TOKEN])
      expect(JSON.stringify(created)).not.toContain(secret);
  });
});

// Last: it blocks this address for a minute.
describe('an address that keeps failing', () => {
  it('is refused with 429, while a rightly signed post from it is still taken', async () => {
    const body = from('text', '34611000006');
    let status = 401;
    let tries = 0;
    for (; tries < 200 && status === 401; tries++)
      status = (await postWebhook(system.baseUrl, channelId, body, { signature: 'sha256=00' }))
        .status;
    // Earlier tests of this file failed from this address too: at most 30 failures in all.
    expect(status).toBe(429);
    expect(tries).toBeLessThanOrEqual(31);
    expect((await signed(body)).status).toBe(200);
  });
});
