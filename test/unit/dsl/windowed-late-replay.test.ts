// A windowed aggregation recreated after an aborted transaction or a restart must judge lateness by the stream time
// it had reached: a replayed late record is dropped and counted again, never turned into a second result for a
// closed window, and a late record after a restart is counted, not lost silently in the store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SessionWindows,
  SlidingWindows,
  StreamsBuilder,
  TimeWindows,
  type Topology,
  TopologyTestDriver,
} from 'tributary';
import { describe, expect, it } from 'vitest';
import { taskHarness } from './support/task-harness.js';
import { L, S, WS } from './support/windowed.js';

type StoreType = 'in-memory' | 'rocksdb';
type Windows = TimeWindows | SlidingWindows | SessionWindows;

const windowKinds: Array<[string, () => Windows]> = [
  ['tumbling', () => TimeWindows.ofSizeWithNoGrace(10)],
  ['hopping', () => TimeWindows.ofSizeWithNoGrace(10).advanceBy(5)],
  ['sliding', () => SlidingWindows.ofTimeDifferenceWithNoGrace(10)],
  ['session', () => SessionWindows.ofInactivityGapWithNoGrace(5)],
];

function counts(windows: Windows, storeType: StoreType, caching: boolean): Topology {
  const builder = new StreamsBuilder();
  const grouped = builder.stream('in', { key: S, value: S }).groupByKey();
  const materialized = { name: 'counts', storeType, caching };
  const table =
    windows instanceof SessionWindows
      ? grouped.windowedBy(windows).count(materialized)
      : grouped.windowedBy(windows).count(materialized);
  table.toStream().to('out', { key: WS, value: L });
  return builder.build();
}

// 'a'@3 is late once 'a'@30 moved stream time past every window holding 3.
const input: Array<[key: string, ts: number]> = [
  ['a', 0],
  ['a', 20],
  ['a', 30],
  ['a', 3],
  ['a', 31],
];

describe.each(windowKinds)('%s windows', (_kind, windows) => {
  describe.each<[StoreType, boolean]>([
    ['in-memory', false],
    ['in-memory', true],
    ['rocksdb', false],
    ['rocksdb', true],
  ])('%s store, caching %s', (storeType, caching) => {
    const run = async (abortAfter: number | undefined) => {
      const h = await taskHarness(counts(windows(), storeType, caching), { in: { key: S, value: S } });
      try {
        for (const [i, [key, ts]] of input.entries()) {
          await h.pipe('in', key, 'x', ts);
          if (i === 2) await h.commit();
          if (i === abortAfter) await h.abortAndReplay();
        }
        await h.commit();
        return h.committed('out', WS, L);
      } finally {
        await h.close();
      }
    };

    it('a late record replayed after an abort changes nothing in the committed output', async () => {
      const expected = await run(undefined);
      expect(expected.length).toBeGreaterThan(0);
      for (const abortAfter of [3, 4]) expect(await run(abortAfter)).toEqual(expected);
    });
  });

  it('after a restart on the same state, a late record is dropped and counted', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'tributary-late-restart-'));
    try {
      const first = new TopologyTestDriver(counts(windows(), 'rocksdb', true), { stateDir });
      const in1 = first.createInputTopic('in', S, S);
      for (const [key, ts] of input.slice(0, 3)) await in1.pipeInput(key, 'x', ts);
      await first.close();

      const second = new TopologyTestDriver(counts(windows(), 'rocksdb', true), { stateDir });
      const in2 = second.createInputTopic('in', S, S);
      const out = second.createOutputTopic('out', WS, L);
      await in2.pipeInput('a', 'x', 3);
      expect(out.readKeyValuesToList()).toEqual([]);
      expect(second.metrics.total('dropped-records-total', { reason: 'late' })).toBe(1);
      await second.close();
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
