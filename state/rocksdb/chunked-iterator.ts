import type RocksDB from 'rocksdb-native';

/** What rocksdb-native's iterator is at run time: a streamx Readable. */
interface Readable {
  on(event: 'data', listener: (entry: RocksDB.Entry) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  pause(): unknown;
  resume(): unknown;
  destroy(error?: Error): unknown;
}

/**
 * Reads a rocksdb-native iterator in chunks. Its own async iteration costs a promise per entry; taking entries from
 * 'data' events and handing them over `highWater` at a time costs a promise per chunk. The stream is paused while a
 * full chunk waits for its consumer, and destroyed (native iterator closed) when the consumer stops early.
 */
export async function* chunksOf(
  iterator: AsyncIterable<RocksDB.Entry>,
  highWater = 1024,
): AsyncGenerator<RocksDB.Entry[]> {
  const stream = iterator as unknown as Readable;
  let buffer: RocksDB.Entry[] = [];
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const signal = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  stream.on('data', (entry) => {
    buffer.push(entry);
    if (buffer.length >= highWater) {
      stream.pause();
      signal();
    }
  });
  stream.on('end', () => {
    ended = true;
    signal();
  });
  stream.on('error', (error) => {
    failure = error;
    signal();
  });
  try {
    for (;;) {
      if (failure !== undefined) throw failure;
      if (buffer.length >= highWater || (ended && buffer.length > 0)) {
        const chunk = buffer;
        buffer = [];
        if (!ended) stream.resume();
        yield chunk;
        continue;
      }
      if (ended) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    if (!ended) stream.destroy();
  }
}
