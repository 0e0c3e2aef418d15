/**
 * One webhook delivery over HTTP, safe to aim at a URL a subscriber typed. The host's addresses
 * are resolved once, inside the connection's own lookup, and judged there: the socket connects
 * only to an address that was judged, so a name cannot be re-pointed at this server's network
 * between the check and the connection (DNS rebinding). If any address a name resolves to is
 * refused, the delivery is refused: such an answer is a mistake or an attack, and refusing it
 * every time is easier to explain than a delivery that works depending on which address is
 * tried. A URL written as an IP address is judged before connecting (no lookup happens then).
 *
 * Redirects are not followed (a 3xx is the answer); the whole exchange has one deadline; at most
 * `maxAnswerBytes` of the body are read, then the connection is closed. Network problems come
 * back as `{ status: null, error }`, never as exceptions; error texts name the host, never the
 * URL's path or query (which may carry the subscriber's token).
 *
 * Every delivery has its own connection (`agent: false`, which closes it after the answer):
 * subscribers are many hosts with a delivery now and then, so a pool would mostly hold idle
 * sockets, and a socket reused after its subscription changed would bypass the address check.
 * The cost is a TCP (and TLS) handshake per delivery.
 */
import type { LookupAddress } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  addressVerdict,
  checkWebhookUrl,
  hostVerdict,
  literalAddress,
} from '../../core/webhooks/targets.ts';

export const WEBHOOK_USER_AGENT = 'Leadwire-Webhooks/1';

export interface WebhookRequest {
  url: URL;
  /** Sent as they are (the Standard Webhooks id, timestamp and signature); content-type,
   * content-length and user-agent are always this sender's own. */
  headers: Record<string, string>;
  /** The JSON payload, exactly as it was signed. */
  body: string;
}

/** Every address a host name has, in the resolver's order. */
export type ResolveAll = (hostname: string) => Promise<readonly LookupAddress[]>;

export interface SendOptions {
  /** Whether loopback, private and reserved addresses may be called (a self-hosted deployment
   * posting into its own network). Link-local (cloud metadata), unspecified, multicast and
   * broadcast addresses are refused either way; see core/webhooks/targets.ts. */
  allowPrivate: boolean;
  /** The deadline for everything: resolving, connecting, TLS, the answer's head and as much of
   * its body as is read. */
  timeoutMs: number;
  /** How much of the answer's body is read and kept. */
  maxAnswerBytes: number;
  /** Resolves host names; dns.lookup with `all: true` unless a test gives its own. */
  lookup?: ResolveAll;
}

export interface SendResult {
  /** The answer's status, a 3xx included; null when there was no answer. */
  status: number | null;
  durationMs: number;
  /** The start of the answer's body: at most maxAnswerBytes, decoded as UTF-8 (a character
   * cut at the limit is left out). Empty when there was no answer. */
  answer: string;
  /** Why there is no status: a refused target, DNS, the deadline, a refused or reset
   * connection, TLS. Once a status came, the delivery has its outcome and a body that stops
   * early (or past the deadline) is kept as far as it came, without an error. */
  error?: string;
}

/** A target the address rules refuse; its message is the reason, for the subscriber. */
class TargetRefusedError extends Error {}

/** The deadline passed before a status came. */
class TimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

const TLS_CODE = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO/;

/** Why a delivery got no status, naming the host only: the path and query may hold a token. */
function describeFailure(error: unknown, host: string): string {
  if (error instanceof TargetRefusedError) return error.message;
  if (error instanceof TimeoutError)
    return `no answer from ${host} within ${error.timeoutMs / 1000} s`;
  // Several addresses tried one after another (autoSelectFamily): the first one's failure.
  if (error instanceof AggregateError && error.errors[0] !== undefined)
    return describeFailure(error.errors[0], host);
  const { code = '', message = String(error) } = error as NodeJS.ErrnoException;
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_NONAME':
    case 'EAI_NODATA':
      return `${host} was not found in DNS; check the URL's host name`;
    case 'EAI_AGAIN':
      return `DNS could not resolve ${host} just now (a temporary failure)`;
    case 'ECONNREFUSED':
      return `${host} refused the connection: nothing listens on that port`;
    case 'ECONNRESET':
      return `${host} closed the connection before answering`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${host} cannot be reached from this server (${code})`;
    case 'ETIMEDOUT':
      return `connecting to ${host} timed out`;
  }
  // OpenSSL's own failures (EPROTO) carry its reason inside a long message.
  const openssl = /SSL routines:[^:]*:([^:]+)/.exec(message)?.[1];
  if (openssl) return `TLS with ${host} failed: ${openssl}`;
  if (TLS_CODE.test(code)) return `TLS with ${host} failed: ${message} (${code})`;
  return `sending to ${host} failed: ${message}${code ? ` (${code})` : ''}`;
}

const resolveWithDns: ResolveAll = (hostname) => dnsLookup(hostname, { all: true });

/** A connection's lookup that judges every address a name has and hands over only those. */
function checkedLookup(resolve: ResolveAll, allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    const judged = resolve(hostname).then((addresses) => {
      if (addresses.length === 0)
        throw Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' });
      for (const { address } of addresses) {
        const verdict = addressVerdict(address, allowPrivate);
        if (!verdict.ok)
          throw new TargetRefusedError(
            `${hostname} resolves to a refused address: ${verdict.reason}`,
          );
      }
      const wanted = addresses.filter(({ family }) => !options.family || family === options.family);
      if (wanted.length === 0)
        throw Object.assign(new Error(`${hostname} has no IPv${options.family} address`), {
          code: 'ENOTFOUND',
        });
      return wanted;
    });
    judged.then(
      (addresses) => {
        const [first] = addresses;
        if (options.all) callback(null, [...addresses]);
        else if (first) callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}

function decodeStart(chunks: Buffer[], cut: boolean): string {
  // `stream: true` holds back a character cut in half at the limit instead of showing U+FFFD.
  return new TextDecoder().decode(Buffer.concat(chunks), { stream: cut });
}

/** Posts and reads; rejects only when no status came. */
function exchange(
  request: WebhookRequest,
  options: SendOptions,
): Promise<{ status: number; answer: string }> {
  return new Promise((resolve, reject) => {
    const { url } = request;
    const body = Buffer.from(request.body, 'utf8');
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const outgoing = send({
      protocol: url.protocol,
      host: literalAddress(url.hostname) ?? url.hostname,
      port: url.port || undefined,
      path: `${url.pathname}${url.search}`,
      method: 'POST',
      headers: {
        ...request.headers,
        'content-type': 'application/json',
        'content-length': String(body.length),
        'user-agent': WEBHOOK_USER_AGENT,
      },
      agent: false,
      lookup: checkedLookup(options.lookup ?? resolveWithDns, options.allowPrivate),
    });
    const deadline = setTimeout(
      () => outgoing.destroy(new TimeoutError(options.timeoutMs)),
      options.timeoutMs,
    );
    let answered: { response: IncomingMessage; chunks: Buffer[]; read: number } | undefined;
    let settled = false;
    const finish = (cut: boolean) => {
      if (settled || !answered) return;
      settled = true;
      clearTimeout(deadline);
      outgoing.destroy();
      const { response, chunks } = answered;
      resolve({ status: response.statusCode ?? 0, answer: decodeStart(chunks, cut) });
    };

    outgoing.on('response', (response) => {
      answered = { response, chunks: [], read: 0 };
      const reading = answered;
      response.on('data', (chunk: Buffer) => {
        if (settled) return;
        const kept = chunk.subarray(0, options.maxAnswerBytes - reading.read);
        reading.chunks.push(kept);
        reading.read += kept.length;
        if (reading.read >= options.maxAnswerBytes) finish(true);
      });
      response.on('end', () => finish(false));
      // Past the deadline or reset mid-body: the status stands, with the body as far as it came.
      response.on('error', () => finish(true));
      response.on('close', () => finish(true));
      if (options.maxAnswerBytes <= 0) finish(false);
    });
    outgoing.on('error', (error) => {
      if (answered) return finish(true);
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      reject(error);
    });
    outgoing.end(body);
  });
}

/** Posts a webhook and tells what came back; never throws. */
export async function sendWebhook(
  request: WebhookRequest,
  options: SendOptions,
): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const host = request.url.hostname;
  const checked = checkWebhookUrl(request.url.href);
  const target = checked.ok ? hostVerdict(host, options.allowPrivate) : checked;
  if (!target.ok) return { status: null, durationMs: elapsed(), answer: '', error: target.reason };
  try {
    const { status, answer } = await exchange(request, options);
    return { status, durationMs: elapsed(), answer };
  } catch (error) {
    return { status: null, durationMs: elapsed(), answer: '', error: describeFailure(error, host) };
  }
}
