import type { MaybePromise } from '../../common/maybe-promise.js';

/*
 * The helpers of common/maybe-promise.ts, which state/ must not import at run time: that module exports a function
 * named `then`, which makes its module namespace a thenable, so `await import()` of it (vitest's module runner does
 * that for every module) calls it and fails with "function () { [native code] }". Only its types are imported here.
 */

export function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

/** Runs `next` with the value now, or after the promise settles; stays synchronous for synchronous input. */
export function andThen<T, R>(value: MaybePromise<T>, next: (value: T) => MaybePromise<R>): MaybePromise<R> {
  return isPromise(value) ? value.then(next) : next(value);
}
