/**
 * Open-model load: request n leaves n / rate seconds after the start whether or not the earlier
 * ones have been answered, so a slow server meets a growing queue, as it would from real
 * customers, instead of a client that politely slows down with it (autocannon's connections each
 * wait for their answer, and its overallRate only caps the pace). Keep-alive connections from one
 * agent; a request that finds them all busy waits in the agent's queue, and its latency counts
 * from the moment it was due, not from when a connection freed up.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

/** Every 5 ms the requests due by then leave: 2 or 3 per tick at 500/s. */
const TICK_MS = 5;

/** Per request, by sequence number. */
export const SENT = 1;
export const ACCEPTED = 2;
export const REFUSED = 3;
export const FAILED = 4;

export interface TrafficCounts {
  sent: number;
  /** Answered 2xx. */
  accepted: number;
  /** Answered otherwise, and failed without an answer (connection error, timeout). */
  refused: number;
  failed: number;
  /** Milliseconds from when each answered request was due to its answer. */
  latencyMs: number[];
  /** Answers by status code, failures by error code. */
  outcomes: Map<string, number>;
}

export interface TrafficOptions {
  url: URL;
  headers: Record<string, string>;
  rate: number;
  seconds: number;
  connections: number;
  /** A request not answered this long after it was due counts as failed. */
  timeoutMs: number;
  /** The body and Idempotency-Key of request n (0-based). */
  post: (n: number) => { body: string; idempotencyKey: string };
}

export interface Traffic {
  /** The counts since the last call (or the start), which start again from zero. */
  take(): TrafficCounts;
  /** The final state of every request by sequence number: SENT … FAILED, 0 if never sent. */
  readonly states: Uint8Array;
  /** Requests sent so far. */
  readonly sent: number;
  /** Requests sent and not answered (or failed) yet. */
  readonly inFlight: number;
  /** Resolves once the schedule has ended (or `stop` was called) and every request has ended. */
  readonly finished: Promise<void>;
  /** Sends nothing more; requests in flight still end. */
  stop(): void;
}

const emptyCounts = (): TrafficCounts => ({
  sent: 0,
  accepted: 0,
  refused: 0,
  failed: 0,
  latencyMs: [],
  outcomes: new Map(),
});

export function startTraffic(options: TrafficOptions): Traffic {
  const total = Math.floor(options.rate * options.seconds);
  const states = new Uint8Array(total);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  let counts = emptyCounts();
  let sent = 0;
  let inFlight = 0;
  let stopped = false;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const startedAt = performance.now();

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
      // Counted from now, so a request stuck in the agent's queue times out too.
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    request.once('response', (response) => {
      const status = response.statusCode ?? 0;
      const accepted = status >= 200 && status < 300;
      settle(n, accepted ? ACCEPTED : REFUSED, String(status), dueAt);
      // Read to the end, so the connection can carry the next request.
      response.resume();
    });
    request.once('error', (error: NodeJS.ErrnoException) => {
      const code = error.name === 'TimeoutError' || error.name === 'AbortError' ? 'timeout' : '';
      settle(n, FAILED, code || error.code || error.name, dueAt);
    });
    request.end(payload);
  };

  const tick = () => {
    const due = Math.min(
      total,
      Math.floor(((performance.now() - startedAt) * options.rate) / 1000),
    );
    while (sent < due && !stopped) send(sent++);
    if (sent >= total) stop();
  };

  function done() {
    clearInterval(timer);
    agent.destroy();
    finish();
  }

  function stop() {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    if (inFlight === 0) done();
  }

  const timer = setInterval(tick, TICK_MS);
  return {
    take() {
      const taken = counts;
      counts = emptyCounts();
      return taken;
    },
    states,
    get sent() {
      return sent;
    },
    get inFlight() {
      return inFlight;
    },
    finished,
    stop,
  };
}
