import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SessionWindows,
  SlidingWindows,
  StreamsBuilder,
  StreamsError,
  Suppressed,
  TimeWindows,
  TopologyTestDriver,
} from 'tributary';
import { afterEach, describe, expect, it } from 'vitest';
import { taskHarness } from './support/task-harness.js';
import { L, S, WS, windowedRows } from './support/windowed.js';

let driver: TopologyTestDriver | undefined;
afterEach(async () => {
  await driver?.close();
  driver = undefined;
});

function finalCounts(
  windows: TimeWindows | SlidingWindows,
  suppressed = Suppressed.untilWindowCloses(),
  storeType: 'in-memory' | 'rocksdb' = 'in-memory',
) {
  const builder = new StreamsBuilder();
  builder
    .stream('in', { key: S, value: S })
    .groupByKey()
    .windowedBy(windows)
    .count({ name: 'counts', storeType })
    .suppress(suppressed)
    .toStream()
    .to('out', { key: WS, value: L });
  return builder.build();
}

describe('suppress(untilWindowCloses)', () => {
  it('emits exactly one final result per window once stream time reaches end + grace, nothing before', async () => {
    driver = new TopologyTestDriver(finalCounts(TimeWindows.ofSizeAndGrace(10, 5)));
    const input = driver.createInputTopic('in', S, S);
    const output = driver.createOutputTopic('out', WS, L);
    await input.pipeInput('b', 'x', 4);
    await input.pipeInput('a', 'x', 1);
    await input.pipeInput('a', 'x', 3);
    await input.pipeInput('a', 'x', 12);
    await input.pipeInput('a', 'x', 8); // in grace: counted in the final result
    await input.pipeInput('a', 'x', 14);
    expect(output.isEmpty()).toBe(true);
    await input.pipeInput('c', 'x', 15); // 10 + 5 <= 15: [0,10) closes
    expect(windowedRows(output.readRecordsToList())).toEqual([
      ['a', 0, 10, 3, 8],
      ['b', 0, 10, 1, 4],
    ]);
    await input.pipeInput('a', 'x', 2); // late: dropped by the aggregation, no second result
    await input.pipeInput('a', 'x', 24);
    expect(output.isEmpty()).toBe(true);
    await input.pipeInput('a', 'x', 25);
    expect(windowedRows(output.readRecordsToList())).toEqual([
      ['a', 10, 20, 2, 14],
      ['c', 10, 20, 1, 15],
    ]);
    expect(driver.metrics.total('dropped-records-total', { reason: 'late' })).toBe(1);
  });

  it('emits the final results of hopping windows in window-end order', async () => {
    driver = new TopologyTestDriver(finalCounts(TimeWindows.ofSizeWithNoGrace(10).advanceBy(5)));
    const input = driver.createInputTopic('in', S, S);
    await input.pipeInput('a', 'x', 7);
    await input.pipeInput('a', 'x', 30);
    expect(windowedRows(driver.createOutputTopic('out', WS, L).readRecordsToList())).toEqual([
      ['a', 0, 10, 1, 7],
      ['a', 5, 15, 1, 7],
    ]);
  });

  it('closes a sliding window once stream time passes end + grace (ends are inclusive)', async () => {
    driver = new TopologyTestDriver(finalCounts(SlidingWindows.ofTimeDifferenceAndGrace(10, 5)));
    const input = driver.createInputTopic('in', S, S);
    const output = driver.createOutputTopic('out', WS, L);
    await input.pipeInput('a', 'x', 20); // window [10,20]
    await input.pipeInput('b', 'x', 25); // 20 + 5 = 25: [10,20] may still receive a record at 20
    expect(output.isEmpty()).toBe(true);
    await input.pipeInput('a', 'x', 20);
    await input.pipeInput('b', 'x', 26);
    expect(windowedRows(output.readRecordsToList())).toEqual([['a', 10, 20, 2, 20]]);
  });

  it('emits final session results, never the sessions that were merged away', async () => {
    const builder = new StreamsBuilder();
    builder
      .stream('in', { key: S, value: S })
      .groupByKey()
      .windowedBy(SessionWindows.ofInactivityGapAndGrace(10, 0))
      .count({ name: 'sessions', storeType: 'in-memory' })
      .suppress(Suppressed.untilWindowCloses())
      .toStream()
      .to('out', { key: WS, value: L });
    driver = new TopologyTestDriver(builder.build());
    const input = driver.createInputTopic('in', S, S);
    const output = driver.createOutputTopic('out', WS, L);
    await input.pipeInput('a', 'x', 0);
    await input.pipeInput('a', 'x', 8); // merges [0,0] into [0,8]
    await input.pipeInput('b', 'x', 18); // 8 + 10 = 18: [0,8] can still grow
    expect(output.isEmpty()).toBe(true);
    await input.pipeInput('b', 'x', 19);
    expect(windowedRows(output.readRecordsToList())).toEqual([['a', 0, 8, 2, 8]]);
  });

  it('works after a filter of the windowed table; its stream time advances with the records it sees', async () => {
    const builder = new StreamsBuilder();
    builder
      .stream('in', { key: S, value: S })
      .groupByKey()
      .windowedBy(TimeWindows.ofSizeWithNoGrace(10))
      .count({ storeType: 'in-memory' })
      .filter((_k, n) => n >= 2)
      .suppress(Suppressed.untilWindowCloses())
      .toStream()
      .to('out', { key: WS, value: L });
    driver = new TopologyTestDriver(builder.build());
    const input = driver.createInputTopic('in', S, S);
    const output = driver.createOutputTopic('out', WS, L);
    await input.pipeInput('a', 'x', 1);
    await input.pipeInput('a', 'x', 2);
    await input.pipeInput('b', 'x', 3);
    await input.pipeInput('c', 'x', 10); // filtered out: suppress does not see time 10
    expect(output.isEmpty()).toBe(true);
    await input.pipeInput('c', 'x', 11);
    expect(windowedRows(output.readRecordsToList())).toEqual([['a', 0, 10, 2, 2]]);
  });

  it('rejects tables that are not windowed, and buffers that would emit early', () => {
    const builder = new StreamsBuilder();
    const table = builder.stream('in', { key: S, value: S }).groupByKey().count();
    // @ts-expect-error: untilWindowCloses applies to windowed tables only
    expect(() => table.suppress(Suppressed.untilWindowCloses())).toThrow(/needs a windowed KTable/);
    expect(() =>
      // @ts-expect-error: a strict buffer cannot emit early
      Suppressed.untilWindowCloses({ maxRecords: 10, onFull: 'emitEarly' }),
    ).toThrow(/would emit non-final results/);
    expect(() => Suppressed.untilTimeLimit(-1)).toThrow(/timeLimitMs/);
    expect(() => Suppressed.untilTimeLimit(5, { maxBytes: 0 })).toThrow(
      /maxBytes must be a positive integer/,
    );
  });

  it('shuts the task down when a strict buffer is full, naming the limits', async () => {
    driver = new TopologyTestDriver(
      finalCounts(
        TimeWindows.ofSizeWithNoGrace(10),
        Suppressed.untilWindowCloses({ maxRecords: 2, onFull: 'shutdown' }).withName('final'),
      ),
    );
    const input = driver.createInputTopic('in', S, S);
    await input.pipeInput('a', 'x', 1);
    await input.pipeInput('b', 'x', 1);
    const failed = input.pipeInput('c', 'x', 1);
    await expect(failed).rejects.toThrow(
      /suppress 'final': the buffer exceeded its capacity \(3\/2 records, \d+\/unbounded bytes\)/,
    );
    // The failure is a StreamsError (fatal for the task), whichever processor it surfaces through.
    const error = await failed.catch((e: unknown) => e);
    expect(error instanceof StreamsError || (error as Error).cause instanceof StreamsError).toBe(true);
  });

  it('keeps its buffer in a changelogged store that survives a restart', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'suppress-restart-'));
    try {
      const topology = () => finalCounts(TimeWindows.ofSizeWithNoGrace(10), undefined, 'rocksdb');
      const described = topology().describe();
      expect(described.stores.map((s) => [s.name, s.kind, s.logging])).toEqual([
        ['counts', 'timestamped-window', true],
        ['counts-suppress-store', 'key-value', true],
      ]);
      const first = new TopologyTestDriver(topology(), { stateDir });
      await first.createInputTopic('in', S, S).pipeInput('a', 'x', 1);
      await first.createInputTopic('in', S, S).pipeInput('b', 'x', 2);
      expect(first.createOutputTopic('out', WS, L).isEmpty()).toBe(true);
      await first.close();
      driver = new TopologyTestDriver(topology(), { stateDir });
      await driver.createInputTopic('in', S, S).pipeInput('a', 'x', 10);
      expect(windowedRows(driver.createOutputTopic('out', WS, L).readRecordsToList())).toEqual([
        ['a', 0, 10, 1, 1],
        ['b', 0, 10, 1, 2],
      ]);
    } finally {
      await driver?.close();
      driver = undefined;
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  for (const storeType of ['in-memory', 'rocksdb'] as const) {
    it(`emits the same final results when a transaction aborts and its input is replayed (${storeType})`, async () => {
      const input: Array<[string, number]> = [
        ['a', 1],
        ['b', 3],
        ['a', 12],
        ['b', 9], // late for nothing yet (grace 5): counted in [0,10)
        ['a', 16], // closes [0,10)
        ['b', 14],
        ['a', 7], // late
        ['c', 27], // closes [10,20)
        ['a', 40],
      ];
      const run = async (abortAfter: number | undefined) => {
        const topology = finalCounts(TimeWindows.ofSizeAndGrace(10, 5), undefined, storeType);
        const h = await taskHarness(topology, { in: { key: S, value: S } });
        for (const [i, [key, ts]] of input.entries()) {
          await h.pipe('in', key, 'x', ts);
          if (i === 2 || i === 4) await h.commit();
          if (i === abortAfter) await h.abortAndReplay();
        }
        await h.commit();
        const out = h.committed('out', WS, L);
        await h.close();
        return out;
      };
      const expected = await run(undefined);
      expect(expected.map(([k, v]) => [k?.key, k?.window.start, v])).toEqual([
        ['a', 0, 1],
        ['b', 0, 2],
        ['a', 10, 2],
        ['b', 10, 1],
        ['c', 20, 1],
      ]);
      // Aborting after 'a' 7 replays a record that is late only for the stream time before the abort.
      for (const abortAfter of [3, 5, 6, 7, 8]) expect(await run(abortAfter)).toEqual(expected);
    });
  }
});

describe('suppress(untilTimeLimit)', () => {
  function limited(timeLimitMs: number, bufferConfig = {}) {
    const builder = new StreamsBuilder();
    const counts = builder.stream('in', { key: S, value: S }).groupByKey().count({ storeType: 'in-memory' });
    const suppressed = counts.suppress(Suppressed.untilTimeLimit(timeLimitMs, bufferConfig));
    suppressed.toStream().to('out', { key: S, value: L });
    // Totals over all keys: the subtractor must see the value emitted before, not an intermediate one.
    suppressed
      .groupBy((_k, v) => ['total', v], { key: S, value: L })
      .reduce(
        (a, b) => a + b,
        (a, b) => a - b,
        { name: 'total', storeType: 'in-memory', caching: false },
      )
      .toStream()
      .to('total', { key: S, value: L });
    driver = new TopologyTestDriver(builder.build());
    const d = driver;
    return {
      input: d.createInputTopic('in', S, S),
      output: d.createOutputTopic('out', S, L),
      total: d.createOutputTopic('total', S, L),
    };
  }

  it('emits the latest value of a key once the time limit passed since its first buffered update', async () => {
    const { input, output, total } = limited(10);
    await input.pipeInput('a', 'x', 0);
    await input.pipeInput('a', 'x', 5);
    await input.pipeInput('b', 'x', 6);
    expect(output.isEmpty()).toBe(true);
    await input.pipeInput('a', 'x', 10); // a's first buffered update was at 0: due at 10
    expect(output.readRecordsToList().map((r) => [r.key, r.value, r.timestamp])).toEqual([['a', 3, 10]]);
    await input.pipeInput('a', 'x', 11);
    await input.pipeInput('a', 'x', 12);
    await input.pipeInput('c', 'x', 21); // b (6) and a (11) are due
    expect(output.readKeyValuesToList()).toEqual([
      { key: 'b', value: 1 },
      { key: 'a', value: 5 },
    ]);
    // 3, then + b 1, then a: 5 replaces the 3 emitted before (not the intermediate 4).
    expect(total.readValuesToList()).toEqual([3, 4, 6]);
  });

  it('emits the oldest entries early when the buffer is full (emitEarly is the default)', async () => {
    const { input, output } = limited(1000, { maxRecords: 2 });
    await input.pipeInput('a', 'x', 1);
    await input.pipeInput('b', 'x', 2);
    expect(output.isEmpty()).toBe(true);
    await input.pipeInput('c', 'x', 3);
    expect(output.readKeyValuesToList()).toEqual([{ key: 'a', value: 1 }]);
    await input.pipeInput('b', 'x', 4); // replaces b in the buffer: still two entries
    expect(output.isEmpty()).toBe(true);
  });

  it('limits the buffer by bytes too', async () => {
    const { input, output } = limited(1000, { maxBytes: 60 });
    // An entry of these keys takes 46 bytes: a second one does not fit, the older one is emitted.
    for (const key of ['k1', 'k2', 'k3']) await input.pipeInput(key, 'x', 1);
    expect(output.readKeyValuesToList().map((r) => r.key)).toEqual(['k1', 'k2']);
  });
});
