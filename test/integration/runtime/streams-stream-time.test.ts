// Stream time survives a restart: partition times are committed with the offsets (as Kafka Streams does), so a task
// resumed by a new worker continues from the stream time the previous one had reached, not from the first record
// it happens to read.
import { type ProcessorContext, Serdes, StreamsBuilder } from 'tributary';
import { afterAll, describe, expect, it } from 'vitest';
import { consumeToEnd, createTopics, kafkaClient, uniqueName } from '../../support/kafka.js';
import { awaitOutput, produce, StateDirs, Worker } from './streams-support.js';

const S = Serdes.string();
const kafka = kafkaClient();
const dirs = new StateDirs();

afterAll(() => dirs.cleanup());

/** Forwards, per record, the task's stream time while it processes the record. */
function streamTimeTopology(input: string, output: string) {
  const builder = new StreamsBuilder();
  builder
    .stream(input, { key: S, value: S })
    .process<string, string>(() => {
      let ctx: ProcessorContext<string, string>;
      return {
        init: (c) => {
          ctx = c;
        },
        process: (r) => ctx.forward({ ...r, value: String(ctx.currentStreamTimeMs()) }),
      };
    })
    .to(output, { key: S, value: S });
  return builder.build();
}

describe('KafkaStreams stream time', () => {
  it('resumes from the committed partition time after a restart', async () => {
    const input = uniqueName('st-in');
    const output = uniqueName('st-out');
    await createTopics(kafka, [
      { topic: input, numPartitions: 1 },
      { topic: output, numPartitions: 1 },
    ]);
    const applicationId = uniqueName('st-app');
    const topology = streamTimeTopology(input, output);
    const base = Date.now() - 60_000;

    const first = new Worker(topology, { applicationId, stateDir: dirs.create() });
    await first.start();
    await first.waitFor('RUNNING');
    await produce(input, [
      { key: 'k', value: 'a', timestamp: base + 1000 },
      { key: 'k', value: 'b', timestamp: base + 5000 },
    ]);
    await awaitOutput(kafka, output, 2);
    await first.close();

    // Another worker (its own, empty state directory) takes the task over and reads an older record first.
    const second = new Worker(topology, { applicationId, stateDir: dirs.create() });
    await second.start();
    await second.waitFor('RUNNING');
    await produce(input, [{ key: 'k', value: 'c', timestamp: base + 2000 }]);
    await awaitOutput(kafka, output, 3);
    await second.close();

    const times = (await consumeToEnd(kafka, output)).map((r) => Number(r.value) - base);
    expect(times).toEqual([1000, 5000, 5000]);
  });
});
