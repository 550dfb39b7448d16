import { Serdes, StreamsBuilder, TopologyTestDriver } from 'tributary';
import { describe, expect, it } from 'vitest';

const S = Serdes.string();
const L = Serdes.long();

describe('grouped stream aggregations', () => {
  it('count emits the running count per key and keeps it in a queryable store', async () => {
    const builder = new StreamsBuilder();
    builder
      .stream('words', { key: S, value: S })
      .groupByKey()
      .count({ name: 'counts', storeType: 'in-memory' })
      .toStream()
      .to('counts-out', { key: S, value: L });
    const driver = new TopologyTestDriver(builder.build());
    const input = driver.createInputTopic('words', S, S);
    await input.pipeKeyValueList([
      { key: 'a', value: 'x' },
      { key: 'b', value: 'x' },
      { key: 'a', value: 'y' },
    ]);
    expect(driver.createOutputTopic('counts-out', S, L).readKeyValuesToList()).toEqual([
      { key: 'a', value: 1 },
      { key: 'b', value: 1 },
      { key: 'a', value: 2 },
    ]);
    expect(await driver.getKeyValueStore<string, number>('counts').get('a')).toBe(2);
    await driver.close();
  });

  it('groupBy repartitions by the new key before aggregating', async () => {
    const builder = new StreamsBuilder();
    builder
      .stream('lines', { key: S, value: S })
      .flatMapValues((v) => v.split(' '))
      .groupBy((_k, word) => word, { key: S, value: S })
      .count({ name: 'word-counts' })
      .toStream()
      .to('out', { key: S, value: L });
    const topology = builder.build();
    expect(topology.describe().internalTopics.map((t) => t.name)).toEqual([
      'word-counts-repartition',
      'word-counts-changelog',
    ]);
    const driver = new TopologyTestDriver(topology);
    await driver.createInputTopic('lines', S, S).pipeInput('1', 'to be or not to be');
    expect(driver.createOutputTopic('out', S, L).readKeyValuesToMap()).toEqual(
      new Map([
        ['to', 2],
        ['be', 2],
        ['or', 1],
        ['not', 1],
      ]),
    );
    await driver.close();
  });

  it('reduce and aggregate fold values; null keys and values are dropped and counted', async () => {
    const builder = new StreamsBuilder();
    const grouped = builder.stream('nums', { key: S, value: L }).groupByKey();
    grouped
      .reduce((a, b) => a + b, { name: 'sums' })
      .toStream()
      .to('sums', { key: S, value: L });
    grouped
      .aggregate(
        () => '',
        (_k, v, agg) => `${agg}${v}`,
        { name: 'concat', value: S },
      )
      .toStream()
      .to('concat', { key: S, value: S });
    const driver = new TopologyTestDriver(builder.build());
    const input = driver.createInputTopic('nums', S, L);
    await input.pipeInput('k', 1);
    await input.pipeInput('k', 2);
    await input.pipeInput(null, 5);
    await input.pipeInput('k', null);
    expect(driver.createOutputTopic('sums', S, L).readValuesToList()).toEqual([1, 3]);
    expect(driver.createOutputTopic('concat', S, S).readValuesToList()).toEqual(['1', '12']);
    expect(driver.metrics.total('dropped-records-total')).toBe(4);
    await driver.close();
  });
});
