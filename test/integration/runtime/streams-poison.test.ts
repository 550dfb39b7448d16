// Poison records on Kafka: with deadLetterQueue, records that cannot be deserialized or processed land in the
// dead-letter topic with their original bytes and the reason in headers, and processing goes on; with 'fail' the
// worker stops in ERROR with an error naming the record.
import { DLQ_HEADERS, Serdes, StreamsBuilder } from 'tributary';
import { afterAll, describe, expect, it } from 'vitest';
import { consumeToEnd, createTopics, kafkaClient, uniqueName } from '../../support/kafka.js';
import { awaitOutput, produce, StateDirs, Worker } from './streams-support.js';

const S = Serdes.string();
const D = Serdes.double();
const kafka = kafkaClient();
const dirs = new StateDirs();

afterAll(() => dirs.cleanup());

/** Readings (doubles) doubled; a negative reading is a processing error. */
function readingsTopology(input: string, output: string) {
  const builder = new StreamsBuilder();
  builder
    .stream(input, { key: S, value: D })
    .mapValues(
      (v) => {
        if (v < 0) throw new Error(`negative reading ${v}`);
        return String(v * 2);
      },
      { name: 'double-it' },
    )
    .to(output, { key: S, value: S });
  return builder.build();
}

const good = (v: number) => D.serialize('t', v);

describe('KafkaStreams poison records', () => {
  it('deadLetterQueue: poison records land in the DLQ with their headers and processing continues', async () => {
    const input = uniqueName('readings');
    const output = uniqueName('doubled');
    const dlq = uniqueName('readings-dlq');
    await createTopics(kafka, [{ topic: input }, { topic: output }, { topic: dlq }]);
    await produce(input, [
      { key: 'a', value: good(1) },
      { key: 'b', value: Buffer.from('bad') },
      { key: 'c', value: good(-5) },
      { key: 'd', value: good(4), headers: { origin: 'sensor-7' } },
    ]);
    const worker = new Worker(readingsTopology(input, output), {
      applicationId: uniqueName('poison-app'),
      stateDir: dirs.create(),
      deserializationExceptionHandler: { deadLetterQueue: dlq },
      processingExceptionHandler: { deadLetterQueue: dlq },
    });
    await worker.start();
    await awaitOutput(kafka, output, 2);
    await produce(input, [{ key: 'e', value: good(10) }]);
    await awaitOutput(kafka, output, 3);
    await worker.close();
    expect(worker.errors).toEqual([]);

    expect((await consumeToEnd(kafka, output)).map((r) => [r.key, r.value])).toEqual([
      ['a', '2'],
      ['d', '8'],
      ['e', '20'],
    ]);
    const dead = await consumeToEnd(kafka, dlq);
    expect(dead.map((r) => r.key)).toEqual(['b', 'c']);
    expect(dead[0].value).toBe('bad');
    expect(dead[0].headers).toMatchObject({
      [DLQ_HEADERS.kind]: 'deserialization',
      [DLQ_HEADERS.exception]: 'SerializationError',
      [DLQ_HEADERS.topic]: input,
      [DLQ_HEADERS.partition]: '0',
      [DLQ_HEADERS.offset]: '1',
    });
    expect(dead[0].headers[DLQ_HEADERS.message]).toMatch(/.+/);
    expect(dead[1].headers).toMatchObject({
      [DLQ_HEADERS.kind]: 'processing',
      [DLQ_HEADERS.exception]: 'Error',
      [DLQ_HEADERS.message]: 'negative reading -5',
      [DLQ_HEADERS.topic]: input,
      [DLQ_HEADERS.partition]: '0',
      [DLQ_HEADERS.offset]: '2',
      [DLQ_HEADERS.processor]: 'double-it',
    });
    // The original bytes (compared as the test reader decodes them: UTF-8 text).
    expect(dead[1].value).toBe(good(-5).toString());
    const skipped = worker.streams
      .metrics()
      .filter((m) => m.name === 'skipped-records-total')
      .reduce((sum, m) => sum + m.value, 0);
    expect(skipped).toBe(2);
  });

  it("'fail': a poison record stops the worker in ERROR with an error naming it", async () => {
    const input = uniqueName('readings');
    const output = uniqueName('doubled');
    await createTopics(kafka, [{ topic: input }, { topic: output }]);
    await produce(input, [
      { key: 'a', value: good(1) },
      { key: 'b', value: Buffer.from('bad') },
    ]);
    const worker = new Worker(readingsTopology(input, output), {
      applicationId: uniqueName('poison-fail-app'),
      stateDir: dirs.create(),
    });
    await worker.start();
    await worker.waitFor('ERROR');
    expect(worker.errors).toHaveLength(1);
    expect(worker.streams.error).toBe(worker.errors[0]);
    expect(worker.errors[0].name).toBe('StreamsError');
    expect(worker.errors[0].message).toContain(`deserialization error in task 0_0`);
    expect(worker.errors[0].message).toContain(`at ${input}-0@1`);
    expect(worker.states).toEqual(['CREATED', 'REBALANCING', 'RUNNING', 'ERROR']);
    // Nothing of the failed transaction is visible, and nothing was committed past the poison record.
    expect(await consumeToEnd(kafka, output)).toEqual([]);
    await worker.close();
    expect(worker.streams.state()).toBe('ERROR');
  });
});
