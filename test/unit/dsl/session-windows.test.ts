import { SessionWindows, StreamsBuilder, TopologyTestDriver } from 'tributary';
import { afterEach, describe, expect, it } from 'vitest';
import { L, S, WS, windowedRows } from './support/windowed.js';

let driver: TopologyTestDriver | undefined;
afterEach(async () => {
  await driver?.close();
  driver = undefined;
});

function sessionCount(windows: SessionWindows, caching = false) {
  const builder = new StreamsBuilder();
  builder
    .stream('in', { key: S, value: S })
    .groupByKey()
    .windowedBy(windows)
    .count({ name: 'sessions', storeType: 'in-memory', caching })
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

describe('session windows', () => {
  it('grow a session with records within the gap and merge sessions a record bridges', async () => {
    const { input, output } = sessionCount(SessionWindows.ofInactivityGapAndGrace(10, 100));
    await input.pipeInput('a', 'x', 0);
    await input.pipeInput('a', 'x', 5);
    await input.pipeInput('a', 'x', 30);
    await input.pipeInput('a', 'x', 20);
    expect(windowedRows(output.readRecordsToList())).toEqual([
      ['a', 0, 0, 1, 0],
      ['a', 0, 0, null, 0], // merged away
      ['a', 0, 5, 2, 5],
      ['a', 30, 30, 1, 30],
      ['a', 30, 30, null, 30],
      ['a', 20, 30, 2, 30],
    ]);
    await input.pipeInput('a', 'x', 12); // within the gap of both [0,5] and [20,30]: one session
    expect(windowedRows(output.readRecordsToList())).toEqual([
      ['a', 0, 5, null, 5],
      ['a', 20, 30, null, 30],
      ['a', 0, 30, 5, 30],
    ]);
    const store = (driver as TopologyTestDriver).getSessionStore<string, number>('sessions');
    expect(await store.fetch('a')).toEqual([{ key: { key: 'a', window: { start: 0, end: 30 } }, value: 5 }]);
  });

  it('merge records exactly one gap apart, keep records further apart in separate sessions', async () => {
    const { input, output } = sessionCount(SessionWindows.ofInactivityGapWithNoGrace(10));
    await input.pipeInput('a', 'x', 0);
    await input.pipeInput('a', 'x', 10);
    await input.pipeInput('a', 'x', 21);
    await input.pipeInput('b', 'x', 21);
    expect(windowedRows(output.readRecordsToList()).filter((r) => r[3] !== null)).toEqual([
      ['a', 0, 0, 1, 0],
      ['a', 0, 10, 2, 10],
      ['a', 21, 21, 1, 21],
      ['b', 21, 21, 1, 21],
    ]);
  });

  it('accept a record while its session end + gap + grace >= stream time, else drop it as late', async () => {
    const { input, output, late } = sessionCount(SessionWindows.ofInactivityGapAndGrace(10, 5));
    await input.pipeInput('a', 'x', 40); // close time: 40 - 10 - 5 = 25
    output.readRecordsToList();
    await input.pipeInput('b', 'x', 25); // session [25,25]: 25 + 15 = 40, still open
    await input.pipeInput('b', 'x', 24); // merges into [24,25]: the merged session is open
    await input.pipeInput('c', 'x', 24); // a session of its own, [24,24], closed
    expect(windowedRows(output.readRecordsToList())).toEqual([
      ['b', 25, 25, 1, 25],
      ['b', 25, 25, null, 25],
      ['b', 24, 25, 2, 25],
    ]);
    expect(late()).toBe(1);
  });

  it('aggregate with a merger and reduce (cached, RocksDB); a closed session is not merged into', async () => {
    const builder = new StreamsBuilder();
    const grouped = builder.stream('in', { key: S, value: S }).groupByKey();
    const windows = SessionWindows.ofInactivityGapWithNoGrace(10);
    grouped
      .windowedBy(windows)
      .aggregate(
        () => '',
        (_k, v, agg) => agg + v,
        (_k, a, b) => `${a}|${b}`,
        { name: 'concat', value: S },
      )
      .toStream()
      .to('concat', { key: WS, value: S });
    grouped
      .windowedBy(windows)
      .reduce((a, b) => (a.localeCompare(b) >= 0 ? a : b), { name: 'max' })
      .toStream()
      .to('max', { key: WS, value: S });
    driver = new TopologyTestDriver(builder.build());
    const input = driver.createInputTopic('in', S, S);
    await input.pipeInput('k', 'a', 0);
    await input.pipeInput('k', 'c', 20);
    await input.pipeInput('k', 'a2', 5);
    // Stream time 20 closed [0,5] (5 + 10 < 20): 'b' at 10 only merges with the open session [20,20].
    await input.pipeInput('k', 'b', 10);
    const concat = driver.createOutputTopic('concat', WS, S).readRecordsToList();
    expect(windowedRows(concat).filter((r) => r[3] !== null)).toEqual([
      ['k', 0, 0, 'a', 0],
      ['k', 20, 20, 'c', 20],
      ['k', 10, 20, '|cb', 20],
    ]);
    expect(driver.metrics.total('dropped-records-total', { reason: 'late' })).toBe(2); // 'a2', twice
    const max = driver.createOutputTopic('max', WS, S).readRecordsToList();
    expect(windowedRows(max).at(-1)).toEqual(['k', 10, 20, 'c', 20]);
    const store = driver.getSessionStore<string, string>('concat');
    expect(await store.fetchSession('k', 10, 20)).toBe('|cb');
    expect(await store.fetchSession('k', 0, 0)).toBeUndefined(); // expired
  });

  it('keep sessions for gap + grace (+1 ms), or longer when asked', () => {
    const builder = new StreamsBuilder();
    const grouped = builder.stream('in', { key: S, value: S }).groupByKey();
    grouped.windowedBy(SessionWindows.ofInactivityGapAndGrace(1000, 500)).count({ name: 'default' });
    grouped
      .windowedBy(SessionWindows.ofInactivityGapAndGrace(1000, 500))
      .count({ name: 'longer', retentionMs: 86_400_000 });
    const stores = builder.build().subtopologies.flatMap((st) => st.stores.map((s) => s.builder));
    expect(Object.fromEntries(stores.map((b) => [b.name, [b.kind, b.retentionMs]]))).toEqual({
      default: ['session', 1501],
      longer: ['session', 86_400_000],
    });
  });
});
