// A transactional call that librdkafka never answers (it can wait forever for a group coordinator whose broker
// handle it dropped) must not hang the stream thread: the producer gives up on it a bounded time after the call's
// own timeout, with an error of kind 'fenced' (the thread then replaces the producer), and never disconnects the
// blocked client.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KafkaRuntimeError } from '../../../../runtime/kafka/kafka-errors.js';
import type { NativeProducer } from '../../../../runtime/kafka/rdkafka.js';
import type { StreamConsumer } from '../../../../runtime/kafka/stream-consumer.js';
import { StreamProducer } from '../../../../runtime/kafka/stream-producer.js';

type Callback = (err: unknown) => void;

/** The calls the producer makes on a transactional client; sendOffsetsToTransaction answers only if told to. */
function fakeNative(options: { answerSendOffsets: boolean }) {
  const calls: string[] = [];
  const native = {
    beginTransaction: (cb: Callback) => {
      calls.push('beginTransaction');
      cb(null);
    },
    sendOffsetsToTransaction: (_offsets: unknown, _consumer: unknown, timeout: number, cb: Callback) => {
      calls.push(`sendOffsetsToTransaction(${timeout})`);
      if (options.answerSendOffsets) setTimeout(() => cb(null), 10);
    },
    commitTransaction: (_timeout: number, cb: Callback) => {
      calls.push('commitTransaction');
      cb(null);
    },
    disconnect: (cb: Callback) => {
      calls.push('disconnect');
      cb(null);
    },
  };
  return { native: native as unknown as NativeProducer, calls };
}

/** The private constructor, as create() calls it after connecting: (native, transactional, countsDeliveries, timeoutMs). */
const construct = StreamProducer as unknown as new (
  native: NativeProducer,
  transactional: boolean,
  countsDeliveries: boolean,
  timeoutMs: number,
) => StreamProducer;

const consumer = { nativeClient: {} } as unknown as StreamConsumer;
const offsets = { consumer, offsets: [{ topic: 'in', partition: 0, offset: 42 }] };

afterEach(() => {
  vi.useRealTimers();
});

describe('StreamProducer: a transactional call that is never answered', () => {
  it('fails with kind fenced 10 s after the call timeout, and close() leaves the blocked client alone', async () => {
    vi.useFakeTimers();
    const { native, calls } = fakeNative({ answerSendOffsets: false });
    const producer = new construct(native, true, false, 5_000);
    await producer.beginTransaction();
    const outcome = producer.commitTransaction(offsets).then(
      () => 'committed',
      (e: unknown) => e,
    );

    await vi.advanceTimersByTimeAsync(14_900);
    let settled = false;
    void outcome.then(() => {
      settled = true;
    });
    await Promise.resolve();
    expect(settled).toBe(false);

    await vi.advanceTimersByTimeAsync(200);
    const error = await outcome;
    expect(error).toBeInstanceOf(KafkaRuntimeError);
    expect((error as KafkaRuntimeError).kind).toBe('fenced');
    expect((error as Error).message).toMatch(
      /^sendOffsets failed \(fenced\): no answer 15000 ms after the call/,
    );
    // Never called again, not even to commit: the client is wedged.
    expect(calls).toEqual(['beginTransaction', 'sendOffsetsToTransaction(5000)']);
    await expect(producer.beginTransaction()).rejects.toThrow(/sendOffsets failed \(fenced\)/);

    await producer.close();
    expect(calls).not.toContain('disconnect');
  });

  it('a call answered in time commits and a later close() disconnects', async () => {
    const { native, calls } = fakeNative({ answerSendOffsets: true });
    const producer = new construct(native, true, false, 5_000);
    await producer.beginTransaction();
    await producer.commitTransaction(offsets);
    await producer.close();
    expect(calls).toEqual([
      'beginTransaction',
      'sendOffsetsToTransaction(5000)',
      'commitTransaction',
      'disconnect',
    ]);
  });
});
