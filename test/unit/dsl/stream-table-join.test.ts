import {
  type KStream,
  type KTable,
  Serdes,
  StreamsBuilder,
  Suppressed,
  TimeWindows,
  TopologyBuildError,
  TopologyTestDriver,
  type Windowed,
} from 'tributary';
import { afterEach, describe, expect, it } from 'vitest';

const S = Serdes.string();

let driver: TopologyTestDriver | undefined;
afterEach(async () => {
  await driver?.close();
  driver = undefined;
});

const show = (v: string, t: string | null) => `${v}/${t ?? 'null'}`;

function setup(
  build: (stream: KStream<string, string>, table: KTable<string, string>) => KStream<string, string>,
) {
  const builder = new StreamsBuilder();
  const stream = builder.stream('in', { key: S, value: S });
  const table = builder.table('table', { key: S, value: S, name: 'tbl' });
  build(stream, table).to('out', { key: S, value: S });
  const topology = builder.build();
  driver = new TopologyTestDriver(topology);
  const d = driver;
  const input = d.createInputTopic('in', S, S);
  const tableInput = d.createInputTopic('table', S, S);
  const out = d.createOutputTopic('out', S, S);
  return {
    topology,
    stream: (k: string | null, v: string | null, ts = 0) => input.pipeInput(k, v, ts),
    table: (k: string, v: string | null, ts = 0) => tableInput.pipeInput(k, v, ts),
    read: () => out.readKeyValuesToList().map((r) => [r.key, r.value]),
    metrics: d.metrics,
  };
}

describe('KStream-KTable join', () => {
  it('joins each stream record with the current table value; table updates alone emit nothing', async () => {
    const j = setup((s, t) => s.join(t, (v, tv) => show(v, tv)));
    await j.stream('a', 'x', 1);
    await j.table('a', '1', 2);
    expect(j.read()).toEqual([]);
    await j.stream('a', 'y', 0); // older than the table row: tables are not versioned, the current row joins
    await j.table('a', '2', 3);
    await j.stream('a', 'z', 4);
    await j.table('a', null, 5); // deleted
    await j.stream('a', 'w', 6);
    expect(j.read()).toEqual([
      ['a', 'y/1'],
      ['a', 'z/2'],
    ]);
  });

  it('left join joins records without a table row (or key) with null; tombstones are dropped', async () => {
    const j = setup((s, t) => s.leftJoin(t, (v, tv) => show(v, tv)));
    await j.stream('a', 'x');
    await j.table('a', '1');
    await j.stream('a', 'y');
    await j.stream(null, 'nokey');
    await j.stream('a', null);
    expect(j.read()).toEqual([
      ['a', 'x/null'],
      ['a', 'y/1'],
      [null, 'nokey/null'],
    ]);
    expect(j.metrics.total('dropped-records-total', { reason: 'null-value' })).toBe(1);
  });

  it('inner join drops records without key, counting them', async () => {
    const j = setup((s, t) => s.join(t, (v, tv) => show(v, tv)));
    await j.stream(null, 'nokey');
    expect(j.metrics.total('dropped-records-total', { reason: 'null-key' })).toBe(1);
  });

  it('reads a table that is not materialized through its parent (filter, mapValues)', async () => {
    const j = setup((s, t) =>
      s.join(
        t.filter((_k, v) => v !== 'hidden').mapValues((v) => v.toUpperCase()),
        (v, tv) => show(v, tv),
      ),
    );
    await j.table('a', 'one');
    await j.table('b', 'hidden');
    await j.stream('a', 'x');
    await j.stream('b', 'y');
    expect(j.read()).toEqual([['a', 'x/ONE']]);
  });

  it('repartitions the stream after a key change and co-partitions it with the table', async () => {
    const j = setup((s, t) =>
      s.selectKey((_k, v) => v.split(':')[0]).join(t, (v, tv) => show(v, tv), { name: 'enrich' }),
    );
    const described = j.topology.describe();
    expect(described.internalTopics.filter((t) => t.type === 'repartition').map((t) => t.name)).toEqual([
      'enrich-repartition',
    ]);
    const joining = j.topology.subtopologies.find((st) => st.copartitionGroups.length > 0);
    expect(joining?.copartitionGroups).toEqual([['enrich-repartition', 'table']]);
    await j.table('a', '1');
    await j.stream('k', 'a:x');
    expect(j.read()).toEqual([['a', 'a:x/1']]);
  });

  it('joins a table aggregated behind a repartition topic, in one sub-topology with the stream', async () => {
    const builder = new StreamsBuilder();
    const views = builder
      .stream('views', { key: S, value: S })
      .groupBy((_k, page) => page, { key: S, name: 'by-page' })
      .count({ name: 'view-counts', storeType: 'in-memory' });
    builder
      .stream('clicks', { key: S, value: S })
      .join(views, (user, n) => `${user} after ${n} views`)
      .to('out', { key: S, value: S });
    const topology = builder.build();
    const joining = topology.subtopologies.find((st) => st.copartitionGroups.length > 0);
    expect(joining?.copartitionGroups).toEqual([['clicks', 'by-page-repartition']]);
    driver = new TopologyTestDriver(topology);
    const views$ = driver.createInputTopic('views', S, S);
    await views$.pipeInput('u1', 'home');
    await views$.pipeInput('u2', 'home');
    await driver.createInputTopic('clicks', S, S).pipeInput('home', 'u3');
    expect(driver.createOutputTopic('out', S, S).readKeyValuesToList()).toEqual([
      { key: 'home', value: 'u3 after 2 views' },
    ]);
  });

  it('refuses a table it cannot look values up in, saying how to fix it', () => {
    const builder = new StreamsBuilder();
    const stream = builder.stream('in', { key: S, value: S });
    const suppressed = stream
      .groupByKey()
      .windowedBy(TimeWindows.ofSizeWithNoGrace(10))
      .count()
      .suppress(Suppressed.untilWindowCloses());
    const rekeyed = stream.map((k, v): [Windowed<string>, string] => [
      { key: k, window: { start: 0, end: 10 } },
      v,
    ]);
    const attempt = () => rekeyed.join(suppressed, (v, n) => `${v}${n}`);
    expect(attempt).toThrow(TopologyBuildError);
    expect(attempt).toThrow(/has no store to look values up in; materialize it first/);
  });
});

describe('KStream-GlobalKTable join', () => {
  function globalSetup(left: boolean) {
    const builder = new StreamsBuilder();
    const global = builder.globalTable('countries', { key: S, value: S, name: 'countries-store' });
    const stream = builder.stream('users', { key: S, value: S });
    const country = (_k: string, v: string) =>
      v.includes('@') ? v.split('@')[1] : (null as unknown as string);
    const joined = left
      ? stream.leftJoin(global, country, (v, c) => show(v, c))
      : stream.join(global, country, (v, c) => show(v, c));
    joined.to('out', { key: S, value: S });
    const topology = builder.build();
    driver = new TopologyTestDriver(topology);
    const d = driver;
    return {
      topology,
      global: d.createInputTopic('countries', S, S),
      users: d.createInputTopic('users', S, S),
      read: () =>
        d
          .createOutputTopic('out', S, S)
          .readKeyValuesToList()
          .map((r) => [r.key, r.value]),
      metrics: d.metrics,
    };
  }

  it('looks up the row for the key the selector picks, without repartitioning', async () => {
    const j = globalSetup(false);
    const described = j.topology.describe();
    expect(described.globalStores.map((g) => [g.store, g.source.topics])).toEqual([
      ['countries-store', ['countries']],
    ]);
    expect(described.internalTopics.filter((t) => t.type === 'repartition')).toEqual([]);
    await j.global.pipeInput('fr', 'France');
    await j.users.pipeInput('u1', 'ann@fr');
    await j.users.pipeInput('u2', 'bob@de');
    await j.users.pipeInput('u3', 'nocountry');
    await j.global.pipeInput('de', 'Germany');
    await j.users.pipeInput('u2', 'bob@de');
    expect(j.read()).toEqual([
      ['u1', 'ann@fr/France'],
      ['u2', 'bob@de/Germany'],
    ]);
    expect(j.metrics.total('dropped-records-total', { reason: 'null-key' })).toBe(1);
    expect(
      await (driver as TopologyTestDriver).getKeyValueStore<string, string>('countries-store').get('de'),
    ).toBe('Germany');
  });

  it('left join joins unmatched records with null; deletes in the global table apply', async () => {
    const j = globalSetup(true);
    await j.global.pipeInput('fr', 'France');
    await j.users.pipeInput('u1', 'ann@fr');
    await j.global.pipeInput('fr', null);
    await j.users.pipeInput('u1', 'ann@fr');
    await j.users.pipeInput('u2', 'bob@xx');
    expect(j.read()).toEqual([
      ['u1', 'ann@fr/France'],
      ['u1', 'ann@fr/null'],
      ['u2', 'bob@xx/null'],
    ]);
  });
});
