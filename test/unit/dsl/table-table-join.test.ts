import { type KTable, Serdes, StreamsBuilder, TopologyTestDriver } from 'tributary';
import { afterEach, describe, expect, it } from 'vitest';

const S = Serdes.string();

let driver: TopologyTestDriver | undefined;
afterEach(async () => {
  await driver?.close();
  driver = undefined;
});

const show = (l: string | null, r: string | null) => `${l ?? 'null'}+${r ?? 'null'}`;

function setup(
  join: (left: KTable<string, string>, right: KTable<string, string>) => KTable<string, string>,
) {
  const builder = new StreamsBuilder();
  const left = builder.table('L', { key: S, value: S, name: 'left' });
  const right = builder.table('R', { key: S, value: S, name: 'right' });
  const joined = join(left, right);
  joined.toStream().to('out', { key: S, value: S });
  const topology = builder.build();
  driver = new TopologyTestDriver(topology);
  const d = driver;
  const l = d.createInputTopic('L', S, S);
  const r = d.createInputTopic('R', S, S);
  const out = d.createOutputTopic('out', S, S);
  return {
    topology,
    joined,
    left: (k: string, v: string | null, ts = 0) => l.pipeInput(k, v, ts),
    right: (k: string, v: string | null, ts = 0) => r.pipeInput(k, v, ts),
    read: () => out.readRecordsToList().map((rec) => [rec.key, rec.value, rec.timestamp]),
  };
}

describe('KTable-KTable join', () => {
  it('inner join: updates of either side update the row; a delete on either side deletes it', async () => {
    const j = setup((l, r) => l.join(r, (lv, rv) => show(lv, rv)));
    await j.left('a', '1', 1);
    expect(j.read()).toEqual([]);
    await j.right('a', 'x', 2);
    await j.left('a', '2', 3);
    await j.right('a', 'y', 1); // older timestamp: the row keeps the later one
    await j.right('a', null, 5);
    await j.left('a', null, 6); // no row left to delete
    expect(j.read()).toEqual([
      ['a', '1+x', 2],
      ['a', '2+x', 3],
      ['a', '2+y', 3],
      ['a', null, 5],
    ]);
  });

  it('left join: every left row, with null until the right side has one', async () => {
    const j = setup((l, r) => l.leftJoin(r, (lv, rv) => show(lv, rv)));
    await j.left('a', '1');
    await j.right('a', 'x');
    await j.right('a', null);
    await j.right('b', 'z'); // no left row: nothing
    await j.left('a', null);
    expect(j.read().map(([k, v]) => [k, v])).toEqual([
      ['a', '1+null'],
      ['a', '1+x'],
      ['a', '1+null'],
      ['a', null],
    ]);
  });

  it('outer join: rows of either side, null for the missing one', async () => {
    const j = setup((l, r) => l.outerJoin(r, (lv, rv) => show(lv, rv)));
    await j.left('a', '1');
    await j.right('b', 'z');
    await j.right('a', 'x');
    await j.left('a', null);
    await j.right('a', null);
    expect(j.read().map(([k, v]) => [k, v])).toEqual([
      ['a', '1+null'],
      ['b', 'null+z'],
      ['a', '1+x'],
      ['a', 'null+x'],
      ['a', null],
    ]);
  });

  it('is materialized when named, and co-partitions both tables', async () => {
    const j = setup((l, r) => l.join(r, (lv, rv) => show(lv, rv), { name: 'joined', value: S }));
    expect(j.joined.queryableStoreName).toBe('joined');
    expect(j.topology.subtopologies[0].copartitionGroups).toEqual([['L', 'R']]);
    await j.left('a', '1');
    await j.right('a', 'x');
    expect(await (driver as TopologyTestDriver).getKeyValueStore<string, string>('joined').get('a')).toBe(
      '1+x',
    );
    await j.right('a', null);
    expect(
      await (driver as TopologyTestDriver).getKeyValueStore<string, string>('joined').get('a'),
    ).toBeUndefined();
    expect(j.read().map(([k, v]) => [k, v])).toEqual([
      ['a', '1+x'],
      ['a', null],
    ]);
  });

  it('joins filtered tables and lets a stream look up a join result that is not materialized', async () => {
    const builder = new StreamsBuilder();
    const left = builder.table('L', { key: S, value: S, name: 'left' });
    const right = builder.table('R', { key: S, value: S, name: 'right' });
    const joined = left.filter((_k, v) => v !== 'skip').join(right, (lv, rv) => show(lv, rv));
    joined.toStream().to('out', { key: S, value: S });
    builder
      .stream('lookups', { key: S, value: S })
      .leftJoin(joined, (v, row) => `${v}=${row ?? 'none'}`)
      .to('looked-up', { key: S, value: S });
    driver = new TopologyTestDriver(builder.build());
    const l = driver.createInputTopic('L', S, S);
    const r = driver.createInputTopic('R', S, S);
    const lookups = driver.createInputTopic('lookups', S, S);
    await l.pipeInput('a', '1');
    await r.pipeInput('a', 'x');
    await l.pipeInput('b', 'skip');
    await r.pipeInput('b', 'y'); // b's left row is filtered out: no row
    await lookups.pipeInput('a', 'q');
    await lookups.pipeInput('b', 'q');
    await l.pipeInput('a', 'skip'); // the row disappears
    await lookups.pipeInput('a', 'q');
    expect(driver.createOutputTopic('out', S, S).readKeyValuesToList()).toEqual([
      { key: 'a', value: '1+x' },
      { key: 'a', value: null },
    ]);
    expect(driver.createOutputTopic('looked-up', S, S).readValuesToList()).toEqual([
      'q=1+x',
      'q=none',
      'q=none',
    ]);
  });
});
