/**
 * Tributary's hot path is synchronous: a processor, a store read that hits the cache and a forward all return plain
 * values. Only work that really waits (a RocksDB read that missed, a user's async processor) returns a promise, and
 * callers chain on it instead of paying a promise per record.
 */
export type MaybePromise<T> = T | Promise<T>;

export function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

/**
 * Runs `next` with the value now, or after the promise settles; stays synchronous for synchronous input.
 * (Not named `then`: a module exporting `then` is a thenable, and `await import()` of it would call it.)
 */
export function andThen<T, R>(value: MaybePromise<T>, next: (value: T) => MaybePromise<R>): MaybePromise<R> {
  return isPromise(value) ? value.then(next) : next(value);
}
