import { Serdes, SlidingWindows, StreamsBuilder, TopologyTestDriver, type Windowed } from 'tributary';
import { afterEach, describe, expect, it } from 'vitest';

const S = Serdes.string();
const L = Serdes.long();
const WS = Serdes.windowed(S);

let driver: TopologyTestDriver | undefined;
afterEach(async () => {
  await driver?.close();
  driver = undefined;
});

type Row = [start: number, end: number, value: number | string, timestamp: number];

function rows(records: { key: Windowed<string>; value: number | string; timestamp: number }[]): Row[] {
  return records.map((r) => [r.key.window.start, r.key.window.end, r.value, r.timestamp]);
}

function slidingCount(windows: SlidingWindows, storeType: 'in-memory' | 'rocksdb' = 'in-memory') {
  const builder = new StreamsBuilder();
  builder
    .stream('in', { key: S, value: S })
    .groupByKey()
    .windowedBy(windows)
    .count({ name: 'sliding', storeType, caching: false })
    .toStream()
    .to('out', { key: WS, value: L });
  driver = new TopologyTestDriver(builder.build());
  const d = driver;
  return {
    input: d.createInputTopic('in', S, S),
    output: d.createOutputTopic('out', WS, L),
    late: () => d.metrics.total('dropped-records-total', { reason: 'late' }),
  };
}

/** Every set of records within timeDifference of each other, by brute force: what the windows must hold. */
function expectedWindows(timestamps: number[], td: number): Map<number, number> {
  const byStart = new Map<number, number>();
  const starts = new Set<number>();
  for (const t of timestamps) {
    starts.add(Math.max(0, t - td));
    if (timestamps.some((u) => u > t && u <= t + 1 + td)) starts.add(t + 1);
  }
  for (const start of starts) {
    const count = timestamps.filter((t) => t >= start && t <= start + td).length;
    if (count > 0) byStart.set(start, count);
  }
  return byStart;
}

describe('sliding windows', () => {
  it('create a left window per record and right windows where later records fall, bounds inclusive', async () => {
    const { input, output } = slidingCount(SlidingWindows.ofTimeDifferenceAndGrace(10, 100));
    await input.pipeInput('a', 'x', 15);
    expect(rows(output.readRecordsToList())).toEqual([[5, 15, 1, 15]]);
    await input.pipeInput('a', 'x', 20);
    // The right window of 15 ([16, 26]) now holds 20; 20's left window [10, 20] holds 15 and 20.
    expect(rows(output.readRecordsToList())).toEqual([
      [16, 26, 1, 20],
      [10, 20, 2, 20],
    ]);
    await input.pipeInput('a', 'x', 18);
    // Out of order: 18 joins the windows containing it and gets its own left window and a right window for 20.
    expect(rows(output.readRecordsToList())).toEqual([
      [10, 20, 3, 20],
      [16, 26, 2, 20],
      [8, 18, 2, 18],
      [19, 29, 1, 20],
    ]);
  });

  it('agree with a brute-force computation of all distinct windows, in and out of order', async () => {
    const td = 7;
    const { input } = slidingCount(SlidingWindows.ofTimeDifferenceAndGrace(td, 1000), 'rocksdb');
    const timestamps = [30, 12, 45, 33, 31, 60, 12, 47, 40, 8, 3];
    for (const t of timestamps) await input.pipeInput('k', 'v', t);
    const store = (driver as TopologyTestDriver).getWindowStore<string, number>('sliding');
    const actual = new Map((await store.fetch('k', 0, 1000)).map((w) => [w.windowStart, w.value]));
    expect(actual).toEqual(expectedWindows(timestamps, td));
  });

  for (const td of [0, 1, 5, 13]) {
    it(`agree with brute force on 40 random timestamps (timeDifference ${td})`, async () => {
      const { input } = slidingCount(SlidingWindows.ofTimeDifferenceAndGrace(td, 10_000));
      let seed = 17 + td;
      const random = () => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed / 2147483648;
      };
      const timestamps = Array.from({ length: 40 }, () => Math.floor(random() * 200));
      for (const t of timestamps) await input.pipeInput('k', 'v', t);
      const store = (driver as TopologyTestDriver).getWindowStore<string, number>('sliding');
      const actual = new Map((await store.fetch('k', 0, 10_000)).map((w) => [w.windowStart, w.value]));
      expect(actual).toEqual(expectedWindows(timestamps, td));
    });
  }

  it('put records before timeDifference into the window starting at 0', async () => {
    const { input, output } = slidingCount(SlidingWindows.ofTimeDifferenceAndGrace(10, 100));
    await input.pipeInput('a', 'x', 3);
    await input.pipeInput('a', 'x', 7);
    expect(rows(output.readRecordsToList())).toEqual([
      [0, 10, 1, 3],
      [4, 14, 1, 7],
      [0, 10, 2, 7],
    ]);
  });

  it('include a window whose end + grace equals stream time, drop what ends before', async () => {
    const { input, output, late } = slidingCount(SlidingWindows.ofTimeDifferenceAndGrace(10, 5));
    await input.pipeInput('a', 'x', 30);
    output.readRecordsToList();
    await input.pipeInput('a', 'x', 25); // left window [15, 25]: 25 + 5 = stream time 30: still open
    expect(rows(output.readRecordsToList())).toEqual([
      [20, 30, 2, 30],
      [15, 25, 1, 25],
      [26, 36, 1, 30],
    ]);
    expect(late()).toBe(0);
    await input.pipeInput('a', 'x', 24); // its left window [14, 24] closed; the windows containing it are open
    expect(rows(output.readRecordsToList())).toEqual([
      [15, 25, 2, 25],
      [20, 30, 3, 30],
      [25, 35, 2, 30],
    ]);
    expect(late()).toBe(1);
    await input.pipeInput('a', 'x', 14); // 14 + 10 < 25: every window of it is closed
    expect(output.isEmpty()).toBe(true);
    expect(late()).toBe(2);
  });
});
