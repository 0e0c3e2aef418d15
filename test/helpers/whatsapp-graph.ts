/**
 * A local stand-in for Meta's Graph API (WhatsApp Cloud API), since Meta's cloud cannot be
 * reached from a test machine. It speaks the real HTTP shapes Leadwire uses, over real HTTP:
 * - `GET /{version}/{phone-number-id}?fields=…` → the number's display number, name and quality;
 * - `GET /{version}/{media-id}` → `{url, mime_type, sha256, file_size, id}`, and that URL serves
 *   the bytes (both with the bearer token checked, as Meta does);
 * - `POST /{version}/{phone-number-id}/messages` → `{contacts, messages: [{id: wamid}]}`, or
 *   Graph's error object: 131047 for free text to a customer outside the 24-hour window, or any
 *   failure queued with `failNext` (rate limits).
 * Unknown tokens get Graph's 401 (code 190), unknown ids its 400 (code 100, subcode 33).
 * `postWebhook` plays Meta's side of the webhook: a notification signed with the app secret.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signBody } from '../../connectors/whatsapp/signature.ts';

export interface GraphNumber {
  phoneNumberId: string;
  token: string;
  displayPhoneNumber: string;
  verifiedName: string;
  qualityRating: string;
}

export interface GraphFailure {
  status: number;
  error: Record<string, unknown>;
}

export interface SentMessage {
  wamid: string;
  phoneNumberId: string;
  to: string;
  type: string;
  text?: string;
  template?: { name: string; language: string; parameters: string[] };
  at: Date;
}

export interface FakeGraph {
  /** e.g. `http://127.0.0.1:41234`: the channel's `apiRoot`. */
  apiRoot: string;
  addNumber(
    number: Pick<GraphNumber, 'phoneNumberId' | 'token'> & Partial<GraphNumber>,
  ): GraphNumber;
  /** A file a message can carry; `fileSize` fakes a larger one without the bytes. */
  addMedia(
    mediaId: string,
    content: Buffer,
    options: { mimeType: string; fileSize?: number },
  ): void;
  /** Free text to this wa_id is refused with 131047 from now on (templates still go). */
  outsideWindow(waId: string): void;
  /** The next `times` sends (or media look-ups and downloads) answer this instead. */
  failNext(failure: GraphFailure, times?: number, on?: 'send' | 'media'): void;
  sent(phoneNumberId?: string): SentMessage[];
  /** Every request, in order: `GET /v26.0/123` and whether its bearer token was right. */
  requests(): { method: string; path: string; authorized: boolean }[];
  close(): Promise<void>;
}

const trace = () => randomBytes(9).toString('base64url');
const graphError = (status: number, error: Record<string, unknown>): GraphFailure => ({
  status,
  error: { type: 'OAuthException', fbtrace_id: trace(), ...error },
});

export const BAD_TOKEN = graphError(401, {
  message: 'Invalid OAuth access token - Cannot parse access token',
  code: 190,
});
export const RATE_LIMITED = graphError(400, {
  message: '(#130429) Rate limit hit',
  code: 130429,
  error_data: {
    messaging_product: 'whatsapp',
    details: 'Cloud API message throughput has been reached.',
  },
});
export const WINDOW_CLOSED = graphError(400, {
  message: '(#131047) Re-engagement message',
  code: 131047,
  error_data: {
    messaging_product: 'whatsapp',
    details:
      'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
  },
});
const notFound = (id: string) =>
  graphError(400, {
    message: `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
    type: 'GraphMethodException',
    code: 100,
    error_subcode: 33,
  });
const invalid = (message: string) => graphError(400, { message: `(#100) ${message}`, code: 100 });

export async function startFakeGraph(): Promise<FakeGraph> {
  const numbers = new Map<string, GraphNumber>();
  const media = new Map<string, { content: Buffer; mimeType: string; fileSize: number }>();
  const closedWindows = new Set<string>();
  const failures = { send: [] as GraphFailure[], media: [] as GraphFailure[] };
  const sent: SentMessage[] = [];
  const requests: { method: string; path: string; authorized: boolean }[] = [];
  let apiRoot = '';

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const fail = (res: ServerResponse, failure: GraphFailure) =>
    send(res, failure.status, { error: failure.error });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', apiRoot);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const tokens = new Set([...numbers.values()].map((number) => number.token));
    const authorized = bearer !== undefined && tokens.has(bearer);
    requests.push({ method: req.method ?? '', path: url.pathname, authorized });
    if (!authorized) return fail(res, BAD_TOKEN);

    const mediaFailure = req.method === 'GET' && !numbers.has(url.pathname.split('/')[2] ?? '');
    const failure = mediaFailure ? failures.media.shift() : undefined;
    if (failure) return fail(res, failure);
    if (url.pathname === '/whatsapp_business/attachments/') {
      const file = media.get(url.searchParams.get('mid') ?? '');
      if (!file) return res.writeHead(404).end();
      return res.writeHead(200, { 'content-type': file.mimeType }).end(file.content);
    }
    const [, version, id, edge] = url.pathname.split('/');
    if (!version || !/^v\d+\.\d+$/.test(version) || !id) return fail(res, invalid('Unknown path'));
    const number = numbers.get(id);
    if (req.method === 'POST' && edge === 'messages' && number) {
      if (number.token !== bearer) return fail(res, notFound(id));
      return sendMessage(req, res, number);
    }
    if (req.method !== 'GET' || edge) return fail(res, invalid('Unknown path'));
    if (number) {
      return send(res, 200, {
        display_phone_number: number.displayPhoneNumber,
        verified_name: number.verifiedName,
        quality_rating: number.qualityRating,
        id,
      });
    }
    const file = media.get(id);
    if (!file) return fail(res, notFound(id));
    const hash = randomBytes(8).toString('base64url');
    send(res, 200, {
      messaging_product: 'whatsapp',
      url: `${apiRoot}/whatsapp_business/attachments/?mid=${id}&ext=${Date.now()}&hash=${hash}`,
      mime_type: file.mimeType,
      sha256: createHash('sha256').update(file.content).digest('hex'),
      file_size: file.fileSize,
      id,
    });
  };

  const sendMessage = async (req: IncomingMessage, res: ServerResponse, number: GraphNumber) => {
    let body: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- Graph's JSON
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return fail(res, invalid('Invalid JSON'));
    }
    const failure = failures.send.shift();
    if (failure) return fail(res, failure);
    if (body.messaging_product !== 'whatsapp')
      return fail(res, invalid('The parameter messaging_product is required.'));
    const to = String(body.to ?? '');
    if (!/^\+?\d{6,15}$/.test(to))
      return fail(res, invalid('Param to is not a valid phone number'));
    const message: SentMessage = {
      wamid: `wamid.HBgL${Buffer.from(to).toString('base64')}FQIAERgS${randomBytes(9).toString('hex').toUpperCase()}AA==`,
      phoneNumberId: number.phoneNumberId,
      to,
      type: String(body.type),
      at: new Date(),
    };
    if (body.type === 'text') {
      const text = body.text?.body;
      if (typeof text !== 'string' || !text)
        return fail(res, invalid("Param text['body'] is required"));
      if (text.length > 4096)
        return fail(res, invalid("Param text['body'] must be at most 4096 characters long."));
      if (closedWindows.has(to.replace('+', ''))) return fail(res, WINDOW_CLOSED);
      message.text = text;
    } else if (body.type === 'template') {
      const template = body.template ?? {};
      if (!template.name || !template.language?.code)
        return fail(res, invalid('Param template[name] and template[language] are required'));
      const parameters = (template.components ?? [])
        .filter((component: { type: string }) => component.type === 'body')
        .flatMap((component: { parameters?: { text: string }[] }) => component.parameters ?? [])
        .map((parameter: { text: string }) => parameter.text);
      message.template = { name: template.name, language: template.language.code, parameters };
    } else {
      return fail(res, invalid(`Unsupported message type ${String(body.type)}`));
    }
    sent.push(message);
    send(res, 200, {
      messaging_product: 'whatsapp',
      contacts: [{ input: to, wa_id: to.replace('+', '') }],
      messages: [
        { id: message.wamid, ...(message.template ? { message_status: 'accepted' } : {}) },
      ],
    });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { error: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiRoot = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    apiRoot,
    addNumber(number) {
      const full: GraphNumber = {
        displayPhoneNumber: '15550783881',
        verifiedName: 'Leadwire Test',
        qualityRating: 'GREEN',
        ...number,
      };
      numbers.set(full.phoneNumberId, full);
      return full;
    },
    addMedia(mediaId, content, options) {
      media.set(mediaId, {
        content,
        mimeType: options.mimeType,
        fileSize: options.fileSize ?? content.length,
      });
    },
    outsideWindow: (waId) => void closedWindows.add(waId.replace('+', '')),
    failNext(failure, times = 1, on = 'send') {
      for (let i = 0; i < times; i++) failures[on].push(failure);
    },
    sent: (phoneNumberId) =>
      sent.filter((message) => !phoneNumberId || message.phoneNumberId === phoneNumberId),
    requests: () => [...requests],
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Meta's side of the webhook: POSTs a notification, signed with `appSecret` unless told otherwise. */
export function postWebhook(
  baseUrl: string,
  channelId: number,
  notification: unknown,
  signing: { appSecret: string } | { signature: string | undefined },
): Promise<Response> {
  const body = typeof notification === 'string' ? notification : JSON.stringify(notification);
  const signature = 'appSecret' in signing ? signBody(body, signing.appSecret) : signing.signature;
  return fetch(`${baseUrl}/whatsapp/${channelId}/webhook`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(signature === undefined ? {} : { 'x-hub-signature-256': signature }),
    },
    body,
  });
}

/** A status notification about a message the fake sent, as Meta posts it. */
export function statusNotification(
  message: SentMessage,
  status: 'sent' | 'delivered' | 'read' | 'failed',
  errors?: Record<string, unknown>[],
) {
  const value = {
    messaging_product: 'whatsapp',
    metadata: { display_phone_number: '15550783881', phone_number_id: message.phoneNumberId },
    statuses: [
      {
        id: message.wamid,
        status,
        timestamp: String(Math.floor(Date.now() / 1000)),
        recipient_id: message.to.replace('+', ''),
        ...(errors ? { errors } : {}),
      },
    ],
  };
  return {
    object: 'whatsapp_business_account',
    entry: [{ id: '102290129340398', changes: [{ value, field: 'messages' }] }],
  };
}
