// Two workers of one application in one process (each with its own state directory): the tasks split between them;
// when one stops, its tasks move to the other, which restores their state; the output is complete and exact.
import { Serdes, StreamsBuilder } from 'tributary';
import { afterAll, describe, expect, it } from 'vitest';
import { partitionForKey } from '../../../runtime/kafka/murmur2.js';
import { consumeToEnd, createTopics, kafkaClient, uniqueName } from '../../support/kafka.js';
import { awaitOutput, produce, restoreCounter, StateDirs, valuesByKey, Worker } from './streams-support.js';

const S = Serdes.string();
const kafka = kafkaClient();
const dirs = new StateDirs();

afterAll(() => dirs.cleanup());

function taskIds(worker: Worker): string[] {
  return worker.streams
    .metadataForLocalThreads()
    .flatMap((t) => t.activeTasks.map((a) => a.taskId))
    .sort();
}

describe('KafkaStreams with two workers', () => {
  it('splits the tasks, moves them when a worker stops, and the output stays exact', async () => {
    const input = uniqueName('rebalance-in');
    const output = uniqueName('rebalance-out');
    await createTopics(kafka, [
      { topic: input, numPartitions: 4 },
      { topic: output, numPartitions: 2 },
    ]);
    const builder = new StreamsBuilder();
    builder
      .stream(input, { key: S, value: S })
      .groupByKey()
      .count({ name: 'moving-counts', caching: false })
      .toStream()
      .mapValues((n) => String(n))
      .to(output, { key: S, value: S });
    const topology = builder.build();
    const applicationId = uniqueName('rebalance-app');
    const keys = Array.from({ length: 40 }, (_, i) => `k-${i}`);
    const batch = (tag: string) => keys.map((key) => ({ key, value: tag }));
    const restoresOfA = restoreCounter();

    const a = new Worker(topology, {
      applicationId,
      stateDir: dirs.create(),
      restoreListener: restoresOfA.listener,
    });
    await a.start();
    await a.waitFor('RUNNING');
    expect(taskIds(a)).toEqual(['0_0', '0_1', '0_2', '0_3']);
    await produce(input, batch('1'));
    await awaitOutput(kafka, output, keys.length);

    const b = new Worker(topology, { applicationId, stateDir: dirs.create() });
    await b.start();
    await b.waitFor('RUNNING');
    await a.waitFor('RUNNING');
    // Range assignment: each worker owns two of the four tasks.
    const split = [taskIds(a), taskIds(b)];
    expect(split.map((ids) => ids.length)).toEqual([2, 2]);
    expect([...split[0], ...split[1]].sort()).toEqual(['0_0', '0_1', '0_2', '0_3']);
    await produce(input, batch('2'));
    await awaitOutput(kafka, output, keys.length * 2);

    const restoredBeforeHandover = restoresOfA.total();
    const tasksOfB = taskIds(b);
    await b.close();
    await waitUntil(() => runningTasks(a) === 4, 'worker A to run all four tasks');
    // A closed B's tasks with a checkpoint when B joined; now it restores exactly what B wrote to their changelogs
    // since: one update per key of B's partitions (no cache).
    const keysOfB = keys.filter((k) => tasksOfB.includes(`0_${partitionForKey(Buffer.from(k), 4)}`));
    expect(keysOfB.length).toBeGreaterThan(0);
    expect(restoresOfA.total() - restoredBeforeHandover).toBe(keysOfB.length);
    await produce(input, batch('3'));
    await awaitOutput(kafka, output, keys.length * 3);
    await a.close();

    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
    const byKey = valuesByKey(await consumeToEnd(kafka, output));
    expect(byKey.size).toBe(keys.length);
    for (const key of keys) expect(byKey.get(key)).toEqual(['1', '2', '3']);
  });
});

function runningTasks(worker: Worker): number {
  return worker.streams
    .metadataForLocalThreads()
    .flatMap((t) => t.activeTasks)
    .filter((t) => t.state === 'running').length;
}

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
