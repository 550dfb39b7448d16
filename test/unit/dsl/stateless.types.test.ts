// Type-level tests: checked by the compiler (test/unit/project-checks.test.ts runs tsc over them).

import { type KStream, type KTable, Serdes, StreamsBuilder } from 'tributary';
import { describe, expectTypeOf, it } from 'vitest';

interface Metric {
  name: string;
  value: number;
}

/** Statements that must fail to compile; never run (they would throw at build time). */
function compileOnly(_statements: () => void): void {}

describe('DSL types', () => {
  it('key and value types follow from the source serdes and flow through operators', () => {
    const b = new StreamsBuilder();
    const metrics = b.stream('metrics', { key: Serdes.string(), value: Serdes.json<Metric>() });
    expectTypeOf(metrics).toEqualTypeOf<KStream<string, Metric>>();
    const values = metrics.mapValues((m) => m.value);
    expectTypeOf(values).toEqualTypeOf<KStream<string, number>>();
    const rekeyed = metrics.map((k, m) => [m.name.length, `${k}:${m.value}`]);
    expectTypeOf(rekeyed).toEqualTypeOf<KStream<number, string>>();
    const flat = metrics.flatMapValues((m) => [m.name, m.name]);
    expectTypeOf(flat).toEqualTypeOf<KStream<string, string>>();
    const counts = metrics.groupByKey().count();
    expectTypeOf(counts).toEqualTypeOf<KTable<string, number>>();
    const grouped = metrics.groupBy((_k, m) => m.name, { key: Serdes.string() });
    expectTypeOf(grouped.reduce((a, c) => (a.value > c.value ? a : c))).toEqualTypeOf<
      KTable<string, Metric>
    >();
  });

  it('type-guard predicates narrow filter, filterNot and split branches', () => {
    type Event = { kind: 'metric'; value: number } | { kind: 'log'; line: string };
    const isMetric = (_k: string, e: Event): e is Extract<Event, { kind: 'metric' }> => e.kind === 'metric';
    const b = new StreamsBuilder();
    const events = b.stream('events', { key: Serdes.string(), value: Serdes.json<Event>() });
    expectTypeOf(events.filter(isMetric)).toEqualTypeOf<KStream<string, { kind: 'metric'; value: number }>>();
    expectTypeOf(events.filterNot(isMetric)).toEqualTypeOf<KStream<string, { kind: 'log'; line: string }>>();
    expectTypeOf(events.filter((k) => k.length > 0)).toEqualTypeOf<KStream<string, Event>>();
    // TypeScript infers a type predicate from a narrowing arrow function: no annotation needed.
    expectTypeOf(events.filter((_k, e) => e.kind === 'log')).toEqualTypeOf<
      KStream<string, { kind: 'log'; line: string }>
    >();
    const branches = events.split().branch(isMetric, { name: 'metrics' }).defaultBranch({ name: 'other' });
    expectTypeOf(branches.metrics).toEqualTypeOf<KStream<string, { kind: 'metric'; value: number }>>();
    expectTypeOf(branches.other).toEqualTypeOf<KStream<string, Event>>();
  });

  it('split branches are typed by their names', () => {
    const b = new StreamsBuilder();
    const branches = b
      .stream('in', { key: Serdes.string(), value: Serdes.double() })
      .split({ name: 'cpu-' })
      .branch((_k, v) => v > 90, { name: 'hot' })
      .defaultBranch({ name: 'normal' });
    expectTypeOf(branches['cpu-hot']).toEqualTypeOf<KStream<string, number>>();
    compileOnly(() => {
      // @ts-expect-error: no branch of that name
      branches['cpu-cold'].to('x');
    });
  });

  it('wrong value types and mismatched serdes do not compile', () => {
    const b = new StreamsBuilder();
    const s = b.stream('in', { key: Serdes.string(), value: Serdes.json<Metric>() });
    compileOnly(() => {
      // @ts-expect-error: a Metric is not a number
      s.filter((_k, v: number) => v > 1);
      // @ts-expect-error: the value serde writes numbers, the stream holds Metrics
      s.to('out', { key: Serdes.string(), value: Serdes.double() });
      // @ts-expect-error: the key serde must match the key type
      s.to('out', { key: Serdes.long(), value: Serdes.json<Metric>() });
      // @ts-expect-error: the serdes decide the stream types; string key and number key disagree
      b.stream<number, Metric>('in2', { key: Serdes.string(), value: Serdes.json<Metric>() });
      const sum = (_k: string, m: Metric, agg: number) => agg + m.value;
      // @ts-expect-error: aggregate needs a serde for its aggregate type
      s.groupByKey().aggregate(() => 0, sum, { name: 'sum' });
    });
    s.groupByKey().aggregate(
      () => 0,
      (_k, m, agg) => agg + m.value,
      { name: 'sum2', value: Serdes.double() },
    );
  });

  it('a nullable key type accepts the non-null serde', () => {
    const b = new StreamsBuilder();
    const s = b.stream<string | null, string>('in', { key: Serdes.string(), value: Serdes.string() });
    expectTypeOf(s).toEqualTypeOf<KStream<string | null, string>>();
  });
});
