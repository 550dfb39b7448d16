// Proof topology (differential, crash, scale): three outputs from one input of metric-like records, covering the
// state the runtime must keep exactly once: a windowed aggregation with suppression (window store + suppression
// buffer, both changelogged; final results only), a running count per key (key-value store, every update emitted:
// a duplicate or a gap shows as a repeated or missing number), and a count per group behind a repartition topic.
// Run by the worker child process through `tributary run` and in-process by the TopologyTestDriver.
import { Serdes, StreamsBuilder, Suppressed, TimeWindows, type Topology } from 'tributary';

export interface AggregatesConfig {
  readonly input: string;
  readonly windowedOut: string;
  readonly countsOut: string;
  readonly groupsOut: string;
  /** Tumbling window size (no grace); input timestamps must not decrease within a partition. */
  readonly windowMs: number;
  /** A processing delay per record (busy wait, ms), to make a worker slow enough to kill mid-run. */
  readonly slowMs?: number;
}

export interface Reading {
  readonly n: number;
  readonly group: string;
  readonly amount: number;
}

interface Sum {
  count: number;
  sum: number;
}

const S = Serdes.string();

export default function aggregates(config: Record<string, unknown>): Topology {
  const c = config as unknown as AggregatesConfig;
  const builder = new StreamsBuilder();
  const readings = builder.stream<string, Reading>(c.input, { key: S, value: Serdes.json<Reading>() });
  const input =
    c.slowMs && c.slowMs > 0
      ? readings.peek(() => {
          const until = performance.now() + (c.slowMs as number);
          while (performance.now() < until);
        })
      : readings;

  input
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeWithNoGrace(c.windowMs))
    .aggregate<Sum>(
      () => ({ count: 0, sum: 0 }),
      (_key, r, agg) => ({ count: agg.count + 1, sum: agg.sum + r.amount }),
      { name: 'window-sums', value: Serdes.json<Sum>() },
    )
    .suppress(Suppressed.untilWindowCloses({}, { name: 'window-sums-final' }))
    .toStream()
    .mapValues((s) => `${s.count}/${s.sum}`)
    .to(c.windowedOut, { key: Serdes.windowed(S), value: S });

  input
    .groupByKey()
    .count({ name: 'key-counts', caching: false })
    .toStream()
    .to(c.countsOut, { key: S, value: Serdes.long() });

  input
    .groupBy((_key, r) => r.group, { key: S, name: 'by-group' })
    .count({ name: 'group-counts', caching: false })
    .toStream()
    .to(c.groupsOut, { key: S, value: Serdes.long() });

  return builder.build();
}
