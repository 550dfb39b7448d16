import type { MaybePromise } from '../../common/maybe-promise.js';

/** Turns a (maybe asynchronous) result list into the AsyncIterable range reads return, mapping lazily. */
export async function* iterateEntries<T, R>(
  entries: MaybePromise<readonly T[]>,
  map: (entry: T) => R,
): AsyncIterable<R> {
  for (const entry of await entries) yield map(entry);
}
