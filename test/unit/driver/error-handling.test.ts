import { DLQ_HEADERS, Serdes, StreamsBuilder, StreamsError, TopologyTestDriver } from 'tributary';
import { describe, expect, it } from 'vitest';

const S = Serdes.string();
const B = Serdes.bytes();
const D = Serdes.double();

/** Parses numbers; a value that is not 8 bytes fails to deserialize, a negative number fails processing. */
function topology() {
  const builder = new StreamsBuilder();
  builder
    .stream('readings', { key: S, value: D })
    .mapValues((v) => {
      if (v < 0) throw new Error(`negative reading ${v}`);
      return v * 2;
    })
    .to('doubled', { key: S, value: D });
  return builder.build();
}

async function pipeRaw(driver: TopologyTestDriver, values: Buffer[]) {
  const input = driver.createInputTopic('readings', S, B);
  for (const v of values) await input.pipeInput('k', v, 1);
}

const good = (n: number) => D.serialize('readings', n);

describe('exception handlers', () => {
  it('fail (default): the pipe rejects with an error naming the record, and nothing is output', async () => {
    const driver = new TopologyTestDriver(topology());
    const err = await pipeRaw(driver, [Buffer.from('oops')]).catch((e) => e);
    expect(err).toBeInstanceOf(StreamsError);
    expect(err.message).toMatch(
      /deserialization error in task 0_0.*readings-0@0: double serde.*expected 8 bytes, got 4/,
    );
    expect(driver.createOutputTopic('doubled', S, D).isEmpty()).toBe(true);
    await driver.close();
  });

  it('logAndContinue skips poison records, counts them and keeps processing', async () => {
    const driver = new TopologyTestDriver(topology(), {
      deserializationExceptionHandler: 'logAndContinue',
      processingExceptionHandler: 'logAndContinue',
    });
    await pipeRaw(driver, [good(1), Buffer.from('bad'), good(-1), good(3)]);
    expect(driver.createOutputTopic('doubled', S, D).readValuesToList()).toEqual([2, 6]);
    expect(driver.metrics.total('skipped-records-total', { reason: 'deserialization' })).toBe(1);
    expect(driver.metrics.total('skipped-records-total', { reason: 'processing' })).toBe(1);
    await driver.close();
  });

  it('deadLetterQueue sends the original bytes with the reason in headers', async () => {
    const driver = new TopologyTestDriver(topology(), {
      deserializationExceptionHandler: { deadLetterQueue: 'readings-dlq' },
      processingExceptionHandler: { deadLetterQueue: 'readings-dlq' },
    });
    await pipeRaw(driver, [good(1), Buffer.from('bad'), good(-5), good(4)]);
    expect(driver.createOutputTopic('doubled', S, D).readValuesToList()).toEqual([2, 8]);
    const dead = driver.createOutputTopic('readings-dlq', S, B).readRecordsToList();
    expect(dead.map((r) => r.value)).toEqual([Buffer.from('bad'), good(-5)]);
    expect(dead[0].headers).toMatchObject({
      [DLQ_HEADERS.kind]: 'deserialization',
      [DLQ_HEADERS.topic]: 'readings',
      [DLQ_HEADERS.partition]: '0',
      [DLQ_HEADERS.offset]: '1',
      [DLQ_HEADERS.exception]: 'SerializationError',
    });
    expect(dead[1].headers).toMatchObject({
      [DLQ_HEADERS.kind]: 'processing',
      [DLQ_HEADERS.offset]: '2',
      [DLQ_HEADERS.message]: 'negative reading -5',
      [DLQ_HEADERS.processor]: 'readings-mapValues',
    });
    await driver.close();
  });

  it('a record with an invalid timestamp is skipped and counted, never silently', async () => {
    const builder = new StreamsBuilder();
    builder
      .stream('in', { key: S, value: S, timestampExtractor: (r) => (r.value === 'bad' ? -1 : r.timestamp) })
      .to('out', { key: S, value: S });
    const driver = new TopologyTestDriver(builder.build());
    const input = driver.createInputTopic('in', S, S);
    await input.pipeInput('k', 'bad', 5);
    await input.pipeInput('k', 'good', 6);
    expect(driver.createOutputTopic('out', S, S).readValuesToList()).toEqual(['good']);
    expect(driver.metrics.total('skipped-records-total', { reason: 'invalid-timestamp' })).toBe(1);
    await driver.close();
  });
});
