import {
  JoinWindows,
  SessionWindows,
  SlidingWindows,
  StreamsBuilder,
  TimeWindows,
  TopologyTestDriver,
} from 'tributary';
import { afterEach, describe, expect, it } from 'vitest';
import { L, S, WS, windowedRows } from './support/windowed.js';

let driver: TopologyTestDriver | undefined;
afterEach(async () => {
  await driver?.close();
  driver = undefined;
});

/** A windowed count of topic `in` written to `out`; returns the driver's input and output topics. */
function windowedCount(windows: TimeWindows, storeType: 'in-memory' | 'rocksdb' = 'in-memory') {
  const builder = new StreamsBuilder();
  builder
    .stream('in', { key: S, value: S })
    .groupByKey()
    .windowedBy(windows)
    .count({ name: 'counts', storeType })
    .toStream()
    .to('out', { key: WS, value: L });
  driver = new TopologyTestDriver(builder.build());
  return {
    input: driver.createInputTopic('in', S, S),
    output: driver.createOutputTopic('out', WS, L),
    dropped: () => (driver as TopologyTestDriver).metrics.total('dropped-records-total', { reason: 'late' }),
  };
}

describe('window definitions', () => {
  it('validate their durations with messages naming the argument', () => {
    expect(() => TimeWindows.ofSizeAndGrace(0, 0)).toThrow(/sizeMs must be a positive integer/);
    expect(() => TimeWindows.ofSizeAndGrace(10, -1)).toThrow(/graceMs must be a non-negative integer/);
    expect(() => TimeWindows.ofSizeWithNoGrace(1.5)).toThrow(/sizeMs/);
    expect(() => TimeWindows.ofSizeWithNoGrace(10).advanceBy(11)).toThrow(/must not exceed the window size/);
    expect(() => TimeWindows.ofSizeWithNoGrace(10).advanceBy(0)).toThrow(/advanceMs must be a positive/);
    expect(() => SlidingWindows.ofTimeDifferenceAndGrace(-1, 0)).toThrow(/timeDifferenceMs/);
    expect(() => SessionWindows.ofInactivityGapAndGrace(0, 5)).toThrow(/inactivityGapMs must be a positive/);
    expect(() => SessionWindows.ofInactivityGapWithNoGrace(Number.NaN)).toThrow(/inactivityGapMs/);
    expect(() => JoinWindows.ofTimeDifferenceAndGrace(5, -2)).toThrow(/graceMs/);
    expect(() => JoinWindows.ofTimeDifferenceWithNoGrace(5).before(-6)).toThrow(/window .* is empty/);
  });

  it('keep what they were given', () => {
    const hopping = TimeWindows.ofSizeAndGrace(60_000, 5_000).advanceBy(15_000);
    expect([hopping.sizeMs, hopping.advanceMs, hopping.graceMs]).toEqual([60_000, 15_000, 5_000]);
    expect(TimeWindows.ofSizeWithNoGrace(10).graceMs).toBe(0);
    const join = JoinWindows.ofTimeDifferenceAndGrace(10, 3).before(2);
    expect([join.beforeMs, join.afterMs, join.graceMs, join.sizeMs]).toEqual([2, 10, 3, 12]);
    expect(SlidingWindows.ofTimeDifferenceWithNoGrace(7).timeDifferenceMs).toBe(7);
    expect(SessionWindows.ofInactivityGapWithNoGrace(7).inactivityGapMs).toBe(7);
  });
});

describe('tumbling windows', () => {
  it('put a record at the exact window end into the next window (end exclusive)', async () => {
    const { input, output } = windowedCount(TimeWindows.ofSizeAndGrace(10, 100));
    await input.pipeInput('a', 'x', 0);
    await input.pipeInput('a', 'x', 9);
    await input.pipeInput('a', 'x', 10);
    await input.pipeInput('b', 'x', 19);
    expect(windowedRows(output.readRecordsToList())).toEqual([
      ['a', 0, 10, 1, 0],
      ['a', 0, 10, 2, 9],
      ['a', 10, 20, 1, 10],
      ['b', 10, 20, 1, 19],
    ]);
  });

  it('accept out-of-order records until end + grace, then drop them as late and count them', async () => {
    const { input, output, dropped } = windowedCount(TimeWindows.ofSizeAndGrace(10, 5));
    await input.pipeInput('a', 'x', 3);
    await input.pipeInput('a', 'x', 14); // stream time 14: window [0,10) closes at 15
    await input.pipeInput('a', 'x', 7); // still open: 10 + 5 > 14
    await input.pipeInput('a', 'x', 15); // stream time 15 = end + grace: [0,10) is closed now
    await input.pipeInput('a', 'x', 9); // late
    expect(windowedRows(output.readRecordsToList())).toEqual([
      ['a', 0, 10, 1, 3],
      ['a', 10, 20, 1, 14],
      ['a', 0, 10, 2, 7],
      ['a', 10, 20, 2, 15],
    ]);
    expect(dropped()).toBe(1);
    expect(await (driver as TopologyTestDriver).getWindowStore<string, number>('counts').fetch('a', 0)).toBe(
      2,
    );
  });

  it('without grace close exactly at their end', async () => {
    const { input, output, dropped } = windowedCount(TimeWindows.ofSizeWithNoGrace(10));
    await input.pipeInput('a', 'x', 10);
    await input.pipeInput('a', 'x', 9);
    expect(windowedRows(output.readRecordsToList())).toEqual([['a', 10, 20, 1, 10]]);
    expect(dropped()).toBe(1);
  });

  it('stream time is the largest timestamp the aggregation has seen, whatever the key', async () => {
    const { input, output, dropped } = windowedCount(TimeWindows.ofSizeAndGrace(10, 0));
    await input.pipeInput('a', 'x', 25);
    await input.pipeInput('b', 'x', 5); // window [0,10) of b closed by a's record
    expect(windowedRows(output.readRecordsToList())).toEqual([['a', 20, 30, 1, 25]]);
    expect(dropped()).toBe(1);
  });
});

describe('hopping windows', () => {
  it('add a record to every overlapping window, aligned to the epoch', async () => {
    const { input, output } = windowedCount(TimeWindows.ofSizeAndGrace(10, 100).advanceBy(5));
    await input.pipeInput('a', 'x', 7);
    await input.pipeInput('a', 'x', 12);
    expect(windowedRows(output.readRecordsToList())).toEqual([
      ['a', 0, 10, 1, 7],
      ['a', 5, 15, 1, 7],
      ['a', 5, 15, 2, 12],
      ['a', 10, 20, 1, 12],
    ]);
  });

  it('drop a record only from the windows that closed, counting each', async () => {
    const { input, output, dropped } = windowedCount(TimeWindows.ofSizeWithNoGrace(10).advanceBy(5));
    await input.pipeInput('a', 'x', 12); // windows [5,15) and [10,20)
    await input.pipeInput('a', 'x', 8); // [0,10) is closed (10 <= 12), [5,15) is open
    expect(windowedRows(output.readRecordsToList())).toEqual([
      ['a', 5, 15, 1, 12],
      ['a', 10, 20, 1, 12],
      ['a', 5, 15, 2, 12],
    ]);
    expect(dropped()).toBe(1);
  });
});

describe('windowed aggregations', () => {
  it('reduce and aggregate per window, on RocksDB stores too', async () => {
    const builder = new StreamsBuilder();
    const grouped = builder.stream('in', { key: S, value: L }).groupByKey();
    const windows = TimeWindows.ofSizeAndGrace(100, 0);
    grouped
      .windowedBy(windows)
      .reduce((a, b) => Math.max(a, b), { name: 'max' })
      .toStream()
      .to('max', { key: WS, value: L });
    grouped
      .windowedBy(windows)
      .aggregate(
        () => '',
        (_k, v, agg) => `${agg}${v};`,
        { name: 'concat', value: S },
      )
      .toStream((wk) => `${wk.key}@${wk.window.start}`)
      .to('concat', { key: S, value: S });
    driver = new TopologyTestDriver(builder.build());
    const input = driver.createInputTopic('in', S, L);
    await input.pipeInput('k', 3, 10);
    await input.pipeInput('k', 1, 20);
    await input.pipeInput('k', 5, 120);
    await input.pipeInput(null, 5, 130);
    await input.pipeInput('k', null, 130);
    expect(driver.createOutputTopic('max', WS, L).readValuesToList()).toEqual([3, 3, 5]);
    expect(driver.createOutputTopic('concat', S, S).readKeyValuesToList()).toEqual([
      { key: 'k@0', value: '3;' },
      { key: 'k@0', value: '3;1;' },
      { key: 'k@100', value: '5;' },
    ]);
    expect(driver.metrics.total('dropped-records-total', { reason: 'null-key' })).toBe(2);
    expect(driver.metrics.total('dropped-records-total', { reason: 'null-value' })).toBe(2);
    // Retention is size + grace: window 0 expired once window 100 opened.
    const store = driver.getWindowStore<string, number>('max');
    expect(await store.fetch('k', 0, 200)).toEqual([{ windowStart: 100, value: 5 }]);
  });

  it('windowed stores keep windows for size + grace, or longer when Materialized asks', () => {
    const builder = new StreamsBuilder();
    const grouped = builder.stream('in', { key: S, value: S }).groupByKey();
    grouped.windowedBy(TimeWindows.ofSizeAndGrace(60_000, 5_000)).count({ name: 'short' });
    grouped
      .windowedBy(TimeWindows.ofSizeAndGrace(60_000, 5_000))
      .count({ name: 'long', retentionMs: 3_600_000 });
    grouped
      .windowedBy(TimeWindows.ofSizeAndGrace(60_000, 5_000))
      .count({ name: 'too-short', retentionMs: 1 });
    const topology = builder.build();
    const stores = topology.subtopologies.flatMap((st) => st.stores.map((s) => s.builder));
    const retention = Object.fromEntries(stores.map((b) => [b.name, b.retentionMs]));
    expect(retention).toEqual({ short: 65_000, long: 3_600_000, 'too-short': 65_000 });
    expect(stores.every((b) => b.windowSizeMs === 60_000)).toBe(true);
  });

  it('caching dedups updates of a window within a commit; the driver commits after each record', async () => {
    const builder = new StreamsBuilder();
    builder
      .stream('in', { key: S, value: S })
      .flatMapValues((v) => v.split(','))
      .groupByKey()
      .windowedBy(TimeWindows.ofSizeWithNoGrace(10))
      .count({ name: 'cached' })
      .toStream()
      .to('out', { key: WS, value: L });
    driver = new TopologyTestDriver(builder.build());
    await driver.createInputTopic('in', S, S).pipeInput('a', 'x,y,z', 1);
    expect(windowedRows(driver.createOutputTopic('out', WS, L).readRecordsToList())).toEqual([
      ['a', 0, 10, 3, 1],
    ]);
  });

  it('repartitions after a key change, naming the topic after the store', async () => {
    const builder = new StreamsBuilder();
    builder
      .stream('in', { key: S, value: S })
      .groupBy((_k, v) => v, { key: S })
      .windowedBy(TimeWindows.ofSizeWithNoGrace(10))
      .count({ name: 'by-value', storeType: 'in-memory' })
      .toStream()
      .to('out', { key: WS, value: L });
    const topology = builder.build();
    expect(topology.describe().internalTopics.map((t) => t.name)).toEqual([
      'by-value-repartition',
      'by-value-changelog',
    ]);
    driver = new TopologyTestDriver(topology);
    const input = driver.createInputTopic('in', S, S);
    await input.pipeInput('1', 'v', 1);
    await input.pipeInput('2', 'v', 2);
    expect(windowedRows(driver.createOutputTopic('out', WS, L).readRecordsToList())).toEqual([
      ['v', 0, 10, 1, 1],
      ['v', 0, 10, 2, 2],
    ]);
  });
});
