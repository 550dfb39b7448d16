// Type-level tests of the stateful DSL: checked by the compiler (test/unit/project-checks.test.ts runs tsc over them).

import {
  type GlobalKTable,
  JoinWindows,
  type KGroupedTable,
  type KStream,
  type KTable,
  Serdes,
  type SessionWindowedKStream,
  SessionWindows,
  SlidingWindows,
  StreamsBuilder,
  Suppressed,
  type TimeWindowedKStream,
  TimeWindows,
  type Windowed,
} from 'tributary';
import { describe, expectTypeOf, it } from 'vitest';

interface Metric {
  name: string;
  value: number;
}

interface Host {
  region: string;
}

/** Statements that must fail to compile; never run. */
function compileOnly(_statements: () => void): void {}

function sources() {
  const b = new StreamsBuilder();
  const metrics = b.stream('metrics', { key: Serdes.string(), value: Serdes.json<Metric>() });
  const hosts = b.table('hosts', { key: Serdes.string(), value: Serdes.json<Host>() });
  const alerts = b.stream('alerts', { key: Serdes.string(), value: Serdes.string() });
  const regions = b.globalTable('regions', { key: Serdes.string(), value: Serdes.double() });
  return { b, metrics, hosts, alerts, regions };
}

describe('stateful DSL types', () => {
  it('windowedBy picks the windowed stream by window type; results are keyed by Windowed<K>', () => {
    const { metrics } = sources();
    const grouped = metrics.groupByKey();
    expectTypeOf(grouped.windowedBy(TimeWindows.ofSizeWithNoGrace(60_000))).toEqualTypeOf<
      TimeWindowedKStream<string, Metric>
    >();
    expectTypeOf(grouped.windowedBy(SlidingWindows.ofTimeDifferenceWithNoGrace(10))).toEqualTypeOf<
      TimeWindowedKStream<string, Metric>
    >();
    const sessions = grouped.windowedBy(SessionWindows.ofInactivityGapWithNoGrace(10));
    expectTypeOf(sessions).toEqualTypeOf<SessionWindowedKStream<string, Metric>>();
    const counts = grouped.windowedBy(TimeWindows.ofSizeAndGrace(60_000, 5_000).advanceBy(10_000)).count();
    expectTypeOf(counts).toEqualTypeOf<KTable<Windowed<string>, number>>();
    const max = grouped
      .windowedBy(TimeWindows.ofSizeWithNoGrace(10))
      .reduce((a, b) => (a.value > b.value ? a : b));
    expectTypeOf(max).toEqualTypeOf<KTable<Windowed<string>, Metric>>();
    const sums = sessions.aggregate(
      () => 0,
      (_k, m, agg) => agg + m.value,
      (_k, a, b) => a + b,
      { name: 'sums', value: Serdes.double() },
    );
    expectTypeOf(sums).toEqualTypeOf<KTable<Windowed<string>, number>>();
    sums.toStream().to('out', { key: Serdes.windowed(Serdes.string()), value: Serdes.double() });
    expectTypeOf(sums.toStream((wk) => wk.key)).toEqualTypeOf<KStream<string, number>>();
    compileOnly(() => {
      // @ts-expect-error: join windows do not window an aggregation
      grouped.windowedBy(JoinWindows.ofTimeDifferenceWithNoGrace(10));
      const add = (_k: string, m: Metric, agg: number) => agg + m.value;
      // @ts-expect-error: session aggregations need a merger
      sessions.aggregate(() => 0, add, { value: Serdes.double() });
      const windowed = grouped.windowedBy(TimeWindows.ofSizeWithNoGrace(10));
      // @ts-expect-error: the aggregate is a number, its serde writes strings
      windowed.aggregate(() => 0, add, { value: Serdes.string() });
      // @ts-expect-error: a windowed table's key is Windowed<string>, not string
      counts.toStream().to('out', { key: Serdes.string(), value: Serdes.long() });
    });
  });

  it('suppress(untilWindowCloses) is for windowed tables; untilTimeLimit for any table', () => {
    const { metrics } = sources();
    const counts = metrics.groupByKey().windowedBy(TimeWindows.ofSizeWithNoGrace(10)).count();
    expectTypeOf(counts.suppress(Suppressed.untilWindowCloses())).toEqualTypeOf<
      KTable<Windowed<string>, number>
    >();
    const plain = metrics.groupByKey().count();
    expectTypeOf(
      plain.suppress(Suppressed.untilTimeLimit(1000, { maxRecords: 100 }).withName('plain-suppress')),
    ).toEqualTypeOf<KTable<string, number>>();
    counts.suppress(
      Suppressed.untilWindowCloses({ maxBytes: 1 << 20, onFull: 'shutdown' }).withName('bounded'),
    );
    compileOnly(() => {
      // @ts-expect-error: only windows close
      plain.suppress(Suppressed.untilWindowCloses());
      // @ts-expect-error: final results cannot be emitted early
      counts.suppress(Suppressed.untilWindowCloses({ maxRecords: 10, onFull: 'emitEarly' }));
    });
  });

  it('stream joins: the argument picks the join, joiners see the right (nullable) types', () => {
    const { metrics, hosts, alerts, regions } = sources();
    const windows = JoinWindows.ofTimeDifferenceAndGrace(1000, 100);
    const ss = metrics.join(alerts, (m, a, k) => `${k}:${m.value}:${a.length}`, windows);
    expectTypeOf(ss).toEqualTypeOf<KStream<string, string>>();
    metrics.leftJoin(
      alerts,
      (m, a) => {
        expectTypeOf(a).toEqualTypeOf<string | null>();
        return m.value;
      },
      windows,
    );
    metrics.outerJoin(
      alerts,
      (m, a) => {
        expectTypeOf(m).toEqualTypeOf<Metric | null>();
        expectTypeOf(a).toEqualTypeOf<string | null>();
        return 1;
      },
      windows,
    );
    const st = metrics.join(hosts, (m, h) => ({ ...m, region: h.region }));
    expectTypeOf(st).toEqualTypeOf<KStream<string, { name: string; value: number; region: string }>>();
    metrics.leftJoin(hosts, (_m, h) => {
      expectTypeOf(h).toEqualTypeOf<Host | null>();
      return 0;
    });
    expectTypeOf(regions).toEqualTypeOf<GlobalKTable<string, number>>();
    const sg = metrics.join(
      regions,
      (_k, m) => m.name,
      (m, weight) => m.value * weight,
    );
    expectTypeOf(sg).toEqualTypeOf<KStream<string, number>>();
    metrics.join(alerts, (m) => m, windows, {
      name: 'j',
      key: Serdes.string(),
      value: Serdes.json<Metric>(),
      otherValue: Serdes.string(),
    });
    compileOnly(() => {
      const numbers = metrics.selectKey((_k, m) => m.value);
      // @ts-expect-error: the streams' key types differ
      numbers.join(alerts, (m) => m, windows);
      // @ts-expect-error: the table's key type differs
      numbers.join(hosts, (m) => m);
      const pickNumber = (_k: string, m: Metric) => m.value;
      const same = (m: Metric) => m;
      // @ts-expect-error: the global table is keyed by strings, the selector picks numbers
      metrics.join(regions, pickNumber, same);
      // @ts-expect-error: stream-stream joins need JoinWindows
      metrics.join(alerts, (m) => m);
      // @ts-expect-error: outer joins are between streams only
      metrics.outerJoin(hosts, (m) => m, windows);
      // @ts-expect-error: in an inner join the other value is never null, in a left join it may be
      metrics.leftJoin(hosts, (_m, h: Host) => h.region);
      // @ts-expect-error: otherValue's serde must match the other stream's values
      metrics.join(alerts, (m) => m, windows, { otherValue: Serdes.double() });
    });
  });

  it('table joins and re-grouping keep key and value types', () => {
    const { b, hosts } = sources();
    const owners = b.table('owners', { key: Serdes.string(), value: Serdes.string() });
    const joined = hosts.join(owners, (h, o, k) => `${k}:${h.region}:${o}`);
    expectTypeOf(joined).toEqualTypeOf<KTable<string, string>>();
    hosts.leftJoin(owners, (h, o) => {
      expectTypeOf(o).toEqualTypeOf<string | null>();
      return h.region;
    });
    hosts.outerJoin(owners, (h, o) => {
      expectTypeOf(h).toEqualTypeOf<Host | null>();
      expectTypeOf(o).toEqualTypeOf<string | null>();
      return 0;
    });
    const byRegion = hosts.groupBy((host, h) => [h.region, host], {
      key: Serdes.string(),
      value: Serdes.string(),
    });
    expectTypeOf(byRegion).toEqualTypeOf<KGroupedTable<string, string>>();
    expectTypeOf(byRegion.count()).toEqualTypeOf<KTable<string, number>>();
    const lists = byRegion.aggregate(
      () => [] as string[],
      (_r, host, list) => [...list, host],
      (_r, host, list) => list.filter((h) => h !== host),
      { name: 'lists', value: Serdes.json<string[]>() },
    );
    expectTypeOf(lists).toEqualTypeOf<KTable<string, string[]>>();
    compileOnly(() => {
      const numbers = b.table('n', { key: Serdes.long(), value: Serdes.string() });
      // @ts-expect-error: the tables' key types differ
      hosts.join(numbers, (h) => h);
      // @ts-expect-error: the grouping key serde must match the selected key
      hosts.groupBy((host, h) => [h.region, host], { key: Serdes.long(), value: Serdes.string() });
      const inc = (_r: string, _h: string, n: number) => n + 1;
      const wrong = (_r: string, _h: string, n: string) => n;
      // @ts-expect-error: the subtractor works on the aggregate type
      byRegion.aggregate(() => 0, inc, wrong, { value: Serdes.long() });
    });
  });
});
