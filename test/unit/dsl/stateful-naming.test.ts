import {
  JoinWindows,
  Serdes,
  SessionWindows,
  StreamsBuilder,
  Suppressed,
  TimeWindows,
  type Topology,
} from 'tributary';
import { describe, expect, it } from 'vitest';

const S = Serdes.string();
const L = Serdes.long();
const WS = Serdes.windowed(S);

/** The stateful operators of a monitoring-like topology, none of them named by the user. */
function addOperators(b: StreamsBuilder): void {
  const metrics = b.stream('metrics', { key: S, value: S });
  const hosts = b.table('hosts', { key: S, value: S });
  const counts = metrics.groupByKey().windowedBy(TimeWindows.ofSizeWithNoGrace(60_000)).count();
  counts.suppress(Suppressed.untilWindowCloses()).toStream().to('final', { key: WS, value: L });
  metrics.groupByKey().windowedBy(SessionWindows.ofInactivityGapWithNoGrace(1000)).count();
  metrics
    .leftJoin(
      b.stream('events', { key: S, value: S }),
      (m, e) => `${m}${e}`,
      JoinWindows.ofTimeDifferenceWithNoGrace(10),
    )
    .to('joined', { key: S, value: S });
  metrics.join(hosts, (m, h) => `${m}${h}`).to('enriched', { key: S, value: S });
  hosts.groupBy((_h, region) => [region, 1], { key: S, value: L }).count();
}

function names(topology: Topology): string[] {
  const d = topology.describe();
  return [
    ...d.stores.map((s) => `store ${s.name}`),
    ...d.internalTopics.map((t) => `topic ${t.name}`),
  ].sort();
}

describe('names of stateful operators', () => {
  it('derive from the nearest user-given name: stable when operators are added elsewhere', () => {
    const plain = new StreamsBuilder();
    addOperators(plain);
    const extended = new StreamsBuilder();
    const other = extended.stream('extra', { key: S, value: S });
    other.groupByKey().windowedBy(TimeWindows.ofSizeWithNoGrace(1000)).count();
    other
      .join(other, (a, b) => a + b, JoinWindows.ofTimeDifferenceWithNoGrace(5))
      .groupByKey()
      .windowedBy(SessionWindows.ofInactivityGapWithNoGrace(5))
      .count();
    addOperators(extended);
    const before = names(plain.build());
    const after = names(extended.build());
    expect(after.filter((n) => !n.includes('extra'))).toEqual(before);
    expect(before).toEqual([
      'store hosts-count-store',
      'store hosts-table-store',
      'store metrics-leftJoin-left-shared-join-store',
      'store metrics-leftJoin-other-join-store',
      'store metrics-leftJoin-this-join-store',
      'store metrics-session-count-store',
      'store metrics-suppress-store',
      'store metrics-window-count-store',
      'topic hosts-count-store-changelog',
      'topic hosts-count-store-repartition',
      'topic hosts-table-store-changelog',
      'topic metrics-leftJoin-left-shared-join-store-changelog',
      'topic metrics-leftJoin-other-join-store-changelog',
      'topic metrics-leftJoin-this-join-store-changelog',
      'topic metrics-session-count-store-changelog',
      'topic metrics-suppress-store-changelog',
      'topic metrics-window-count-store-changelog',
    ]);
  });

  it('never name state by declaration order: a second unnamed operator of a kind under one name must be named', () => {
    // Were the second count named metrics-count-2-store, declaring another count before the first one later would
    // hand the first one's store (and changelog) to the newcomer and start the first one from empty state.
    const b = new StreamsBuilder();
    const metrics = b.stream('metrics', { key: S, value: S });
    metrics.groupByKey().count();
    expect(() =>
      metrics
        .mapValues((v) => v.length)
        .groupByKey()
        .count(),
    ).toThrow(/second unnamed count after 'metrics'.*Give it a name/);
    metrics
      .mapValues((v) => v.length)
      .groupByKey()
      .count({ name: 'lengths' });

    const named = b
      .build()
      .describe()
      .stores.map((s) => s.name);
    expect(named.sort()).toEqual(['lengths', 'metrics-count-store']);
  });

  it('unnamed stateless operators of one kind may repeat (their names hold no state)', () => {
    const b = new StreamsBuilder();
    const metrics = b.stream('metrics', { key: S, value: S });
    metrics.filter((_k, v) => v.length > 0).to('a', { key: S, value: S });
    metrics.filter((_k, v) => v.length === 0).to('b', { key: S, value: S });
    expect(b.build().describe().stores).toEqual([]);
  });

  it('an unnamed repartition topic is never suffixed either', () => {
    const b = new StreamsBuilder();
    const metrics = b.stream('metrics', { key: S, value: S });
    metrics.repartition();
    expect(() => metrics.repartition()).toThrow(/second unnamed repartition topic 'metrics'/);
  });
});
