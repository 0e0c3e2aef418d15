/** Webhook deliveries over real sockets to a receiver on 127.0.0.1, which the test controls. */
import type { LookupAddress } from 'node:dns';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sendWebhook, type ResolveAll, type SendOptions } from '../../workers/webhooks/send.ts';

interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Receiver {
  port: number;
  received: Received[];
  /** Sockets opened to the receiver, answered or not. */
  connections: number;
  close(): Promise<void>;
}

type Answer = (request: Received, response: ServerResponse) => void;

const receivers: Receiver[] = [];

afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

async function startReceiver(answer: Answer): Promise<Receiver> {
  const server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const received = {
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      receiver.received.push(received);
      answer(received, response);
    });
  });
  server.on('connection', () => receiver.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const receiver: Receiver = {
    port: (server.address() as AddressInfo).port,
    received: [],
    connections: 0,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  receivers.push(receiver);
  return receiver;
}

const answerWith =
  (status: number, body = '', headers: Record<string, string> = {}): Answer =>
  (_request, response) => {
    response.writeHead(status, headers);
    response.end(body);
  };

/** A resolver that answers every name with `addresses` and remembers what it was asked. */
function fixedLookup(...addresses: string[]): ResolveAll & { asked: string[] } {
  const asked: string[] = [];
  const resolve = async (hostname: string): Promise<LookupAddress[]> => {
    asked.push(hostname);
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolve, { asked });
}

const options = (overrides: Partial<SendOptions> = {}): SendOptions => ({
  allowPrivate: true,
  timeoutMs: 10_000,
  maxAnswerBytes: 1024,
  ...overrides,
});

const delivery = (url: string) => ({
  url: new URL(url),
  headers: { 'webhook-id': 'msg_1', 'webhook-signature': 'v1,c2lnbmF0dXJl' },
  body: '{"type":"lead.created","data":{"id":7,"name":"Zoë"}}',
});

describe('sendWebhook to a receiver the deployment allows', () => {
  it('posts the signed JSON with its headers and reads the start of the answer', async () => {
    const receiver = await startReceiver(answerWith(202, 'accepted '.repeat(100)));
    const request = delivery(`http://127.0.0.1:${receiver.port}/hooks/in?token=t0k3n`);
    const result = await sendWebhook(request, options({ maxAnswerBytes: 20 }));

    expect(result).toEqual({
      status: 202,
      durationMs: expect.any(Number),
      answer: 'accepted accepted ac',
    });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(receiver.received).toHaveLength(1);
    const [received] = receiver.received;
    expect(received?.method).toBe('POST');
    expect(received?.path).toBe('/hooks/in?token=t0k3n');
    expect(received?.body).toBe(request.body);
    expect(received?.headers).toMatchObject({
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(request.body)),
      'user-agent': 'Leadwire-Webhooks/1',
      'webhook-id': 'msg_1',
      'webhook-signature': 'v1,c2lnbmF0dXJl',
    });
  });

  it('connects to the address the lookup judged, sending the name as the host', async () => {
    const receiver = await startReceiver(answerWith(204));
    const lookup = fixedLookup('127.0.0.1');
    const result = await sendWebhook(
      delivery(`http://hooks.example.test:${receiver.port}/in`),
      options({ lookup }),
    );
    expect(result).toMatchObject({ status: 204, answer: '' });
    expect(lookup.asked).toEqual(['hooks.example.test']);
    expect(receiver.received[0]?.headers.host).toBe(`hooks.example.test:${receiver.port}`);
  });

  it('resolves names with the system resolver by default', async () => {
    const receiver = await startReceiver(answerWith(200, 'ok'));
    const result = await sendWebhook(delivery(`http://localhost:${receiver.port}/in`), options());
    expect(result).toMatchObject({ status: 200, answer: 'ok' });
  });

  it('returns a redirect as it is, without following it', async () => {
    const receiver = await startReceiver((request, response) => {
      response.writeHead(request.path === '/in' ? 302 : 200, { location: '/moved' });
      response.end('moved');
    });
    const result = await sendWebhook(delivery(`http://127.0.0.1:${receiver.port}/in`), options());
    expect(result).toMatchObject({ status: 302, answer: 'moved' });
    expect(receiver.received.map(({ path }) => path)).toEqual(['/in']);
  });

  it('stops reading an endless answer at maxAnswerBytes and hangs up', async () => {
    let hungUp!: () => void;
    const receiverSawClose = new Promise<void>((resolve) => (hungUp = resolve));
    const receiver = await startReceiver((_request, response) => {
      response.writeHead(200);
      response.on('close', hungUp);
      const pour = () => {
        while (!response.destroyed && response.write('x'.repeat(1024)));
        if (!response.destroyed) response.once('drain', pour);
      };
      pour();
    });
    const result = await sendWebhook(
      delivery(`http://127.0.0.1:${receiver.port}/in`),
      options({ maxAnswerBytes: 3000 }),
    );
    expect(result).toEqual({
      status: 200,
      durationMs: expect.any(Number),
      answer: 'x'.repeat(3000),
    });
    await receiverSawClose;
  });

  it('leaves out a character cut at the limit', async () => {
    const receiver = await startReceiver(answerWith(200, 'ééé'));
    const result = await sendWebhook(
      delivery(`http://127.0.0.1:${receiver.port}/in`),
      options({ maxAnswerBytes: 5 }),
    );
    expect(result.answer).toBe('éé');
  });
});

describe('sendWebhook refuses targets before connecting', () => {
  it('refuses this server when private targets are not allowed', async () => {
    const receiver = await startReceiver(answerWith(200));
    const lookup = fixedLookup('127.0.0.1');
    for (const host of ['127.0.0.1', 'localhost', '[::ffff:127.0.0.1]']) {
      const result = await sendWebhook(
        delivery(`http://${host}:${receiver.port}/in`),
        options({ allowPrivate: false, lookup }),
      );
      expect(result).toEqual({
        status: null,
        durationMs: expect.any(Number),
        answer: '',
        error: expect.stringMatching(/loopback.*webhooks are sent only to public internet/),
      });
    }
    expect(lookup.asked).toEqual([]);
    expect(receiver.connections).toBe(0);
  });

  it('refuses a name that resolves to the metadata service, even with private targets', async () => {
    const lookup = fixedLookup('169.254.169.254');
    const result = await sendWebhook(
      delivery('http://metadata.example.test/latest/meta-data/?secret=1'),
      options({ allowPrivate: true, lookup }),
    );
    expect(result.status).toBeNull();
    expect(result.error).toBe(
      'metadata.example.test resolves to a refused address: 169.254.169.254 is a link-local address (where cloud metadata services answer); webhooks are never sent there.',
    );
    expect(lookup.asked).toEqual(['metadata.example.test']);
  });

  it('refuses a name whose addresses mix public and private, connecting to none', async () => {
    const receiver = await startReceiver(answerWith(200));
    const lookup = fixedLookup('93.184.216.34', '127.0.0.1');
    const result = await sendWebhook(
      delivery(`http://rebind.example.test:${receiver.port}/in`),
      options({ allowPrivate: false, lookup }),
    );
    expect(result.status).toBeNull();
    expect(result.error).toMatch(
      /^rebind\.example\.test resolves to a refused address: 127\.0\.0\.1 is a loopback/,
    );
    expect(receiver.connections).toBe(0);
  });

  it('refuses a URL the rules refuse, naming no path or query', async () => {
    const result = await sendWebhook(
      { ...delivery('ftp://files.example.com/in?token=t0k3n'), body: '{}' },
      options(),
    );
    expect(result).toMatchObject({ status: null, error: expect.stringContaining('ftp:') });
    expect(result.error).not.toContain('t0k3n');
  });
});

describe('sendWebhook when the network fails', () => {
  it('gives up on a receiver that never answers after timeoutMs', async () => {
    const receiver = await startReceiver(() => {});
    const result = await sendWebhook(
      delivery(`http://127.0.0.1:${receiver.port}/in?token=t0k3n`),
      options({ timeoutMs: 300 }),
    );
    expect(result).toEqual({
      status: null,
      durationMs: expect.any(Number),
      answer: '',
      error: 'no answer from 127.0.0.1 within 0.3 s',
    });
  });

  it('keeps the status of an answer whose body stalls past the deadline', async () => {
    const receiver = await startReceiver((_request, response) => {
      response.writeHead(200);
      response.write('partial');
    });
    const result = await sendWebhook(
      delivery(`http://127.0.0.1:${receiver.port}/in`),
      options({ timeoutMs: 1_500 }),
    );
    expect(result).toEqual({ status: 200, durationMs: expect.any(Number), answer: 'partial' });
  });

  it('tells a refused connection', async () => {
    const receiver = await startReceiver(answerWith(200));
    await receiver.close();
    const result = await sendWebhook(delivery(`http://127.0.0.1:${receiver.port}/in`), options());
    expect(result).toMatchObject({
      status: null,
      error: '127.0.0.1 refused the connection: nothing listens on that port',
    });
  });

  it('tells a name DNS does not know', async () => {
    const lookup: ResolveAll = async (hostname) => {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    };
    const result = await sendWebhook(
      delivery('https://nowhere.example.test/in'),
      options({ lookup }),
    );
    expect(result).toMatchObject({
      status: null,
      error: "nowhere.example.test was not found in DNS; check the URL's host name",
    });
  });

  it('tells a TLS failure', async () => {
    // A plain-HTTP receiver spoken to over https: the handshake fails.
    const receiver = await startReceiver(answerWith(200));
    const result = await sendWebhook(delivery(`https://127.0.0.1:${receiver.port}/in`), options());
    expect(result.status).toBeNull();
    // OpenSSL's reason alone ("wrong version number"), without its source file and line.
    expect(result.error).toMatch(/^TLS with 127\.0\.0\.1 failed: [\w -]+$/);
  });
});
