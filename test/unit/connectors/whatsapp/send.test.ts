/** Replies through the Cloud API, against a local server that speaks Graph's real HTTP shapes. */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelRecord } from '../../../../core/repositories/channels.ts';
import type { MessageRecord } from '../../../../core/repositories/leads.ts';
import { createLogger } from '../../../../core/runtime/logger.ts';
import {
  PermanentSendError,
  RateLimitedError,
  RecipientUnreachableError,
} from '../../../../core/errors.ts';
import { GraphError } from '../../../../connectors/whatsapp/graph.ts';
import { sendError } from '../../../../connectors/whatsapp/send-errors.ts';
import { whatsappSender } from '../../../../connectors/whatsapp/send.ts';
import type { WhatsAppReplyMeta } from '../../../../connectors/whatsapp/send.ts';
import { whatsappSettingsSupport } from '../../../../connectors/whatsapp/settings.ts';
import { RATE_LIMITED, startFakeGraph, type FakeGraph } from '../../../helpers/whatsapp-graph.ts';

const KEY = 's'.repeat(40);
const TOKEN = 'EAAGsend-test-access-token-0123456789';
const NUMBER_ID = '200000000000001';
const credentials = { secretsKey: KEY, readVariable: () => undefined };
const sender = whatsappSender({ credentials, log: createLogger('silent') });
let graph: FakeGraph;

beforeAll(async () => {
  graph = await startFakeGraph();
  graph.addNumber({ phoneNumberId: NUMBER_ID, token: TOKEN });
});
afterAll(() => graph?.close());

function channel(apiRoot = graph.apiRoot, token = TOKEN): ChannelRecord {
  const prepared = whatsappSettingsSupport.prepare(
    {
      phoneNumberId: NUMBER_ID,
      accessToken: { value: token },
      appSecret: { value: 'app-secret' },
      verifyToken: 'verify-me-please',
      apiRoot,
    },
    { secretsKey: KEY, now: new Date(), previous: undefined },
  );
  if (!prepared.ok) throw new Error('settings refused');
  return {
    id: 7,
    kind: 'whatsapp',
    name: 'Ventas',
    config: prepared.config,
    defaultCountry: null,
    appendScope: 'any',
    lastAssignedUserId: null,
    active: true,
    createdAt: new Date(),
    operatorIds: [],
  };
}

let nextId = 1;
function reply(text: string, whatsapp: Partial<WhatsAppReplyMeta> & { to: string }) {
  const message: MessageRecord = {
    id: nextId++,
    leadId: 1,
    channelId: 7,
    direction: 'out',
    externalId: `wa-out-${nextId}`,
    inboxId: null,
    sender: 'Ventas',
    text,
    sentAt: new Date(),
    meta: { whatsapp: { identityKey: `phone:+${whatsapp.to}`, ...whatsapp } },
    delivery: 'queued',
    createdAt: new Date(),
  };
  const saved: Record<string, unknown>[] = [];
  return {
    message,
    saved,
    saveMeta: async (meta: Record<string, unknown>) => void saved.push(meta),
  };
}

const sentTo = (to: string) => graph.sent(NUMBER_ID).filter((message) => message.to === to);

describe('the WhatsApp sender', () => {
  it('posts free text and returns the wamid as the external id', async () => {
    const { message, saveMeta } = reply('Le llamamos mañana a las 10.', { to: '34600000001' });
    const result = await sender.send({ channel: channel(), message, saveMeta });
    const [sent] = sentTo('34600000001');
    expect(sent).toMatchObject({ type: 'text', text: 'Le llamamos mañana a las 10.' });
    expect(result.externalId).toBe(sent?.wamid);
    expect(result.meta).toMatchObject({
      whatsapp: { sentParts: [sent?.wamid] },
      sent: { parts: 1 },
    });
  });

  it('splits over 4,096 characters and never repeats a part on a retry', async () => {
    const words = Array.from({ length: 900 }, (_, i) => `texto${String(i).padStart(4, '0')}`);
    const text = words.map((word, i) => (i % 150 === 149 ? `${word}\n\n` : `${word} `)).join('');
    const { message, saved } = reply(text, { to: '34600000002' });
    // The part after the first fails (a 5xx): the job fails, the first part stays recorded.
    const savedIds: (string | undefined)[] = [];
    const saveMeta = async (meta: Record<string, unknown>, externalId?: string) => {
      if (!saved.length)
        graph.failNext({ status: 500, error: { message: 'Unknown error', code: 1 } });
      saved.push(meta);
      savedIds.push(externalId);
    };
    const failed = await sender
      .send({ channel: channel(), message, saveMeta })
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(GraphError);
    expect(failed).not.toBeInstanceOf(PermanentSendError);
    expect(sentTo('34600000002')).toHaveLength(1);

    // The retried job reads the meta saved so far.
    const retried = { ...message, meta: saved[saved.length - 1] ?? {} };
    const result = await sender.send({ channel: channel(), message: retried, saveMeta });
    const sent = sentTo('34600000002');
    expect(sent).toHaveLength(3);
    expect(sent.every((m) => (m.text?.length ?? 0) <= 4096)).toBe(true);
    expect(
      sent
        .map((m) => m.text)
        .join(' ')
        .split(/\s+/),
    ).toEqual(words);
    expect((result.meta.whatsapp as WhatsAppReplyMeta).sentParts).toEqual(sent.map((m) => m.wamid));
    // The reply is known by its first part's wamid from the moment that part is accepted.
    expect(result.externalId).toBe(sent[0]?.wamid);
    expect(saved).toHaveLength(3);
    expect(savedIds).toEqual(Array(3).fill(sent[0]?.wamid));
  });

  it('sends an approved template with its body parameters', async () => {
    const template = { name: 'follow_up', language: 'es', parameters: ['Ana', 'la chaqueta Nord'] };
    const { message, saveMeta } = reply('Template follow_up (es): Ana | la chaqueta Nord', {
      to: '34600000004',
      template,
    });
    const result = await sender.send({ channel: channel(), message, saveMeta });
    const [sent] = sentTo('34600000004');
    expect(sent).toMatchObject({ type: 'template', template });
    expect(result).toMatchObject({
      externalId: sent?.wamid,
      response: expect.stringContaining('accepted'),
    });
  });

  it('refuses free text outside the 24-hour window with the template hint', async () => {
    graph.outsideWindow('34600000005');
    const { message, saveMeta } = reply('¿Sigue interesada?', { to: '34600000005' });
    const error = await sender
      .send({ channel: channel(), message, saveMeta })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentSendError);
    expect((error as Error).message).toMatch(/more than 24 hours ago.*template.*131047/);
  });

  it('waits on a rate limit, gives up on a refused token without quoting it, retries a 5xx', async () => {
    const attempt = (to: string, target = channel()) => {
      const { message, saveMeta } = reply('Hola', { to });
      return sender.send({ channel: target, message, saveMeta }).catch((e: unknown) => e);
    };
    graph.failNext(RATE_LIMITED);
    const limited = await attempt('34600000006');
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect((limited as RateLimitedError).retryAfterSeconds).toBe(2);

    const refused = await attempt(
      '34600000006',
      channel(graph.apiRoot, 'EAAGwrong-token-value-0000000'),
    );
    expect(refused).toBeInstanceOf(PermanentSendError);
    expect((refused as Error).message).toMatch(/access token.*set a new accessToken on channel 7/);
    expect((refused as Error).message).not.toContain('wrong-token');

    graph.failNext({ status: 503, error: { message: 'Service temporarily unavailable', code: 2 } });
    const down = await attempt('34600000006');
    expect(down).toBeInstanceOf(Error);
    expect(down).not.toBeInstanceOf(PermanentSendError);
    expect(sentTo('34600000006')).toEqual([]);
  });

  it('retries when Graph cannot be reached, and says where it tried', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const { message, saveMeta } = reply('Hola', { to: '34600000007' });
    const error = await sender
      .send({ channel: channel(`http://127.0.0.1:${port}`), message, saveMeta })
      .catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(PermanentSendError);
    expect((error as Error).message).toMatch(
      new RegExp(`127.0.0.1:${port} cannot be reached: ECONNREFUSED`),
    );
    expect((error as Error).message).not.toContain(TOKEN);
  });
});

describe('Graph errors → what the outbound worker does', () => {
  const error = (code: number, status = 400, title = 'x') =>
    sendError(
      new GraphError(status, { code, title, error_data: { details: `details ${code}` } }),
      3,
    );

  it.each([4, 80007, 130429, 131056, 613])('%i is a rate limit', (code) => {
    expect(error(code)).toBeInstanceOf(RateLimitedError);
  });

  it('honours Retry-After, and a bare HTTP 429', () => {
    const limited = sendError(new GraphError(429, { message: 'slow down' }, 17), 3);
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect((limited as RateLimitedError).retryAfterSeconds).toBe(17);
  });

  it.each([131026, 131021, 131049, 131050])(
    '%i: WhatsApp cannot deliver to the customer, in its words',
    (code) => {
      const mapped = error(code, 400, 'Message undeliverable');
      expect(mapped).toBeInstanceOf(PermanentSendError);
      expect(mapped).not.toBeInstanceOf(RecipientUnreachableError);
      expect(mapped.message).toBe(
        `WhatsApp cannot deliver to this customer: Message undeliverable: details ${code} (${code})`,
      );
    },
  );

  it('names the setting for a dead or weak token, and the template for template errors', () => {
    expect(error(190, 401).message).toMatch(
      /^WhatsApp refused the access token.*accessToken on channel 3/,
    );
    expect(error(10, 403).message).toMatch(/whatsapp_business_messaging/);
    expect(error(132001).message).toMatch(/^WhatsApp refused the template/);
    expect(error(100).message).toMatch(/^WhatsApp refused the message/);
    for (const mapped of [error(190, 401), error(10, 403), error(132001), error(100)])
      expect(mapped).toBeInstanceOf(PermanentSendError);
  });

  it('leaves 5xx and the codes Graph says to retry as plain errors', () => {
    for (const mapped of [error(131000, 500), error(1), error(2), error(131016), error(0, 502)]) {
      expect(mapped).toBeInstanceOf(GraphError);
      expect(mapped).not.toBeInstanceOf(PermanentSendError);
    }
  });
});
