// A stream joined with a GlobalKTable on Kafka: the global store is loaded from its topic (all partitions) before any
// task processes, and it keeps following the topic while the worker runs.
import { Serdes, StreamsBuilder } from 'tributary';
import { afterAll, describe, expect, it } from 'vitest';
import { consumeToEnd, createTopics, kafkaClient, uniqueName } from '../../support/kafka.js';
import { awaitOutput, produce, StateDirs, Worker } from './streams-support.js';

const S = Serdes.string();
const kafka = kafkaClient();
const dirs = new StateDirs();

afterAll(() => dirs.cleanup());

describe('KafkaStreams with a global table', () => {
  it('joins a stream with a GlobalKTable loaded before processing and kept current', async () => {
    const countries = uniqueName('countries');
    const users = uniqueName('users');
    const output = uniqueName('users-with-country');
    await createTopics(kafka, [
      { topic: countries, numPartitions: 3 },
      { topic: users, numPartitions: 2 },
      { topic: output, numPartitions: 1 },
    ]);
    const builder = new StreamsBuilder();
    const table = builder.globalTable(countries, { key: S, value: S, name: 'countries-store' });
    builder
      .stream(users, { key: S, value: S })
      .leftJoin(
        table,
        (_id, email) => email.split('@')[1],
        (email, country) => `${email}/${country ?? 'unknown'}`,
      )
      .to(output, { key: S, value: S });
    // The table's rows and the first users exist before the worker starts: every join must see the rows.
    await produce(countries, [
      { key: 'fr', value: 'France' },
      { key: 'de', value: 'Germany' },
      { key: 'jp', value: 'Japan' },
      { key: 'es', value: 'Spain' },
    ]);
    await produce(users, [
      { key: 'u1', value: 'ann@fr' },
      { key: 'u2', value: 'bob@jp' },
      { key: 'u3', value: 'cid@es' },
      { key: 'u4', value: 'dan@it' },
    ]);
    const worker = new Worker(builder.build(), {
      applicationId: uniqueName('global-app'),
      stateDir: dirs.create(),
    });
    await worker.start();
    await awaitOutput(kafka, output, 4);
    // A row added while running reaches the store within a few loop rounds.
    await produce(countries, [{ key: 'it', value: 'Italy' }]);
    await new Promise((r) => setTimeout(r, 2_000));
    await produce(users, [{ key: 'u5', value: 'eve@it' }]);
    await awaitOutput(kafka, output, 5);
    await worker.close();
    expect(worker.errors).toEqual([]);
    const joined = new Map((await consumeToEnd(kafka, output)).map((r) => [r.key, r.value]));
    expect(joined).toEqual(
      new Map([
        ['u1', 'ann@fr/France'],
        ['u2', 'bob@jp/Japan'],
        ['u3', 'cid@es/Spain'],
        ['u4', 'dan@it/unknown'],
        ['u5', 'eve@it/Italy'],
      ]),
    );
  });
});
