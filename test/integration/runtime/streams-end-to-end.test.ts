// KafkaStreams end to end on the local broker: a stateless branch and a stateful one behind a repartition topic, under
// exactly_once_v2 and at_least_once. The committed output (read_committed) is complete and exact.
import { Serdes, StreamsBuilder } from 'tributary';
import { afterAll, describe, expect, it } from 'vitest';
import { consumeToEnd, createTopics, kafkaClient, uniqueName } from '../../support/kafka.js';
import { withAdmin } from './kafka-helpers.js';
import { awaitOutput, produce, StateDirs, valuesByKey, Worker } from './streams-support.js';

const S = Serdes.string();
const L = Serdes.long();
const kafka = kafkaClient();
const dirs = new StateDirs();

afterAll(() => dirs.cleanup());

/** Lines -> words: upper-cased words (stateless) and running counts per word (repartitioned by word). */
function wordsTopology(input: string, upper: string, counts: string) {
  const builder = new StreamsBuilder();
  const words = builder
    .stream(input, { key: S, value: S })
    .flatMapValues((line) => line.split(' '))
    .filter((_k, w) => w.length > 0);
  words.mapValues((w) => w.toUpperCase()).to(upper, { key: S, value: S });
  words
    .groupBy((_k, w) => w, { key: S, value: S })
    .count({ name: 'word-counts', caching: false })
    .toStream()
    .mapValues((n) => String(n))
    .to(counts, { key: S, value: S });
  return builder.build();
}

const VOCABULARY = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];

function lines(count: number) {
  const out: { key: string; value: string }[] = [];
  for (let i = 0; i < count; i++) {
    const words = [0, 1, 2].map((j) => VOCABULARY[(i * 3 + j * 5) % VOCABULARY.length]);
    out.push({ key: `line-${i}`, value: words.join(' ') });
  }
  return out;
}

async function runWordCount(guarantee: 'exactly_once_v2' | 'at_least_once') {
  const input = uniqueName('lines');
  const upper = uniqueName('upper');
  const counts = uniqueName('counts');
  await createTopics(kafka, [
    { topic: input, numPartitions: 3 },
    { topic: upper, numPartitions: 2 },
    { topic: counts, numPartitions: 2 },
  ]);
  const data = lines(300);
  const expectedWords = data.flatMap((l) => l.value.split(' '));
  const totals = new Map<string, number>();
  for (const w of expectedWords) totals.set(w, (totals.get(w) ?? 0) + 1);

  await produce(input, data.slice(0, 150));
  const applicationId = uniqueName('words-app');
  const worker = new Worker(wordsTopology(input, upper, counts), {
    applicationId,
    processingGuarantee: guarantee,
    stateDir: dirs.create(),
    commitIntervalMs: guarantee === 'exactly_once_v2' ? 100 : 200,
    repartitionPurgeIntervalMs: 1,
  });
  await worker.start();
  await worker.waitFor('RUNNING');
  // Input arriving while the worker runs.
  await produce(input, data.slice(150));
  await awaitOutput(kafka, counts, expectedWords.length);
  await worker.close();
  expect(worker.states).toEqual(['CREATED', 'REBALANCING', 'RUNNING', 'PENDING_SHUTDOWN', 'NOT_RUNNING']);

  const upperOut = await consumeToEnd(kafka, upper);
  expect(upperOut.map((r) => r.value).sort()).toEqual(expectedWords.map((w) => w.toUpperCase()).sort());
  const countsOut = valuesByKey(await consumeToEnd(kafka, counts));
  // No cache: every update is emitted, so each word's counts are 1..n in order, each once.
  expect(new Map([...countsOut].map(([k, v]) => [k, v.length]))).toEqual(totals);
  for (const [word, values] of countsOut) {
    expect(values).toEqual(Array.from({ length: totals.get(word) as number }, (_, i) => String(i + 1)));
  }
  const metrics = worker.streams.metrics();
  const total = (name: string) => metrics.filter((m) => m.name === name).reduce((sum, m) => sum + m.value, 0);
  expect(total('commit-total')).toBeGreaterThan(0);
  // 300 lines, then 900 words through the repartition topic.
  expect(total('process-total')).toBe(data.length + expectedWords.length);
  // Consumed and committed repartition records were purged (deleteRecords), as Kafka Streams does.
  const purged = await withAdmin((admin) =>
    admin.beginningOffsets(`${applicationId}-word-counts-repartition`),
  );
  expect(purged.reduce((sum, p) => sum + p.offset, 0)).toBeGreaterThan(0);
}

describe('KafkaStreams end to end', () => {
  it('exactly_once_v2: stateless and repartitioned stateful outputs are complete and exact', async () => {
    await runWordCount('exactly_once_v2');
  });

  it('at_least_once: the same topology, without failures, gives the same exact output', async () => {
    await runWordCount('at_least_once');
  });

  it('fires wall-clock punctuations while no input arrives, their output committed like any other', async () => {
    const input = uniqueName('ticks-in');
    const output = uniqueName('ticks-out');
    await createTopics(kafka, [{ topic: input }, { topic: output }]);
    const builder = new StreamsBuilder();
    builder
      .stream(input, { key: S, value: S })
      .process<string, string>(
        () => {
          let fired = 0;
          return {
            init(ctx) {
              ctx.schedule(200, 'wall-clock-time', (ts) =>
                ctx.forward({ key: 'tick', value: String(++fired), timestamp: ts, headers: {} }),
              );
            },
            process() {},
          };
        },
        { name: 'ticker' },
      )
      .to(output, { key: S, value: S });
    const worker = new Worker(builder.build(), {
      applicationId: uniqueName('ticks-app'),
      stateDir: dirs.create(),
    });
    await worker.start();
    const ticks = await awaitOutput(kafka, output, 5);
    await worker.close();
    expect(ticks.slice(0, 5).map((r) => r.value)).toEqual(['1', '2', '3', '4', '5']);
  });

  it('fails to start with a clear error when joined topics are not co-partitioned', async () => {
    const orders = uniqueName('orders');
    const prices = uniqueName('prices');
    const out = uniqueName('out');
    await createTopics(kafka, [
      { topic: orders, numPartitions: 2 },
      { topic: prices, numPartitions: 3 },
      { topic: out },
    ]);
    const builder = new StreamsBuilder();
    const table = builder.table(prices, { key: S, value: S, name: 'copart-prices' });
    builder
      .stream(orders, { key: S, value: S })
      .join(table, (o, p) => `${o}@${p}`)
      .to(out, { key: S, value: S });
    const worker = new Worker(builder.build(), {
      applicationId: uniqueName('copart-app'),
      stateDir: dirs.create(),
    });
    const failure = worker.streams.start();
    await expect(failure).rejects.toThrow('must have the same number of partitions');
    await expect(failure).rejects.toThrow(`${orders} (2), ${prices} (3)`);
    expect(worker.streams.state()).toBe('ERROR');
    await worker.close();
  });

  it('fails to start with a clear error when a source topic is missing', async () => {
    const missing = uniqueName('absent');
    const out = uniqueName('out');
    await createTopics(kafka, [{ topic: out }]);
    const builder = new StreamsBuilder();
    builder.stream(missing, { key: S, value: L }).to(out, { key: S, value: L });
    const worker = new Worker(builder.build(), {
      applicationId: uniqueName('missing-app'),
      stateDir: dirs.create(),
    });
    await expect(worker.streams.start()).rejects.toThrow(`source topic does not exist: ${missing}`);
    expect(worker.streams.state()).toBe('ERROR');
    await worker.close();
  });
});
