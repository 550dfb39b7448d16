// Runs steps one after the other, synchronously while they are synchronous: a step that returns a promise (a store
// read that missed, an asynchronous downstream) delays the following steps until it settles (depth-first order).
import { isPromise, type MaybePromise } from '../../common/maybe-promise.js';

export function forEachInOrder<T>(
  items: readonly T[],
  step: (item: T) => MaybePromise<void>,
  from = 0,
): MaybePromise<void> {
  for (let i = from; i < items.length; i++) {
    const r = step(items[i]);
    if (r !== undefined && isPromise(r)) return r.then(() => forEachInOrder(items, step, i + 1));
  }
}
