/**
 * The small Graph API client the channel needs: `{apiRoot}/{version}/…` with the access token as
 * a bearer header (never in a URL, an error or a log), a timeout on every call, and Graph's
 * error object kept whole so callers can decide by its code.
 */
import { DEFAULT_API_ROOT, type WhatsAppSettings } from './config.ts';
import { describeError } from './errors.ts';
import type { GraphErrorObject } from './schema.ts';

export interface GraphErrorBody extends GraphErrorObject {
  type?: string;
  error_subcode?: number;
  fbtrace_id?: string;
}

/** Graph answered with an error status. */
export class GraphError extends Error {
  override name = 'GraphError';
  constructor(
    readonly status: number,
    readonly body: GraphErrorBody,
    /** From a Retry-After header, when Graph sent one. */
    readonly retryAfterSeconds?: number,
  ) {
    super(`WhatsApp answered HTTP ${status}: ${describeError(body)}`);
  }

  get code(): number | undefined {
    return this.body.code;
  }
}

/** Graph could not be reached, or did not answer in time: worth trying again later. */
export class GraphUnreachableError extends Error {
  override name = 'GraphUnreachableError';
}

interface CallOptions {
  method?: 'GET' | 'POST';
  query?: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
}

export class GraphClient {
  readonly root: string;

  constructor(
    private readonly settings: WhatsAppSettings,
    private readonly token: string,
  ) {
    this.root = (settings.apiRoot ?? DEFAULT_API_ROOT).replace(/\/+$/, '');
  }

  /** `GET|POST {apiRoot}/{version}/{path}` → the JSON Graph answered. */
  async call<T>(path: string, options: CallOptions): Promise<T> {
    const url = new URL(`${this.root}/${this.settings.apiVersion}/${path}`);
    for (const [key, value] of Object.entries(options.query ?? {}))
      url.searchParams.set(key, value);
    const response = await this.fetch(url, options.timeoutMs, {
      method: options.method ?? 'GET',
      ...(options.body === undefined
        ? {}
        : { body: JSON.stringify(options.body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await response.text();
    const json = parseJson(text);
    if (!response.ok) throw graphError(response, json, text);
    return json as T;
  }

  /**
   * A media file from the URL Graph gave for it (the same bearer token is required). The token
   * goes only over HTTPS, or to the API root's own origin (a local Graph in tests); the body is
   * read up to `maxBytes` and no further (`undefined` content: it was larger).
   */
  async download(
    url: string,
    timeoutMs: number,
    maxBytes: number,
  ): Promise<{ content: Buffer | undefined; size: number; type?: string }> {
    const target = new URL(url);
    if (target.protocol !== 'https:' && target.origin !== new URL(this.root).origin) {
      throw new GraphError(400, {
        message: `refusing to send the access token to ${target.origin}`,
      });
    }
    const response = await this.fetch(target, timeoutMs, { method: 'GET' });
    if (!response.ok) {
      const text = await response.text();
      throw graphError(response, parseJson(text), text);
    }
    const type = response.headers.get('content-type') ?? undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    // Node's web streams are async iterable (the DOM's typings, which preact's JSX brings in, say not).
    for await (const chunk of (response.body ?? []) as unknown as AsyncIterable<Uint8Array>) {
      size += (chunk as Uint8Array).length;
      if (size > maxBytes) {
        await response.body?.cancel().catch(() => undefined);
        return { content: undefined, size, ...(type ? { type } : {}) };
      }
      chunks.push(Buffer.from(chunk as Uint8Array));
    }
    return { content: Buffer.concat(chunks), size, ...(type ? { type } : {}) };
  }

  private async fetch(url: URL, timeoutMs: number, init: RequestInit): Promise<Response> {
    // A header carries only visible ASCII: a token pasted with a stray character would fail as
    // "cannot be reached", and send nothing.
    if (!/^[\x21-\x7e]+$/.test(this.token)) {
      throw new GraphError(401, {
        code: 190,
        message:
          'the access token holds characters no token has (a space, a quote…): give it again',
      });
    }
    const headers = {
      ...(init.headers as Record<string, string>),
      authorization: `Bearer ${this.token}`,
    };
    try {
      return await fetch(url, { ...init, headers, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why =
        (error as Error).name === 'TimeoutError'
          ? `no answer within ${timeoutMs / 1000} s`
          : (cause?.code ?? cause?.message ?? (error as Error).message);
      throw new GraphUnreachableError(
        `WhatsApp's Graph API at ${url.origin} cannot be reached: ${why}`,
      );
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

function graphError(response: Response, json: unknown, text: string): GraphError {
  const body = (json as { error?: GraphErrorBody } | undefined)?.error;
  const retryAfter = Number(response.headers.get('retry-after'));
  return new GraphError(
    response.status,
    // Graph's own error object; any other answer is not repeated (it could be anything at all).
    body && typeof body === 'object'
      ? body
      : { message: `${response.statusText || 'error'}${text ? ' (not a Graph error)' : ''}` },
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
  );
}
