import { Serdes, StreamsBuilder, TopologyTestDriver } from 'tributary';
import { afterEach, describe, expect, it } from 'vitest';
import { changeSerde } from '../../../operators/processors/change-serde.js';

const S = Serdes.string();
const L = Serdes.long();

let driver: TopologyTestDriver | undefined;
afterEach(async () => {
  await driver?.close();
  driver = undefined;
});

describe('KTable.groupBy', () => {
  it('count: a row moving to another group decrements the old one; a deleted row decrements its group', async () => {
    const builder = new StreamsBuilder();
    builder
      .table('users', { key: S, value: S, name: 'users' })
      .groupBy((_user, region) => [region, 1], { key: S, value: L })
      .count({ name: 'per-region', caching: false })
      .toStream()
      .to('out', { key: S, value: L });
    const topology = builder.build();
    expect(topology.describe().internalTopics.map((t) => [t.name, t.type])).toEqual([
      ['per-region-repartition', 'repartition'],
      ['users-changelog', 'changelog'],
      ['per-region-changelog', 'changelog'],
    ]);
    driver = new TopologyTestDriver(topology);
    const users = driver.createInputTopic('users', S, S);
    await users.pipeInput('u1', 'eu');
    await users.pipeInput('u2', 'eu');
    await users.pipeInput('u1', 'us');
    await users.pipeInput('u2', null);
    await users.pipeInput('u3', null); // never existed: nothing
    expect(driver.createOutputTopic('out', S, L).readKeyValuesToList()).toEqual([
      { key: 'eu', value: 1 },
      { key: 'eu', value: 2 },
      { key: 'eu', value: 1 },
      { key: 'us', value: 1 },
      { key: 'eu', value: 0 },
    ]);
    expect(await driver.getKeyValueStore<string, number>('per-region').get('us')).toBe(1);
  });

  it('aggregate: the subtractor removes the old row and the adder adds the new one, in one update per group', async () => {
    const builder = new StreamsBuilder();
    builder
      .table('scores', { key: S, value: S, name: 'scores' })
      .groupBy((_player, v) => [v.split(':')[0], Number(v.split(':')[1])], {
        key: S,
        value: L,
        name: 'by-team',
      })
      .aggregate(
        () => 0,
        (_team, points, total) => total + points,
        (_team, points, total) => total - points,
        { name: 'team-totals', value: L, caching: false },
      )
      .toStream()
      .to('out', { key: S, value: L });
    const topology = builder.build();
    expect(
      topology
        .describe()
        .internalTopics.filter((t) => t.type === 'repartition')
        .map((t) => t.name),
    ).toEqual(['by-team-repartition']);
    driver = new TopologyTestDriver(topology);
    const scores = driver.createInputTopic('scores', S, S);
    await scores.pipeInput('p1', 'a:10');
    await scores.pipeInput('p2', 'a:5');
    await scores.pipeInput('p1', 'a:7'); // same team: one Change (-10 +7)
    await scores.pipeInput('p1', 'b:7'); // moves: a loses 7, b gains 7
    await scores.pipeInput('p2', null);
    expect(driver.createOutputTopic('out', S, L).readKeyValuesToList()).toEqual([
      { key: 'a', value: 10 },
      { key: 'a', value: 15 },
      { key: 'a', value: 12 },
      { key: 'a', value: 5 },
      { key: 'b', value: 7 },
      { key: 'a', value: 0 },
    ]);
  });

  it('reduce with adder and subtractor; null keys from the selector are dropped and counted', async () => {
    const builder = new StreamsBuilder();
    builder
      .table('items', { key: S, value: S, name: 'items' })
      .groupBy((_k, v) => [v === 'none' ? (null as unknown as string) : v[0], v.length], { key: S, value: L })
      .reduce(
        (a, b) => a + b,
        (a, b) => a - b,
        { name: 'lengths', caching: false },
      )
      .toStream()
      .to('out', { key: S, value: L });
    driver = new TopologyTestDriver(builder.build());
    const items = driver.createInputTopic('items', S, S);
    await items.pipeInput('1', 'apple');
    await items.pipeInput('2', 'avocado');
    await items.pipeInput('1', 'none');
    expect(driver.createOutputTopic('out', S, L).readKeyValuesToList()).toEqual([
      { key: 'a', value: 5 },
      { key: 'a', value: 12 },
      { key: 'a', value: 7 },
    ]);
    expect(driver.metrics.total('dropped-records-total', { reason: 'null-key' })).toBe(1);
  });
});

describe('Change serde (repartition topics of grouped tables)', () => {
  it("writes Kafka Streams' ChangedSerializer format and reads it back", () => {
    const serde = changeSerde(Serdes.string());
    const hex = (newValue: string | null, oldValue: string | null) =>
      serde.serialize('t', { newValue, oldValue }).toString('hex');
    expect(hex('ab', null)).toBe('616201');
    expect(hex(null, 'ab')).toBe('616200');
    expect(hex('ab', 'cde')).toBe('04616263646502'); // zigzag varint length of the new value, new, old, flag 2
    for (const change of [
      { newValue: 'x', oldValue: null },
      { newValue: null, oldValue: 'y' },
      { newValue: 'new', oldValue: '' },
    ]) {
      expect(serde.deserialize('t', serde.serialize('t', change))).toEqual(change);
    }
    expect(() => serde.serialize('t', { newValue: null, oldValue: null })).toThrow(/old or a new value/);
    expect(() => serde.deserialize('t', Buffer.from('61ff', 'hex'))).toThrow(/unknown encoding flag 255/);
  });
});
