import { MockClient } from '@confluentinc/schemaregistry';
import { Serdes, StreamsBuilder, TopologyTestDriver } from 'tributary';
import { describe, expect, it } from 'vitest';

interface Reading {
  sensor: string;
  celsius: number;
}

const readingSchema = {
  type: 'record',
  name: 'Reading',
  namespace: 'test',
  fields: [
    { name: 'sensor', type: 'string' },
    { name: 'celsius', type: 'double' },
  ],
} as const;

describe('Serdes.avro in a topology', () => {
  it('reads and writes the Confluent wire format with schema ids resolved before processing', async () => {
    const registry = new MockClient({ baseURLs: ['mock://'] });
    const readings = Serdes.avro<Reading>(readingSchema, registry);
    const S = Serdes.string();
    const builder = new StreamsBuilder();
    builder
      .stream('readings', { key: S, value: readings })
      .mapValues((r) => ({ ...r, celsius: Math.round(r.celsius * 10) / 10 }))
      .to('rounded', { key: S, value: readings });
    const driver = new TopologyTestDriver(builder.build());
    await driver.init();
    await driver.createInputTopic('readings', S, readings).pipeInput('s1', { sensor: 's1', celsius: 21.456 });
    const raw = driver.createOutputTopic('rounded', S, Serdes.bytes()).readValue();
    const id = await registry.getId('rounded-value', {
      schema: JSON.stringify(readingSchema),
      schemaType: 'AVRO',
    });
    expect(raw[0]).toBe(0);
    expect(raw.readInt32BE(1)).toBe(id);
    expect(readings.deserialize('rounded', raw)).toEqual({ sensor: 's1', celsius: 21.5 });
    await driver.close();
  });

  it('prepares Avro serdes wrapped by timestamped and windowed stores for their changelog topics', async () => {
    const registry = new MockClient({ baseURLs: ['mock://'] });
    const readings = Serdes.avro<Reading>(readingSchema, registry);
    const S = Serdes.string();
    const builder = new StreamsBuilder();
    builder.table('readings', { key: S, value: readings, name: 'latest' });
    const driver = new TopologyTestDriver(builder.build(), { applicationId: 'app' });
    await driver.init();
    await driver.createInputTopic('readings', S, readings).pipeInput('s1', { sensor: 's1', celsius: 20 });
    expect(await registry.getAllSubjects()).toContain('app-latest-changelog-value');
    expect(await driver.getKeyValueStore<string, Reading>('latest').get('s1')).toEqual({
      sensor: 's1',
      celsius: 20,
    });
    await driver.close();
  });

  it('pipes Avro records without an explicit init(): input topics prepare their serdes first', async () => {
    const registry = new MockClient({ baseURLs: ['mock://'] });
    const readings = Serdes.avro<Reading>(readingSchema, registry);
    const S = Serdes.string();
    const builder = new StreamsBuilder();
    builder.stream('readings', { key: S, value: readings }).to('copied', { key: S, value: readings });
    const driver = new TopologyTestDriver(builder.build());
    const input = driver.createInputTopic('readings', S, readings);
    await input.pipeInput('s1', { sensor: 's1', celsius: 20 });
    await input.pipeRecordList([{ key: 's2', value: { sensor: 's2', celsius: 21 } }]);
    expect(driver.createOutputTopic('copied', S, readings).readValuesToList()).toEqual([
      { sensor: 's1', celsius: 20 },
      { sensor: 's2', celsius: 21 },
    ]);
    await driver.close();
  });
});
