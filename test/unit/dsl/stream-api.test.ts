// KStream operations and driver calls users rely on that the operator suites do not cover on their own: toTable,
// split without a default branch, an explicit repartition() through the driver, pipeRecordList and readKeyValue.
import { Serdes, StreamsBuilder, TopologyTestDriver } from 'tributary';
import { describe, expect, it } from 'vitest';

const S = Serdes.string();
const I = Serdes.int();

describe('KStream.toTable', () => {
  it('keeps the latest value per key; a null value deletes the row; records without a key are dropped', async () => {
    const builder = new StreamsBuilder();
    builder
      .stream('in', { key: S, value: S })
      .toTable({ name: 'latest' })
      .toStream()
      .to('out', { key: S, value: S });
    const driver = new TopologyTestDriver(builder.build());
    const input = driver.createInputTopic('in', S, S);
    await input.pipeInput('a', 'a1', 1);
    await input.pipeInput('b', 'b1', 2);
    await input.pipeInput('a', 'a2', 3);
    await input.pipeInput(null, 'no key', 4);
    await input.pipeInput('b', null, 5);
    expect(driver.createOutputTopic('out', S, S).readKeyValuesToList()).toEqual([
      { key: 'a', value: 'a1' },
      { key: 'b', value: 'b1' },
      { key: 'a', value: 'a2' },
      { key: 'b', value: null },
    ]);
    const store = driver.getKeyValueStore<string, string>('latest');
    expect(await store.get('a')).toBe('a2');
    expect(await store.get('b')).toBeUndefined();
    expect(driver.metrics.total('dropped-records-total', { reason: 'null-key' })).toBe(1);
    await driver.close();
  });
});

describe('KStream.split().noDefaultBranch()', () => {
  it('drops records that match no branch', async () => {
    const builder = new StreamsBuilder();
    const branches = builder
      .stream('in', { key: S, value: S })
      .split({ name: 'by-level-' })
      .branch((_k, v) => v.startsWith('error'), { name: 'errors' })
      .noDefaultBranch();
    branches['by-level-errors'].to('errors', { key: S, value: S });
    const driver = new TopologyTestDriver(builder.build());
    await driver.createInputTopic('in', S, S).pipeKeyValueList([
      { key: '1', value: 'error: disk' },
      { key: '2', value: 'info' },
      { key: '3', value: 'error: net' },
    ]);
    expect(driver.createOutputTopic('errors', S, S).readValuesToList()).toEqual([
      'error: disk',
      'error: net',
    ]);
    await driver.close();
  });
});

describe('KStream.repartition()', () => {
  it('routes the records through the internal topic, re-keyed and with their serdes', async () => {
    const builder = new StreamsBuilder();
    builder
      .stream('in', { key: S, value: S })
      .selectKey((_k, v) => v.length)
      .repartition({ name: 'by-length', key: I, value: S })
      .to('out', { key: I, value: S });
    const topology = builder.build();
    // Two sub-topologies joined by the internal topic: the driver writes to it and reads it back.
    expect(topology.describe().internalTopics.map((t) => t.name)).toContain('by-length-repartition');
    expect(topology.describe().subtopologies).toHaveLength(2);
    const driver = new TopologyTestDriver(topology, { applicationId: 'app' });
    await driver.createInputTopic('in', S, S).pipeRecordList([
      { key: 'x', value: 'abc', timestamp: 10 },
      { key: 'y', value: 'de', timestamp: 20 },
    ]);
    const out = driver.createOutputTopic('out', I, S);
    expect(out.readKeyValue()).toEqual({ key: 3, value: 'abc' });
    expect(out.readRecordsToList()).toMatchObject([{ key: 2, value: 'de', timestamp: 20 }]);
    expect(out.isEmpty()).toBe(true);
    await driver.close();
  });
});
