// Abort and rollback under exactly_once_v2: a record the broker rejects (larger than the output topic's
// max.message.bytes) fails the transaction mid-run. Nothing of the aborted transaction becomes visible to
// read_committed readers, stores roll back, the worker goes on, and the final output has every record exactly once.
import { Serdes, StreamsBuilder } from 'tributary';
import { afterAll, describe, expect, it } from 'vitest';
import { consumeAll, consumeToEnd, createTopics, kafkaClient, uniqueName } from '../../support/kafka.js';
import { awaitOutput, produce, StateDirs, valuesByKey, Worker } from './streams-support.js';

const S = Serdes.string();
const kafka = kafkaClient();
const dirs = new StateDirs();

afterAll(() => dirs.cleanup());

describe('KafkaStreams abort and rollback', () => {
  it('a rejected record aborts the transaction: no partial output, state rolled back, every record exactly once', async () => {
    const input = uniqueName('abort-in');
    const output = uniqueName('abort-out');
    await createTopics(kafka, [
      { topic: input, numPartitions: 2 },
      // The broker rejects any batch above 4 KiB on this topic.
      { topic: output, numPartitions: 2, configs: { 'max.message.bytes': '4096' } },
    ]);
    // Armed once: the first time key k-7 passes, its output is 10 KiB. After the rollback the task is recreated and
    // reprocesses k-7 with a normal value (the flag lives outside the processors, as a transient failure would).
    let armed = true;
    let injected = 0;
    const builder = new StreamsBuilder();
    builder
      .stream(input, { key: S, value: S })
      .groupByKey()
      .count({ name: 'abort-counts', caching: false })
      .toStream()
      .mapValues((n, key) => {
        if (armed && key === 'k-7' && n === 3) {
          armed = false;
          injected++;
          return 'x'.repeat(10_240);
        }
        return String(n);
      })
      .to(output, { key: S, value: S });
    const keys = Array.from({ length: 20 }, (_, i) => `k-${i}`);
    const rounds = 5;
    const applicationId = uniqueName('abort-app');
    const worker = new Worker(builder.build(), {
      applicationId,
      stateDir: dirs.create(),
      commitIntervalMs: 100,
    });
    await worker.start();
    await worker.waitFor('RUNNING');
    for (let round = 0; round < rounds; round++) {
      await produce(
        input,
        keys.map((key) => ({ key, value: `r${round}` })),
      );
    }
    await awaitOutput(kafka, output, keys.length * rounds);
    await worker.close();

    expect(injected).toBe(1);
    expect(worker.errors).toEqual([]);
    expect(worker.states).not.toContain('ERROR');
    const aborts = worker.streams
      .metrics()
      .filter((m) => m.name === 'transaction-aborts-total')
      .reduce((sum, m) => sum + m.value, 0);
    expect(aborts).toBeGreaterThanOrEqual(1);

    const committed = await consumeToEnd(kafka, output);
    // Every key counted 1..5 exactly once, in order: the aborted transaction's outputs and store updates are gone.
    const byKey = valuesByKey(committed);
    expect([...byKey.keys()].sort()).toEqual([...keys].sort());
    for (const key of keys) expect(byKey.get(key)).toEqual(['1', '2', '3', '4', '5']);
    expect(committed.some((r) => (r.value ?? '').length > 100)).toBe(false);
    // The aborted transaction did write: its changelog records (k-7 counted to 3 among them) are in the log, where
    // read_uncommitted sees them, while read_committed readers (and restoration) never do.
    const changelog = `${applicationId}-abort-counts-changelog`;
    // (A compacted topic takes no end marker: read until quiet; the worker is closed, nothing more arrives.)
    const written = await consumeAll(kafka, changelog, { readUncommitted: true, idleMs: 2_000 });
    const visible = await consumeAll(kafka, changelog, { idleMs: 2_000 });
    expect(visible).toHaveLength(keys.length * rounds);
    expect(written.length).toBeGreaterThan(visible.length);
  });
});
