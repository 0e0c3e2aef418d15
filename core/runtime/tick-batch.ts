/**
 * Group commit for callers that each wait for their own answer: calls made in the same turn of
 * the event loop are handed to `run` together, once, and each caller gets its own result (or its
 * own error). The intake uses it so that the posts arriving together share one transaction (one
 * fsync) and one Redis round trip, while each is still answered only once its own row is durable.
 *
 * A batch gathers until the event loop has nothing else ready (`setImmediate`), so a lone call
 * waits no longer than a turn. `run` answers in the order it was given; when `run` itself throws,
 * every call of its batch fails with that error.
 */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export function tickBatch<I, O>(
  run: (items: I[]) => Promise<Settled<O>[]> | Settled<O>[],
): (item: I) => Promise<O> {
  let waiting: { item: I; resolve: (value: O) => void; reject: (error: unknown) => void }[] = [];

  const flush = async () => {
    const batch = waiting;
    waiting = [];
    let results: Settled<O>[];
    try {
      results = await run(batch.map((call) => call.item));
    } catch (error) {
      results = batch.map(() => ({ ok: false, error }));
    }
    batch.forEach((call, i) => {
      const result = results[i] ?? { ok: false, error: new Error('the batch gave no answer') };
      if (result.ok) call.resolve(result.value);
      else call.reject(result.error);
    });
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      if (waiting.length === 0) setImmediate(() => void flush());
      waiting.push({ item, resolve, reject });
    });
}
