// How a worker survives losing its producer or its partitions, and keeps its membership while processing slowly:
// - fenced: another producer initialises the worker's transactional id; the worker closes its tasks without commit,
//   recreates its producer and goes on; output exact;
// - lost: processing blocks the thread past max.poll.interval.ms; the group moves on, the worker's commit is refused,
//   its tasks are closed without commit and recreated when it rejoins; output exact;
// - slow but healthy: a processor that takes its time (asynchronously) runs in slices, so poll() keeps being called
//   within max.poll.interval.ms and the worker never leaves the group.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Processor, type ProcessorContext, Serdes, type StreamRecord, StreamsBuilder } from 'tributary';
import { afterAll, describe, expect, it } from 'vitest';
import { StreamProducer } from '../../../runtime/kafka/stream-producer.js';
import {
  bootstrapServers,
  consumeToEnd,
  createTopics,
  kafkaClient,
  uniqueName,
} from '../../support/kafka.js';
import { awaitOutput, metric, produce, StateDirs, valuesByKey, Worker } from './streams-support.js';

const S = Serdes.string();
const kafka = kafkaClient();
const dirs = new StateDirs();

afterAll(() => dirs.cleanup());

function counting(input: string, output: string, before?: (key: string, value: string) => void) {
  const builder = new StreamsBuilder();
  builder
    .stream(input, { key: S, value: S })
    .peek((k, v) => before?.(k, v))
    .groupByKey()
    .count({ name: 'failure-counts', caching: false })
    .toStream()
    .mapValues((n) => String(n))
    .to(output, { key: S, value: S });
  return builder.build();
}

async function topics(partitions: number) {
  const input = uniqueName('fail-in');
  const output = uniqueName('fail-out');
  await createTopics(kafka, [
    { topic: input, numPartitions: partitions },
    { topic: output, numPartitions: partitions },
  ]);
  return { input, output };
}

const keys = Array.from({ length: 20 }, (_, i) => `k-${i}`);
const batch = (tag: string) => keys.map((key) => ({ key, value: tag }));

function expectCounts(records: Awaited<ReturnType<typeof consumeToEnd>>, rounds: number) {
  const byKey = valuesByKey(records);
  expect(byKey.size).toBe(keys.length);
  for (const key of keys) {
    expect(byKey.get(key)).toEqual(Array.from({ length: rounds }, (_, i) => String(i + 1)));
  }
}

describe('KafkaStreams failures', () => {
  it('fenced producer: tasks closed without commit, producer recreated, output exact', async () => {
    const { input, output } = await topics(2);
    const applicationId = uniqueName('fenced-app');
    const stateDir = dirs.create();
    const worker = new Worker(counting(input, output), { applicationId, stateDir });
    await worker.start();
    await worker.waitFor('RUNNING');
    await produce(input, batch('1'));
    await awaitOutput(kafka, output, keys.length);

    // A zombie with the worker's transactional id: its initTransactions fences the worker's producer.
    const workerId = readFileSync(join(stateDir, applicationId, 'worker-id'), 'utf8').trim();
    const intruder = await StreamProducer.create({
      bootstrapServers: bootstrapServers(),
      transactionalId: `${applicationId}-${workerId}`,
    });
    try {
      await produce(input, batch('2'));
      await awaitOutput(kafka, output, keys.length * 2);
    } finally {
      await intruder.close();
    }
    await produce(input, batch('3'));
    await awaitOutput(kafka, output, keys.length * 3);
    await worker.close();

    expect(worker.errors).toEqual([]);
    expect(metric(worker, 'task-closed-total')).toBeGreaterThanOrEqual(2);
    expectCounts(await consumeToEnd(kafka, output), 3);
  });

  it('partitions lost after max.poll.interval.ms: tasks closed without commit, rejoined, output exact', async () => {
    const { input, output } = await topics(2);
    let blocked = false;
    const worker = new Worker(
      counting(input, output, (key, value) => {
        // Once: block the thread past max.poll.interval.ms (a synchronous stall no slicing can prevent).
        if (!blocked && key === 'k-3' && value === '2') {
          blocked = true;
          const until = Date.now() + 8_000;
          while (Date.now() < until) {
            // busy
          }
        }
      }),
      {
        applicationId: uniqueName('lost-app'),
        stateDir: dirs.create(),
        sessionTimeoutMs: 6_000,
        maxPollIntervalMs: 6_000,
      },
    );
    await worker.start();
    await worker.waitFor('RUNNING');
    await produce(input, batch('1'));
    await awaitOutput(kafka, output, keys.length);
    await produce(input, batch('2'));
    await awaitOutput(kafka, output, keys.length * 2);
    await produce(input, batch('3'));
    await awaitOutput(kafka, output, keys.length * 3);
    await worker.close();

    expect(blocked).toBe(true);
    expect(worker.errors).toEqual([]);
    expect(worker.states.filter((s) => s === 'REBALANCING').length).toBeGreaterThanOrEqual(2);
    expectCounts(await consumeToEnd(kafka, output), 3);
  }, 60_000);

  it('a slow processor runs in slices: poll() stays within max.poll.interval.ms, no rebalance; full buffers pause their partition', async () => {
    const { input, output } = await topics(1);
    const builder = new StreamsBuilder();
    builder
      .stream(input, { key: S, value: S })
      .process<string, string>(
        (): Processor<string, string, string, string> => {
          let ctx: ProcessorContext<string, string>;
          return {
            init(context) {
              ctx = context;
            },
            async process(record: StreamRecord<string, string>) {
              await new Promise((resolve) => setTimeout(resolve, 20));
              return ctx.forward(record);
            },
          };
        },
        { name: 'slow' },
      )
      .to(output, { key: S, value: S });
    const records = Array.from({ length: 400 }, (_, i) => ({ key: `s-${i}`, value: String(i) }));
    await produce(input, records);
    const worker = new Worker(builder.build(), {
      applicationId: uniqueName('slow-app'),
      stateDir: dirs.create(),
      sessionTimeoutMs: 6_000,
      maxPollIntervalMs: 6_000,
      // A small buffer: the partition is paused while its records wait, and resumed as they drain.
      maxBufferedRecordsPerPartition: 50,
    });
    await worker.start();
    // 400 x 20 ms = 8 s of processing, longer than max.poll.interval.ms.
    await awaitOutput(kafka, output, records.length, 40_000);
    await worker.close();
    expect(worker.errors).toEqual([]);
    expect(metric(worker, 'rebalance-total')).toBe(0);
    expect(metric(worker, 'backpressure-pause-total')).toBeGreaterThan(0);
    expect(worker.states).toEqual(['CREATED', 'REBALANCING', 'RUNNING', 'PENDING_SHUTDOWN', 'NOT_RUNNING']);
    const out = await consumeToEnd(kafka, output);
    expect(out.map((r) => r.value)).toEqual(records.map((r) => r.value));
  }, 60_000);
});
