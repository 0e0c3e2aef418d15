/**
 * Errors of the store as the rest of Leadwire sees them: a database that does not answer
 * (restarting, cut off, locked past its timeout) surfaces as StoreUnavailableError, whatever the
 * driver called it, so intake answers 503 with Retry-After and jobs retry with backoff.
 */
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { StoreUnavailableError } from '../core/errors.ts';
import { REPOSITORY_NAMES, type Store } from '../core/repositories/index.ts';

/** The driver's way of saying "not now" (a reason to show), or undefined for any other error. */
export type TransientClassifier = (error: unknown) => string | undefined;

const RAW = Symbol('the store behind the guard');

/**
 * The store with every repository method (and the blob store's) guarded: a transient failure
 * is rethrown as StoreUnavailableError with the original as its cause. Methods that do not
 * return a promise (a blob's read stream) pass through untouched.
 */
export function guardStore<S extends Store>(store: S, transient: TransientClassifier): Store {
  const rethrow = (caught: unknown): never => {
    // Drizzle wraps a driver's error in one that quotes the query and its parameters (customer
    // data, key hashes): the driver's own error is what goes on, to callers and to the logs.
    const error = rootCause(caught);
    const reason = error instanceof StoreUnavailableError ? undefined : transient(error);
    throw reason ? new StoreUnavailableError(reason, { cause: error }) : error;
  };
  type Method = (...args: unknown[]) => unknown;
  const wrap = <R extends object>(target: R): R => {
    // One guarded function per method, made on first use: every intake post calls several, and
    // a new closure per call was garbage on the hottest path. Keyed by the function itself, so a
    // method replaced on the object (a test's spy) gets a guard of its own.
    const guards = new WeakMap<Method, Method>();
    return new Proxy(target, {
      get(object, property) {
        const value: unknown = Reflect.get(object, property, object);
        if (typeof value !== 'function') return value;
        const method = value as Method;
        let guard = guards.get(method);
        if (!guard) {
          guard = (...args: unknown[]) => {
            const result = method.apply(object, args);
            return result instanceof Promise ? result.catch(rethrow) : result;
          };
          guards.set(method, guard);
        }
        return guard;
      },
    });
  };
  const guarded = {
    kind: store.kind,
    blobs: wrap(store.blobs),
    ping: () => store.ping().catch(rethrow),
    close: () => store.close(),
    [RAW]: store,
    ...Object.fromEntries(REPOSITORY_NAMES.map((name) => [name, wrap(store[name])])),
  };
  return guarded as unknown as Store;
}

/** The driver's error behind drizzle's wrapper (`Failed query: … params: …`). */
export function rootCause(error: unknown): unknown {
  return error instanceof DrizzleQueryError && error.cause ? error.cause : error;
}

/** The implementation behind a guarded store, for db/ modules (db copy, measurements, tests). */
export function unguarded<S extends Store>(store: Store): S {
  return ((store as unknown as { [RAW]?: S })[RAW] ?? store) as S;
}
