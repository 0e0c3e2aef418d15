/**
 * The load generators. `fire`: closed loop with autocannon, each connection sending its next post
 * once the last is answered (how fast can the endpoint go). `startTraffic`: open model, request n
 * leaves n / rate seconds after the start whether or not earlier ones were answered, so a slow
 * server meets a growing queue as it would from real customers; its latency counts from then.
 */
import http from 'node:http';
import autocannon from 'autocannon';

export interface Post {
  body: Buffer;
  /** The inbox external id this post leaves when it is recorded. */
  externalId: string;
  headers?: Record<string, string>;
}

/** One autocannon run; with one request in flight per connection, its context names the post. */
export function fire(
  load: {
    url: string;
    headers: Record<string, string>;
    seconds: number;
    connections: number;
    next: () => Post;
  },
  signal: AbortSignal,
) {
  signal.throwIfAborted();
  /** External ids of the posts answered 2xx. */
  const accepted: string[] = [];
  type Sent = { externalId?: string };
  return new Promise<{ result: autocannon.Result; accepted: string[] }>((resolve, reject) => {
    const instance = autocannon(
      {
        url: load.url,
        method: 'POST',
        headers: load.headers,
        connections: load.connections,
        pipelining: 1,
        duration: load.seconds,
        requests: [
          {
            setupRequest: (request, context) => {
              const post = load.next();
              (context as Sent).externalId = post.externalId;
              const headers = { ...request.headers, ...post.headers };
              return { ...request, headers, body: post.body };
            },
            onResponse: (status, _body, context) => {
              if (status >= 200 && status < 300) accepted.push((context as Sent).externalId ?? '');
            },
          },
        ],
      },
      (error: unknown, result) => {
        signal.removeEventListener('abort', stop);
        if (signal.aborted) reject(signal.reason as Error);
        else if (error) reject(error instanceof Error ? error : new Error(String(error)));
        else resolve({ result, accepted });
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

const TICK_MS = 5;
const REQUEST_TIMEOUT_MS = 30_000;
/** `refused`: answered otherwise, or not at all; `latencyMs`: from due to answered. */
const noCounts = () => ({ sent: 0, accepted: 0, refused: 0, latencyMs: [] as number[] });

export function startTraffic(options: {
  url: URL;
  headers: Record<string, string>;
  rate: number;
  seconds: number;
  /** Keep-alive connections; a request finding them all busy waits its turn (and its time counts). */
  connections: number;
  /** The JSON body and Idempotency-Key of request n. */
  post: (n: number) => { body: string; idempotencyKey: string };
}) {
  const total = Math.floor(options.rate * options.seconds);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  /** Sequence numbers of the requests answered 2xx. */
  const accepted: number[] = [];
  let [counts, sent, inFlight, stopped] = [noCounts(), 0, 0, false];
  let finish = () => {};
  /** Once the schedule has ended (or `stop` was called) and every request has ended. */
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const startedAt = performance.now();
  const send = (n: number) => {
    const dueAt = startedAt + (n * 1000) / options.rate;
    const { body, idempotencyKey } = options.post(n);
    const payload = Buffer.from(body);
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
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    let answered = false;
    /** Status 0: no answer. */
    const answer = (status: number) => {
      if (answered) return;
      answered = true;
      inFlight -= 1;
      if (status >= 200 && status < 300) {
        counts.accepted += 1;
        accepted.push(n);
      } else counts.refused += 1;
      if (status) counts.latencyMs.push(performance.now() - dueAt);
      if (stopped && inFlight === 0) done();
    };
    request.once('response', (response) => {
      answer(response.statusCode ?? 0);
      response.resume();
    });
    request.once('error', () => answer(0));
    request.end(payload);
  };
  const done = () => {
    agent.destroy();
    finish();
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
    /** The counts since the last call (or the start). */
    take() {
      const taken = counts;
      counts = noCounts();
      return taken;
    },
    accepted,
    get inFlight() {
      return inFlight;
    },
    finished,
    stop,
  };
}
