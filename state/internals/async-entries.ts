import type { MaybePromise } from '../../common/maybe-promise.js';

/**
 * The AsyncIterable that range reads return, over results that arrive in chunks: a hand-written iterator, because an
 * async generator costs noticeably more per entry on long scans. Entries are mapped as they are read.
 */
export function flatten<T, R>(chunks: AsyncIterable<readonly T[]>, map: (entry: T) => R): AsyncIterable<R> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<R> {
      const source = chunks[Symbol.asyncIterator]();
      let chunk: readonly T[] = [];
      let index = 0;
      const iterator: AsyncIterator<R> = {
        next(): Promise<IteratorResult<R>> {
          if (index < chunk.length) return Promise.resolve({ value: map(chunk[index++]), done: false });
          return source.next().then((result) => {
            if (result.done) return { value: undefined, done: true };
            chunk = result.value;
            index = 0;
            return iterator.next();
          });
        },
        return(): Promise<IteratorResult<R>> {
          chunk = [];
          const closing = source.return?.();
          return Promise.resolve(closing).then(() => ({ value: undefined, done: true }));
        },
      };
      return iterator;
    },
  };
}

/** A result list (maybe still being read) as an AsyncIterable. */
export function entriesOf<T, R>(entries: MaybePromise<readonly T[]>, map: (entry: T) => R): AsyncIterable<R> {
  return flatten(
    {
      async *[Symbol.asyncIterator]() {
        yield await entries;
      },
    },
    map,
  );
}
