import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JoinWindows, type KStream, Serdes, StreamsBuilder, TopologyTestDriver } from 'tributary';
import { afterEach, describe, expect, it } from 'vitest';
import { taskHarness } from './support/task-harness.js';

const S = Serdes.string();

let driver: TopologyTestDriver | undefined;
afterEach(async () => {
  await driver?.close();
  driver = undefined;
});

type Kind = 'join' | 'leftJoin' | 'outerJoin';
const show = (l: string | null, r: string | null) => `${l ?? 'null'}+${r ?? 'null'}`;

function joinTopology(kind: Kind, windows: JoinWindows, storeType: 'in-memory' | 'rocksdb' = 'in-memory') {
  const builder = new StreamsBuilder();
  const left = builder.stream('left', { key: S, value: S });
  const right = builder.stream('right', { key: S, value: S });
  const options = { name: 'j', storeType };
  const joined: KStream<string, string> =
    kind === 'join'
      ? left.join(right, (l, r) => show(l, r), windows, options)
      : kind === 'leftJoin'
        ? left.leftJoin(right, (l, r) => show(l, r), windows, options)
        : left.outerJoin(right, (l, r) => show(l, r), windows, options);
  joined.to('out', { key: S, value: S });
  return builder.build();
}

function run(kind: Kind, windows: JoinWindows, storeType: 'in-memory' | 'rocksdb' = 'in-memory') {
  driver = new TopologyTestDriver(joinTopology(kind, windows, storeType));
  const d = driver;
  const left = d.createInputTopic('left', S, S);
  const right = d.createInputTopic('right', S, S);
  const out = d.createOutputTopic('out', S, S);
  return {
    left: (k: string | null, v: string | null, ts: number) => left.pipeInput(k, v, ts),
    right: (k: string | null, v: string | null, ts: number) => right.pipeInput(k, v, ts),
    read: () => out.readRecordsToList().map((r) => [r.key, r.value, r.timestamp]),
    metrics: d.metrics,
  };
}

describe('KStream-KStream join', () => {
  it('joins records of both sides within the window, in and out of order, stamped with the later time', async () => {
    const j = run('join', JoinWindows.ofTimeDifferenceWithNoGrace(10));
    await j.left('a', 'l1', 0);
    expect(j.read()).toEqual([]);
    await j.right('a', 'r1', 5);
    await j.right('a', 'r2', 11); // 11 apart: outside
    await j.left('a', 'l2', 20);
    await j.right('a', 'r3', 12); // out of order, within 10 of l2
    await j.right('b', 'r4', 20); // other key
    expect(j.read()).toEqual([
      ['a', 'l1+r1', 5],
      ['a', 'l2+r2', 20],
      ['a', 'l2+r3', 20],
    ]);
  });

  it('includes both window bounds and respects before/after', async () => {
    const j = run('join', JoinWindows.ofTimeDifferenceWithNoGrace(0).after(10));
    await j.left('a', 'l', 50);
    await j.right('a', 'early', 49); // before the left record: outside [50, 60]
    await j.right('a', 'bound', 60);
    await j.right('a', 'late', 61);
    expect(j.read()).toEqual([['a', 'l+bound', 60]]);
  });

  it('joins every duplicate, and drops tombstones and null keys, counting them', async () => {
    const j = run('join', JoinWindows.ofTimeDifferenceWithNoGrace(5));
    await j.left('a', 'l1', 1);
    await j.left('a', 'l2', 1);
    await j.right('a', null, 2);
    await j.right(null, 'r0', 2);
    await j.right('a', 'r1', 3);
    expect(j.read()).toEqual([
      ['a', 'l1+r1', 3],
      ['a', 'l2+r1', 3],
    ]);
    expect(j.metrics.total('dropped-records-total', { reason: 'null-value' })).toBe(1);
    expect(j.metrics.total('dropped-records-total', { reason: 'null-key' })).toBe(1);
  });

  it('cannot buffer a record older than the window + grace: counted, joins only what is there', async () => {
    const j = run('join', JoinWindows.ofTimeDifferenceAndGrace(5, 5));
    await j.left('z', 'l-now', 100);
    await j.left('a', 'l-old', 80); // 80 <= 100 - (10 + 5): expired for the left buffer
    await j.right('a', 'r', 81);
    expect(j.read()).toEqual([]);
    expect(j.metrics.total('expired-window-record-drop-total')).toBe(1);
  });

  it('names its processors and stores after the join and co-partitions both inputs', () => {
    const d = joinTopology('leftJoin', JoinWindows.ofTimeDifferenceWithNoGrace(10)).describe();
    expect(d.stores.map((s) => [s.name, s.kind, s.caching])).toEqual([
      ['j-this-join-store', 'window', false],
      ['j-other-join-store', 'window', false],
      ['j-left-shared-join-store', 'key-value', true],
    ]);
    expect(d.subtopologies[0].nodes.map((n) => n.name)).toEqual([
      'left-source',
      'right-source',
      'j-this-windowed',
      'j-other-windowed',
      'j-this-join',
      'j-outer-other-join',
      'j',
      'j-to-out',
    ]);
    const topology = joinTopology('join', JoinWindows.ofTimeDifferenceWithNoGrace(10));
    expect(topology.subtopologies[0].copartitionGroups).toEqual([['left', 'right']]);
  });

  it('repartitions a side whose key changed before joining', async () => {
    const builder = new StreamsBuilder();
    const left = builder.stream('left', { key: S, value: S }).selectKey((_k, v) => v.split(':')[0]);
    const right = builder.stream('right', { key: S, value: S });
    left
      .join(right, (l, r) => show(l, r), JoinWindows.ofTimeDifferenceWithNoGrace(10), {
        name: 'j',
        key: S,
        value: S,
      })
      .to('out', { key: S, value: S });
    const topology = builder.build();
    expect(
      topology
        .describe()
        .internalTopics.filter((t) => t.type === 'repartition')
        .map((t) => t.name),
    ).toEqual(['j-left-repartition']);
    driver = new TopologyTestDriver(topology);
    await driver.createInputTopic('left', S, S).pipeInput('x', 'a:1', 1);
    await driver.createInputTopic('right', S, S).pipeInput('a', 'r', 2);
    expect(driver.createOutputTopic('out', S, S).readKeyValuesToList()).toEqual([
      { key: 'a', value: 'a:1+r' },
    ]);
  });
});

describe('KStream-KStream left join', () => {
  it('emits a null result only after the window closed without a partner, never spuriously', async () => {
    const j = run('leftJoin', JoinWindows.ofTimeDifferenceWithNoGrace(10));
    await j.left('a', 'l1', 0);
    await j.right('a', 'r1', 5); // partner: l1 will never be emitted with null
    await j.left('b', 'l2', 1);
    expect(j.read()).toEqual([['a', 'l1+r1', 5]]);
    await j.left('c', 'l3', 11); // l2's window [1-10, 1+10] closes once stream time passes 11
    expect(j.read()).toEqual([]);
    await j.left('c', 'l4', 12);
    expect(j.read()).toEqual([['b', 'l2+null', 1]]);
    await j.right('c', 'r2', 5); // out of order: joins l3 (11) and l4 (12)
    await j.right('x', 'r3', 30); // right records without partner produce nothing in a left join
    await j.left('d', 'l5', 40);
    expect(j.read()).toEqual([
      ['c', 'l3+r2', 11],
      ['c', 'l4+r2', 12],
    ]);
    await j.left('d', 'l6', 51);
    expect(j.read()).toEqual([['d', 'l5+null', 40]]);
  });

  it('lets a record arriving within grace wait for a partner instead of emitting null at once', async () => {
    const j = run('leftJoin', JoinWindows.ofTimeDifferenceAndGrace(10, 5));
    await j.left('z', 'now', 22);
    await j.left('a', 'l', 10); // 10 + 10 < 22, but 10 + 10 + 5 >= 22: it may still get a partner
    await j.right('a', 'r', 19);
    expect(j.read()).toEqual([['a', 'l+r', 19]]);
    await j.left('a', 'too-late', 5); // 5 + 10 + 5 < 22: no partner can come any more
    expect(j.read()).toEqual([['a', 'too-late+null', 5]]);
    await j.left('y', 'later', 100);
    expect(j.read()).toEqual([['z', 'now+null', 22]]);
  });

  it('keeps a record without key (KIP-962) and drops tombstones', async () => {
    const j = run('leftJoin', JoinWindows.ofTimeDifferenceWithNoGrace(10));
    await j.left(null, 'nokey', 1);
    await j.left('a', null, 2);
    expect(j.read()).toEqual([[null, 'nokey+null', 1]]);
    expect(j.metrics.total('dropped-records-total', { reason: 'null-value' })).toBe(1);
  });

  it('keeps waiting records across a restart', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'left-join-restart-'));
    try {
      const windows = JoinWindows.ofTimeDifferenceWithNoGrace(10);
      const first = new TopologyTestDriver(joinTopology('leftJoin', windows, 'rocksdb'), { stateDir });
      await first.createInputTopic('left', S, S).pipeInput('a', 'waiting', 1);
      await first.createInputTopic('left', S, S).pipeInput('b', 'joined', 2);
      await first.close();
      driver = new TopologyTestDriver(joinTopology('leftJoin', windows, 'rocksdb'), { stateDir });
      await driver.createInputTopic('right', S, S).pipeInput('b', 'r', 3);
      await driver.createInputTopic('left', S, S).pipeInput('c', 'next', 30);
      expect(driver.createOutputTopic('out', S, S).readKeyValuesToList()).toEqual([
        { key: 'b', value: 'joined+r' },
        { key: 'a', value: 'waiting+null' },
      ]);
    } finally {
      await driver?.close();
      driver = undefined;
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});

describe('KStream-KStream outer join', () => {
  it('emits unmatched records of both sides after their windows close, in time order', async () => {
    const j = run('outerJoin', JoinWindows.ofTimeDifferenceWithNoGrace(10));
    await j.right('a', 'r1', 3);
    await j.left('b', 'l1', 3);
    await j.left('c', 'l2', 4);
    await j.right('c', 'r2', 6);
    expect(j.read()).toEqual([['c', 'l2+r2', 6]]);
    await j.left('z', 'l3', 14); // windows of 3 close once stream time passes 13
    expect(j.read()).toEqual([
      ['a', 'null+r1', 3],
      ['b', 'l1+null', 3],
    ]);
    await j.right('y', 'r3', 100);
    expect(j.read()).toEqual([['z', 'l3+null', 14]]);
  });

  it('emits the same results when a transaction aborts and its input is replayed', async () => {
    const windows = JoinWindows.ofTimeDifferenceAndGrace(10, 2);
    const input: Array<[string, string, string, number]> = [
      ['left', 'a', 'l1', 1],
      ['right', 'b', 'r1', 2],
      ['left', 'c', 'l2', 5],
      ['right', 'c', 'r2', 9],
      ['left', 'd', 'l3', 20], // closes a and b (1 + 10 + 2 < 20)
      ['right', 'a', 'r3', 12], // a's left record was emitted with null already: r3 waits on its own
      ['left', 'e', 'l4', 40],
    ];
    const collect = async (abortAfter: number | undefined) => {
      const h = await taskHarness(joinTopology('outerJoin', windows, 'rocksdb'), {
        left: { key: S, value: S },
        right: { key: S, value: S },
      });
      for (const [i, [topic, key, value, ts]] of input.entries()) {
        await h.pipe(topic, key, value, ts);
        if (i === 3) await h.commit();
        if (i === abortAfter) await h.abortAndReplay();
      }
      await h.commit();
      const out = h.committed('out', S, S);
      await h.close();
      return out;
    };
    const expected = await collect(undefined);
    expect(expected).toEqual([
      ['c', 'l2+r2', 9],
      ['a', 'l1+null', 1],
      ['b', 'null+r1', 2],
      ['a', 'null+r3', 12],
      ['d', 'l3+null', 20],
    ]);
    for (const abortAfter of [4, 5, 6]) expect(await collect(abortAfter)).toEqual(expected);
  });
});
