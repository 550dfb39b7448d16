// Restoration: a worker restarted on intact local state restores only the changelog tail written since its
// checkpoint; a worker without local state restores the whole changelog; both before processing, with progress
// reported to the restore listener.
import { Serdes, StreamsBuilder } from 'tributary';
import { afterAll, describe, expect, it } from 'vitest';
import { consumeToEnd, createTopics, kafkaClient, uniqueName } from '../../support/kafka.js';
import { awaitOutput, produce, restoreCounter, StateDirs, valuesByKey, Worker } from './streams-support.js';

const S = Serdes.string();
const kafka = kafkaClient();
const dirs = new StateDirs();

afterAll(() => dirs.cleanup());

function countTopology(input: string, output: string) {
  const builder = new StreamsBuilder();
  builder
    .stream(input, { key: S, value: S })
    .groupByKey()
    .count({ name: 'restore-counts', caching: false })
    .toStream()
    .mapValues((n) => String(n))
    .to(output, { key: S, value: S });
  return builder.build();
}

describe('KafkaStreams restoration', () => {
  it('restores the whole changelog without local state and only the tail with intact local state', async () => {
    const input = uniqueName('restore-in');
    const output = uniqueName('restore-out');
    await createTopics(kafka, [
      { topic: input, numPartitions: 2 },
      { topic: output, numPartitions: 2 },
    ]);
    const applicationId = uniqueName('restore-app');
    const topology = countTopology(input, output);
    const dirA = dirs.create();
    const dirB = dirs.create();
    const keys = Array.from({ length: 25 }, (_, i) => `k-${i}`);
    const batch = (tag: string) => keys.map((key) => ({ key, value: tag }));
    const run = async (
      stateDir: string,
      input_: readonly { key: string; value: string }[],
      expected: number,
    ) => {
      const counter = restoreCounter();
      const worker = new Worker(topology, { applicationId, stateDir, restoreListener: counter.listener });
      await worker.start();
      await worker.waitFor('RUNNING');
      // Restoration finished before RUNNING: the counts are final now.
      const restoredBeforeProcessing = counter.total();
      await produce(input, input_);
      await awaitOutput(kafka, output, expected);
      await worker.close();
      return { restored: restoredBeforeProcessing, counter };
    };

    // 1. Fresh worker A: nothing to restore; 2 rounds -> 50 changelog records (no cache: one per update).
    const first = await run(dirA, [...batch('a1'), ...batch('a2')], 50);
    expect(first.restored).toBe(0);
    // 2. Worker B on an empty state directory: restores all 50 records, then adds 3 rounds (75 records).
    const second = await run(dirB, [...batch('b1'), ...batch('b2'), ...batch('b3')], 125);
    expect(second.restored).toBe(50);
    expect([...second.counter.restored.keys()].sort()).toEqual(['restore-counts/0', 'restore-counts/1']);
    // 3. Worker A again: its checkpoint is at 50, so it restores exactly the 75 records B wrote.
    const third = await run(dirA, batch('a3'), 150);
    expect(third.restored).toBe(75);

    const byKey = valuesByKey(await consumeToEnd(kafka, output));
    expect(byKey.size).toBe(keys.length);
    for (const key of keys) expect(byKey.get(key)).toEqual(['1', '2', '3', '4', '5', '6']);
  });
});
