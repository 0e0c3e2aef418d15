/**
 * Steady intake traffic over HTTP for fault tests: web form posts and REST intake requests from
 * a fixed set of senders, every request kept with its key (form token or Idempotency-Key), its
 * answer and how long it took, so a test can count afterwards and send any of them again.
 */
import { makeSenders, spelled } from './senders.ts';

export type IntakeKind = 'form' | 'api';

export interface IntakeRequest {
  n: number;
  kind: IntakeKind;
  sender: number;
  /** The form token (its submission id) or the Idempotency-Key: sent again, it is the same request. */
  key: string;
  body: Record<string, unknown>;
}

export interface IntakeAnswer {
  startedAt: number;
  ms: number;
  /** The HTTP status, or 0 when no answer came (connection refused or reset, timeout). */
  status: number;
  inboxId?: number;
  duplicate?: boolean;
  error?: string;
}

export interface Sent extends IntakeRequest, IntakeAnswer {}

export interface TrafficTarget {
  baseUrl: string;
  apiKey: string;
  formSlug: string;
  /** A valid token for the next form post. */
  formToken: () => Promise<string>;
}

export const accepted = (answer: IntakeAnswer) => answer.status >= 200 && answer.status < 300;

/** Request `n`: even ones are form posts, odd ones API calls, sender `n % senders`. */
export async function makeRequest(
  target: TrafficTarget,
  n: number,
  senders: number,
): Promise<IntakeRequest> {
  const sender = makeSenders(1, n % senders)[0]!;
  const { email, phone } = spelled(sender, Math.floor(n / senders));
  const name = `Customer ${sender.index}`;
  if (n % 2 === 0) {
    const key = await target.formToken();
    const body = { name, email, phone, terms: 'yes', message: `form ${n}`, lw_token: key };
    return { n, kind: 'form', sender: sender.index, key, body };
  }
  const body = { name, email, phone, message: `api ${n}` };
  return { n, kind: 'api', sender: sender.index, key: `traffic-${n}`, body };
}

/** Sends one request and never throws: a failure is an answer with status 0. */
export async function send(
  target: TrafficTarget,
  request: IntakeRequest,
  timeoutMs = 10_000,
): Promise<IntakeAnswer> {
  const startedAt = Date.now();
  const [url, headers] =
    request.kind === 'form'
      ? [`${target.baseUrl}/f/${target.formSlug}`, { accept: 'application/json' }]
      : [
          `${target.baseUrl}/api/v1/leads`,
          { authorization: `Bearer ${target.apiKey}`, 'idempotency-key': request.key },
        ];
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(request.body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    const json = (text.startsWith('{') ? JSON.parse(text) : {}) as {
      inboxId?: number;
      duplicate?: boolean;
      error?: string;
    };
    return {
      startedAt,
      ms: Date.now() - startedAt,
      status: response.status,
      ...(json.inboxId !== undefined ? { inboxId: json.inboxId } : {}),
      ...(json.duplicate ? { duplicate: true } : {}),
      ...(response.ok ? {} : { error: json.error ?? text.slice(0, 200) }),
    };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return {
      startedAt,
      ms: Date.now() - startedAt,
      status: 0,
      error: cause?.code ?? cause?.message ?? (error as Error).message,
    };
  }
}

export interface Traffic {
  /** Every request so far, answered or not yet. */
  readonly sent: readonly Sent[];
  /** Stops starting new requests and waits for those in flight. */
  stop(): Promise<Sent[]>;
}

/** `concurrency` loops, each sending its next request as soon as the previous one is answered. */
export function startTraffic(
  target: TrafficTarget,
  options: {
    concurrency: number;
    senders: number;
    timeoutMs?: number;
    /** Each loop waits this long between requests (a steady rate rather than a flood). */
    pauseMs?: number;
  },
): Traffic {
  const sent: Sent[] = [];
  let next = 0;
  let stopped = false;
  const loop = async () => {
    while (!stopped) {
      const n = next++;
      const startedAt = Date.now();
      const request = await makeRequest(target, n, options.senders).catch((error: Error) => error);
      if (request instanceof Error) {
        // No token, so nothing was posted: kept as a failure the test will see.
        const failed = { n, kind: 'form', sender: -1, key: '', body: {}, startedAt } as const;
        sent.push({ ...failed, ms: Date.now() - startedAt, status: 0, error: request.message });
        continue;
      }
      sent.push({ ...request, ...(await send(target, request, options.timeoutMs)) });
      if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
    }
  };
  const loops = Array.from({ length: options.concurrency }, loop);
  return {
    sent,
    async stop() {
      stopped = true;
      await Promise.all(loops);
      return sent.sort((a, b) => a.n - b.n);
    },
  };
}

/**
 * What a client does when it got no good answer (a cut connection, a 503): sends the same request
 * again, a little later each time, until `done` says the answer will do.
 */
export async function sendAgain(
  target: TrafficTarget,
  request: IntakeRequest,
  done: (answer: IntakeAnswer) => boolean = (answer) => answer.status !== 0,
  attempts = 5,
): Promise<IntakeAnswer> {
  let answer = await send(target, request);
  for (let attempt = 1; attempt < attempts && !done(answer); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    answer = await send(target, request);
  }
  return answer;
}
