// A cached table store sends old values only to downstream operators that read them (toStream() does not): these
// tests pin that operators which do read them still get them, next to a toStream() of the same table.
import { type Serde, Serdes, StreamsBuilder, Suppressed, TimeWindows, TopologyTestDriver } from 'tributary';
import { afterEach, describe, expect, it } from 'vitest';

const S = Serdes.string();
const L = Serdes.long();

let driver: TopologyTestDriver | undefined;
afterEach(async () => {
  await driver?.close();
  driver = undefined;
});

describe('old values of cached table updates', () => {
  it('reach a filter beside a toStream(): a row that stops matching becomes a tombstone', async () => {
    const builder = new StreamsBuilder();
    const counts = builder.stream('in', { key: S, value: S }).groupByKey().count({ name: 'counts' });
    counts.toStream().to('all', { key: S, value: L });
    counts
      .filter((_k, n) => n < 2)
      .toStream()
      .to('small', { key: S, value: L });
    driver = new TopologyTestDriver(builder.build());
    const input = driver.createInputTopic('in', S, S);
    await input.pipeInput('a', 'x');
    await input.pipeInput('a', 'x'); // 2: no longer < 2, the filter must retract 1 (it needs the old value)
    await input.pipeInput('a', 'x'); // 3: neither old nor new matches: nothing
    expect(driver.createOutputTopic('all', S, L).readValuesToList()).toEqual([1, 2, 3]);
    expect(driver.createOutputTopic('small', S, L).readKeyValuesToList()).toEqual([
      { key: 'a', value: 1 },
      { key: 'a', value: null },
    ]);
  });

  it('reach a table aggregation downstream of a windowed count', async () => {
    const builder = new StreamsBuilder();
    builder
      .stream('in', { key: S, value: S })
      .groupByKey()
      .windowedBy(TimeWindows.ofSizeWithNoGrace(10))
      .count({ name: 'per-window' })
      .groupBy((w, n) => [w.key, n], { key: S, value: L })
      // latest count of the key's windows, summed: the subtractor needs each window's old count
      .reduce(
        (a, b) => a + b,
        (a, b) => a - b,
        { name: 'sum' },
      )
      .toStream()
      .to('out', { key: S, value: L });
    driver = new TopologyTestDriver(builder.build());
    const input = driver.createInputTopic('in', S, S);
    await input.pipeInput('k', 'x', 1);
    await input.pipeInput('k', 'x', 2); // window 0 counts 2: sum 2 (1 subtracted, 2 added)
    await input.pipeInput('k', 'x', 11); // window 10 counts 1: sum 3
    expect(driver.createOutputTopic('out', S, L).readValuesToList()).toEqual([1, 2, 3]);
  });

  it('pass through suppress() to a filter below it: the retraction still happens', async () => {
    const builder = new StreamsBuilder();
    builder
      .stream('in', { key: S, value: S })
      .groupByKey()
      .count({ name: 'counts' })
      .suppress(Suppressed.untilTimeLimit(10))
      .filter((_k, n) => n < 2)
      .toStream()
      .to('small', { key: S, value: L });
    driver = new TopologyTestDriver(builder.build());
    const input = driver.createInputTopic('in', S, S);
    await input.pipeInput('a', 'x', 0);
    await input.pipeInput('b', 'x', 20); // releases a = 1
    await input.pipeInput('a', 'x', 21);
    await input.pipeInput('c', 'x', 40); // releases b = 1, then a = 2 (old 1): the filter retracts a
    expect(driver.createOutputTopic('small', S, L).readKeyValuesToList()).toEqual([
      { key: 'a', value: 1 },
      { key: 'b', value: 1 },
      { key: 'a', value: null },
    ]);
  });

  it('are not read for suppress(untilWindowCloses).toStream(): no old aggregate is deserialized', async () => {
    let deserialized = 0;
    const counting: Serde<number> = {
      name: 'counting-long',
      serialize: (topic, n) => L.serialize(topic, n),
      deserialize: (topic, bytes) => {
        deserialized++;
        return L.deserialize(topic, bytes);
      },
    };
    const builder = new StreamsBuilder();
    builder
      .stream('in', { key: S, value: S })
      .groupByKey()
      .windowedBy(TimeWindows.ofSizeAndGrace(10, 0))
      .aggregate(
        () => 0,
        (_k, _v, n) => n + 1,
        { name: 'per-window', value: counting, storeType: 'in-memory' },
      )
      .suppress(Suppressed.untilWindowCloses())
      .toStream()
      .map((w, n) => [w.key, n] as const)
      .to('out', { key: S, value: L });
    driver = new TopologyTestDriver(builder.build());
    const input = driver.createInputTopic('in', S, S);
    for (let t = 0; t < 5; t++) await input.pipeInput('k', 'x', t);
    await input.pipeInput('k', 'x', 10); // closes [0, 10)
    expect(driver.createOutputTopic('out', S, L).readValuesToList()).toEqual([5]);
    expect(deserialized).toBe(0);
  });
});
