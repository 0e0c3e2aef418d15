/**
 * The load generators. `fire`: closed loop with autocannon, each connection sending its next post
 * once the last is answered (how fast can the endpoint go). `startTraffic`: open model, request n
 * leaves n / rate seconds after the start whether or not earlier ones were answered, so a slow
 * server meets a growing queue as it would from real customers; a request's latency counts from
 * when it was due.
 */
import http from 'node:http';
import autocannon from 'autocannon';

export interface Post {
  body: Buffer;
  /** The inbox external id this post leaves when it is recorded. */
  externalId: string;
  headers?: Record<string, string>;
}

export interface Fired {
  result: autocannon.Result;
  /** Posts sent, answered or not. */
  posted: number;
  /** External ids of the posts answered 2xx, and answered otherwise. */
  accepted: string[];
  refused: string[];
}

export const acceptedPerSecond = ({ result }: Fired) => result['2xx'] / result.duration;

/** One autocannon run; with one request in flight per connection, its context names the post. */
export function fire(
  target: { url: string; headers: Record<string, string> },
  load: { seconds: number; connections: number },
  next: () => Post,
  signal: AbortSignal,
): Promise<Fired> {
  signal.throwIfAborted();
  const fired = { posted: 0, accepted: [] as string[], refused: [] as string[] };
  type Sent = { externalId?: string };
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: target.url,
        method: 'POST',
        headers: target.headers,
        connections: load.connections,
        pipelining: 1,
        duration: load.seconds,
        requests: [
          {
            setupRequest: (request, context) => {
              const post = next();
              fired.posted += 1;
              (context as Sent).externalId = post.externalId;
              const headers = { ...request.headers, ...post.headers };
              return { ...request, headers, body: post.body };
            },
            onResponse: (status, _body, context) => {
              const list = status >= 200 && status < 300 ? fired.accepted : fired.refused;
              list.push((context as Sent).externalId ?? '');
            },
          },
        ],
      },
      (error: unknown, result) => {
        signal.removeEventListener('abort', stop);
        if (signal.aborted) reject(signal.reason as Error);
        else if (error) reject(error instanceof Error ? error : new Error(String(error)));
        else resolve({ ...fired, result });
      },
    );
    const stop = () => instance.stop();
    signal.addEventListener('abort', stop, { once: true });
  });
}

export const statuses = (result: autocannon.Result) =>
  Object.entries(result.statusCodeStats ?? {})
    .map(([status, { count }]) => `${status} x${count ?? 0}`)
    .join(', ') || `no answers (${result.errors} errors, ${result.timeouts} timeouts)`;

/** A request's final state, by sequence number. */
export const SENT = 1;
export const ACCEPTED = 2;
export const REFUSED = 3;
export const FAILED = 4;

export interface TrafficCounts {
  sent: number;
  accepted: number;
  /** Answered otherwise, or no answer at all (connection error, timeout). */
  refused: number;
  failed: number;
  /** Milliseconds from when each answered request was due to its answer. */
  latencyMs: number[];
  /** Answers by status code, failures by error code. */
  outcomes: Map<string, number>;
}

export interface Traffic {
  /** The counts since the last call (or the start). */
  take(): TrafficCounts;
  /** The state of every request by sequence number: SENT … FAILED, 0 if never sent. */
  readonly states: Uint8Array;
  readonly inFlight: number;
  /** Resolves once the schedule has ended (or `stop` was called) and every request has ended. */
  readonly finished: Promise<void>;
  stop(): void;
}

const TICK_MS = 5;
const emptyCounts = (): TrafficCounts => ({
  sent: 0,
  accepted: 0,
  refused: 0,
  failed: 0,
  latencyMs: [],
  outcomes: new Map(),
});

export function startTraffic(options: {
  url: URL;
  headers: Record<string, string>;
  rate: number;
  seconds: number;
  /** Keep-alive connections; a request finding them all busy waits its turn (and its time counts). */
  connections: number;
  timeoutMs: number;
  /** The JSON body and Idempotency-Key of request n. */
  post: (n: number) => { body: string; idempotencyKey: string };
}): Traffic {
  const total = Math.floor(options.rate * options.seconds);
  const states = new Uint8Array(total);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  let counts = emptyCounts();
  let sent = 0;
  let inFlight = 0;
  let stopped = false;
  let finish = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const startedAt = performance.now();
  const done = () => {
    clearInterval(timer);
    agent.destroy();
    finish();
  };
  const settle = (n: number, state: number, outcome: string, dueAt: number) => {
    if (states[n] !== SENT) return;
    states[n] = state;
    inFlight -= 1;
    if (state === ACCEPTED) counts.accepted += 1;
    else if (state === REFUSED) counts.refused += 1;
    else counts.failed += 1;
    if (state !== FAILED) counts.latencyMs.push(performance.now() - dueAt);
    counts.outcomes.set(outcome, (counts.outcomes.get(outcome) ?? 0) + 1);
    if (stopped && inFlight === 0) done();
  };
  const send = (n: number) => {
    const dueAt = startedAt + (n * 1000) / options.rate;
    const { body, idempotencyKey } = options.post(n);
    const payload = Buffer.from(body);
    states[n] = SENT;
    inFlight += 1;
    counts.sent += 1;
    const request = http.request(options.url, {
      method: 'POST',
      agent,
      headers: {
        ...options.headers,
        'content-type': 'application/json',
        'content-length': payload.length,
        'idempotency-key': idempotencyKey,
      },
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    request.once('response', (response) => {
      const status = response.statusCode ?? 0;
      settle(n, status >= 200 && status < 300 ? ACCEPTED : REFUSED, String(status), dueAt);
      response.resume();
    });
    request.once('error', (error: NodeJS.ErrnoException) => {
      const timedOut = error.name === 'TimeoutError' || error.name === 'AbortError';
      settle(n, FAILED, timedOut ? 'timeout' : (error.code ?? error.name), dueAt);
    });
    request.end(payload);
  };
  const stop = () => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    if (inFlight === 0) done();
  };
  const timer = setInterval(() => {
    const due = Math.min(
      total,
      Math.floor(((performance.now() - startedAt) * options.rate) / 1000),
    );
    while (sent < due && !stopped) send(sent++);
    if (sent >= total) stop();
  }, TICK_MS);
  return {
    take() {
      const taken = counts;
      counts = emptyCounts();
      return taken;
    },
    states,
    get inFlight() {
      return inFlight;
    },
    finished,
    stop,
  };
}
