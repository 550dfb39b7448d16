// The production exception handler under exactly_once_v2. A count per key emits, once, an output far larger than the
// output topic accepts, among 100 valid outputs:
// - rejected by the broker (the topic's max.message.bytes): the transaction aborts; the runtime learns which output
//   it was and, reprocessing, hands it to the handler: deadLetterQueue writes the input record with the error headers,
//   logAndContinue skips and counts it, fail stops the worker with an error naming the topic, after one abort;
// - refused by the client (the producer's message.max.bytes): the handler runs at once, no transaction aborts.
// Every valid output arrives exactly once (read_committed) and the counts show the state was rolled back.
// Under at_least_once a broker rejection makes the worker redo the work since its last commit (duplicates allowed)
// and the rejected record goes to the handler the same way.
import { DLQ_HEADERS, type ExceptionHandlerSetting, Serdes, StreamsBuilder } from 'tributary';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type ConsumedRecord,
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

const keys = Array.from({ length: 20 }, (_, i) => `k-${i}`);
const ROUNDS = 5;
const POISON_KEY = 'k-7';
const POISON_COUNT = 3;
const HUGE = 100_000;

/** Counts per key; the 3rd count of k-7 comes out as 100 kB (every time it is computed: deterministic). */
function poisonTopology(input: string, output: string) {
  const builder = new StreamsBuilder();
  builder
    .stream(input, { key: S, value: S })
    .groupByKey()
    .count({ name: 'production-counts', caching: false })
    .toStream()
    .mapValues((n, key) => (key === POISON_KEY && n === POISON_COUNT ? 'x'.repeat(HUGE) : String(n)))
    .to(output, { key: S, value: S });
  return builder.build();
}

interface Setup {
  readonly input: string;
  readonly output: string;
  readonly dlq: string;
  readonly worker: Worker;
}

async function setup(
  handler: ExceptionHandlerSetting | 'dlq',
  limits: { topicMaxMessageBytes?: number; producerMessageMaxBytes?: number },
  processingGuarantee: 'exactly_once_v2' | 'at_least_once' = 'exactly_once_v2',
): Promise<Setup> {
  const input = uniqueName('prod-err-in');
  const output = uniqueName('prod-err-out');
  const dlq = uniqueName('prod-err-dlq');
  await createTopics(kafka, [
    { topic: input, numPartitions: 2 },
    {
      topic: output,
      numPartitions: 2,
      ...(limits.topicMaxMessageBytes
        ? { configs: { 'max.message.bytes': String(limits.topicMaxMessageBytes) } }
        : {}),
    },
    { topic: dlq },
  ]);
  const worker = new Worker(poisonTopology(input, output), {
    applicationId: uniqueName('prod-err-app'),
    stateDir: dirs.create(),
    processingGuarantee,
    commitIntervalMs: 100,
    productionExceptionHandler: handler === 'dlq' ? { deadLetterQueue: dlq } : handler,
    ...(limits.producerMessageMaxBytes
      ? { producer: { 'message.max.bytes': limits.producerMessageMaxBytes } }
      : {}),
  });
  await worker.start();
  await worker.waitFor('RUNNING');
  for (let round = 0; round < ROUNDS; round++) {
    await produce(
      input,
      keys.map((key) => ({ key, value: `r${round}` })),
    );
  }
  return { input, output, dlq, worker };
}

/** Every key counted 1..5 exactly once, in order, except k-7's 3rd count (handled by the production handler). */
async function expectValidOutputsExactlyOnce(output: string) {
  const committed = await consumeToEnd(kafka, output);
  expect(committed).toHaveLength(keys.length * ROUNDS - 1);
  const byKey = valuesByKey(committed);
  expect([...byKey.keys()].sort()).toEqual([...keys].sort());
  for (const key of keys) {
    const expected = ['1', '2', '3', '4', '5'].filter(
      (n) => key !== POISON_KEY || n !== String(POISON_COUNT),
    );
    expect(byKey.get(key)).toEqual(expected);
  }
}

/** The handler ran once per attempt at the poison record: once, plus once per retry aborted after it ran. */
function expectSkipped(worker: Worker, aborts: number) {
  const skipped = metric(worker, 'skipped-records-total');
  expect(skipped).toBeGreaterThanOrEqual(1);
  expect(skipped).toBeLessThanOrEqual(aborts);
}

/** The dead-letter record holds the input record's bytes, with error headers naming it and the reason. */
async function expectDeadLetter(dead: ConsumedRecord, input: string, reason: string) {
  const source = await poisonInput(input);
  expect(dead.key).toBe(POISON_KEY);
  expect(dead.value).toBe(source.value);
  expect(dead.headers).toMatchObject({
    [DLQ_HEADERS.kind]: 'production',
    [DLQ_HEADERS.exception]: 'RecordRejectedError',
    [DLQ_HEADERS.topic]: input,
    [DLQ_HEADERS.partition]: String(source.partition),
    [DLQ_HEADERS.offset]: String(source.offset),
  });
  expect(dead.headers[DLQ_HEADERS.message]).toContain(reason);
}

/** Waits until the output topic's records satisfy `done` (read_committed). */
async function awaitOutputWhere(
  topic: string,
  done: (records: ConsumedRecord[]) => boolean,
  timeoutMs = 40_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const records = await consumeToEnd(kafka, topic);
    if (done(records)) return records;
    if (Date.now() > deadline)
      throw new Error(`${topic}: expected records did not arrive within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The input record that produced the huge output: the 3rd record of k-7 (value 'r2'). */
async function poisonInput(input: string) {
  const records = await consumeToEnd(kafka, input);
  const matching = records.filter((r) => r.key === POISON_KEY && r.value === `r${POISON_COUNT - 1}`);
  expect(matching).toHaveLength(1);
  return matching[0];
}

describe('KafkaStreams production exception handler (exactly_once_v2)', () => {
  it('broker rejection + deadLetterQueue: the input record lands in the DLQ with error headers, every valid output exactly once', async () => {
    const { input, output, dlq, worker } = await setup('dlq', { topicMaxMessageBytes: 65_536 });
    await awaitOutput(kafka, output, keys.length * ROUNDS - 1);
    const dead = await awaitOutput(kafka, dlq, 1);
    await worker.close();

    expect(worker.errors).toEqual([]);
    expect(worker.states).not.toContain('ERROR');
    await expectValidOutputsExactlyOnce(output);
    // Read again after the worker closed: one dead-letter record, no duplicate from a retried transaction.
    expect(await consumeToEnd(kafka, dlq)).toHaveLength(1);
    await expectDeadLetter(dead[0], input, `the broker rejected a record for topic ${output}`);
    // One abort for the rejection, at most two more while librdkafka recovers its sequence numbers after it (the
    // handler then ran again for the record in the aborted retry: the metric counts handling, the DLQ holds one).
    const aborts = metric(worker, 'transaction-aborts-total');
    expect(aborts).toBeGreaterThanOrEqual(1);
    expect(aborts).toBeLessThanOrEqual(3);
    expectSkipped(worker, aborts);
  });

  it('broker rejection + logAndContinue: skipped and counted, every valid output exactly once', async () => {
    const { output, dlq, worker } = await setup('logAndContinue', { topicMaxMessageBytes: 65_536 });
    await awaitOutput(kafka, output, keys.length * ROUNDS - 1);
    await worker.close();

    expect(worker.errors).toEqual([]);
    await expectValidOutputsExactlyOnce(output);
    expect(await consumeToEnd(kafka, dlq)).toEqual([]);
    const aborts = metric(worker, 'transaction-aborts-total');
    expect(aborts).toBeGreaterThanOrEqual(1);
    expect(aborts).toBeLessThanOrEqual(3);
    expectSkipped(worker, aborts);
  });

  it("broker rejection + 'fail': the worker stops in ERROR after one abort, naming the topic and the reason", async () => {
    const { output, worker } = await setup('fail', { topicMaxMessageBytes: 65_536 });
    await worker.waitFor('ERROR');
    await worker.close();

    expect(worker.errors).toHaveLength(1);
    const error = worker.errors[0];
    expect(error.name).toBe('StreamsError');
    expect(error.message).toContain('production error in task');
    expect(error.message).toContain(`the broker rejected a record for topic ${output}`);
    expect(error.message).toMatch(/too large/i);
    expect(metric(worker, 'transaction-aborts-total')).toBe(1);
    // Nothing past the poison record's transaction was committed for k-7, and the huge record is not visible.
    const committed = await consumeToEnd(kafka, output);
    expect(committed.some((r) => (r.value ?? '').length > 100)).toBe(false);
    const poisonKeyCounts = valuesByKey(committed).get(POISON_KEY) ?? [];
    expect(poisonKeyCounts).toEqual(['1', '2'].slice(0, poisonKeyCounts.length));
  });

  it('client refusal (producer message.max.bytes) + deadLetterQueue: handled at once, no transaction aborted', async () => {
    const { input, output, dlq, worker } = await setup('dlq', { producerMessageMaxBytes: 50_000 });
    await awaitOutput(kafka, output, keys.length * ROUNDS - 1);
    const dead = await awaitOutput(kafka, dlq, 1);
    await worker.close();

    expect(worker.errors).toEqual([]);
    await expectValidOutputsExactlyOnce(output);
    expect(await consumeToEnd(kafka, dlq)).toHaveLength(1);
    await expectDeadLetter(dead[0], input, `the client rejected a record for topic ${output}`);
    expect(metric(worker, 'skipped-records-total')).toBe(1);
    expect(metric(worker, 'transaction-aborts-total')).toBe(0);
  });

  it("client refusal + 'fail': the worker stops in ERROR naming the topic, no transaction aborted", async () => {
    const { output, worker } = await setup('fail', { producerMessageMaxBytes: 50_000 });
    await worker.waitFor('ERROR');
    await worker.close();
    expect(worker.errors).toHaveLength(1);
    expect(worker.errors[0].message).toContain(`the client rejected a record for topic ${output}`);
    expect(metric(worker, 'transaction-aborts-total')).toBe(0);
  });
});

describe('KafkaStreams production exception handler (at_least_once)', () => {
  it('broker rejection + deadLetterQueue: the work since the last commit is redone, the rejected record dead-lettered, every valid output written', async () => {
    const { input, output, dlq, worker } = await setup(
      'dlq',
      { topicMaxMessageBytes: 65_536 },
      'at_least_once',
    );
    const dead = await awaitOutput(kafka, dlq, 1);
    // At least once: the last count of every key arrives (after the redo, duplicates of earlier counts allowed).
    await awaitOutputWhere(output, (records) => {
      const byKey = valuesByKey(records);
      return keys.every((key) => byKey.get(key)?.includes(String(ROUNDS)));
    });
    await worker.close();

    expect(worker.errors).toEqual([]);
    const byKey = valuesByKey(await consumeToEnd(kafka, output));
    for (const key of keys) {
      // Every valid count at least once and the rejected one never; the last one is the final count. Not in order
      // of first appearance: librdkafka fails every record of the batch the rejected one was in, while the next
      // batch of that partition may already be written. The redo then writes the failed batch's counts after later
      // ones: 1 2 4 3 4 5 for each key of the poison key's partition in 3 of 15 runs (in order in the
      // others). Kafka Streams on the Java client differs here: its producer splits a batch the broker
      // rejects as too large and retries the parts, so only the oversized record fails.
      const expected = ['1', '2', '3', '4', '5'].filter(
        (n) => key !== POISON_KEY || n !== String(POISON_COUNT),
      );
      const values = byKey.get(key) ?? [];
      expect([...new Set(values)].sort()).toEqual(expected);
      expect(values.at(-1)).toBe(String(ROUNDS));
    }
    const source = await poisonInput(input);
    for (const record of await consumeToEnd(kafka, dlq)) {
      expect(record.key).toBe(POISON_KEY);
      expect(record.value).toBe(source.value);
    }
    await expectDeadLetter(dead[0], input, `the broker rejected a record for topic ${output}`);
    expect(metric(worker, 'transaction-aborts-total')).toBeGreaterThanOrEqual(1);
    expect(metric(worker, 'transaction-aborts-total')).toBeLessThanOrEqual(3);
  });
});
