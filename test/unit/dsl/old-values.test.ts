// A cached table store sends old values only to downstream operators that read them (toStream() does not): these
// tests pin that operators which do read them still get them, next to a toStream() of the same table.
import { Serdes, StreamsBuilder, TimeWindows, TopologyTestDriver } from 'tributary';
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
});
