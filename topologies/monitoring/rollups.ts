// Rollups: metrics.valid -> metrics.rollup.1m, and 1-minute rollups -> metrics.rollup.5m and .1h.
import {
  type KStream,
  type KTable,
  type Rollup,
  Serdes,
  StreamsBuilder,
  Suppressed,
  TimeWindows,
  type Topology,
  type Windowed,
} from '../../index.js';
import { checkDuration, type MonitoringTopologyConfig, sampleTime, topicsOf } from './config.js';
import {
  addSample,
  emptyRollupAggregate,
  mergeRollupAggregates,
  type RollupAggregate,
  rollupAggregateOf,
  rollupAggregateSerde,
  toRollup,
} from './lib/rollup/rollup-aggregate.js';
import { parseSeriesKey } from './lib/series/series-key.js';

/** Window sizes of the three rollup levels, named like their topics. */
export interface RollupWindows {
  readonly rollup1m: number;
  readonly rollup5m: number;
  readonly rollup1h: number;
}

export const DEFAULT_ROLLUP_WINDOWS: RollupWindows = {
  rollup1m: 60_000,
  rollup5m: 300_000,
  rollup1h: 3_600_000,
};

export interface RollupsConfig extends MonitoringTopologyConfig {
  /** Window sizes; the longer ones must be multiples of the 1-minute size (they are merged from it). */
  readonly windowsMs?: Partial<RollupWindows>;
  /** How late a sample may arrive (stream time past its window's end) and still count (default 10 s). */
  readonly graceMs?: number;
  /**
   * Grace of the merged levels for late 1-minute rollups (default 1 minute). 1-minute rollups of one partition come
   * in window order; grace covers producers whose partitions progress at different speeds.
   */
  readonly mergeGraceMs?: number;
}

/** Names of the rollup window stores; each has a suppression buffer `<name>-final-store`. */
export const ROLLUP_STORES = {
  rollup1m: 'rollups-1m',
  rollup5m: 'rollups-5m',
  rollup1h: 'rollups-1h',
} as const;

/**
 * Rollups. Samples of `valid` (keyed by series key) are aggregated per series in tumbling 1-minute windows with a
 * grace period; each window's aggregate is a DDSketch that keeps count, sum, min and max exactly and p50/p95/p99
 * within 1%. Suppression releases exactly one final Rollup per series and window once it closes. The 5-minute and
 * 1-hour rollups are merged from the 1-minute rollups' sketches (read back from `rollup1m`, placed at their window
 * start), which equals sketching the raw samples directly.
 */
export function rollupsTopology(config: RollupsConfig): Topology {
  const topics = topicsOf(config);
  const owner = 'rollupsTopology';
  const sizes: RollupWindows = { ...DEFAULT_ROLLUP_WINDOWS, ...config.windowsMs };
  const minute = checkDuration(owner, 'windowsMs.rollup1m', sizes.rollup1m, true);
  for (const level of ['rollup5m', 'rollup1h'] as const) {
    checkDuration(owner, `windowsMs.${level}`, sizes[level], true);
    if (sizes[level] % minute !== 0) {
      throw new RangeError(
        `${owner}: windowsMs.${level} (${sizes[level]}) must be a multiple of windowsMs.rollup1m (${minute}): it is merged from those windows`,
      );
    }
  }
  const graceMs = checkDuration(owner, 'graceMs', config.graceMs ?? 10_000);
  const mergeGraceMs = checkDuration(owner, 'mergeGraceMs', config.mergeGraceMs ?? 60_000);

  const S = Serdes.string();
  const { metric, rollup } = config.serdes;
  const storeType = config.storeType ?? 'rocksdb';
  const builder = new StreamsBuilder();
  const windowed = <V>(
    stream: KStream<string, V>,
    store: string,
    sizeMs: number,
    grace: number,
    add: (aggregate: RollupAggregate, value: V) => RollupAggregate,
  ) =>
    stream
      .groupByKey()
      .windowedBy(TimeWindows.ofSizeAndGrace(sizeMs, grace))
      .aggregate(emptyRollupAggregate, (_key, value, aggregate) => add(aggregate, value), {
        name: store,
        value: rollupAggregateSerde,
        storeType,
      });

  const emit = (table: KTable<Windowed<string>, RollupAggregate>, store: string, topic: string) =>
    table
      .suppress(Suppressed.untilWindowCloses({}, { name: `${store}-final`, storeType }))
      .toStream()
      .filter((_key, aggregate) => aggregate.count > 0) // only NaN samples: nothing to report
      .map((key, aggregate) => [key.key, toRollup(parseSeriesKey(key.key), key.window, aggregate)] as const)
      .to(topic, { key: S, value: rollup, name: `${store}-sink` });
  const samples = builder.stream(topics.valid, {
    key: S,
    value: metric,
    timestampExtractor: sampleTime,
    name: 'rollups-samples',
  });
  emit(
    windowed(samples, ROLLUP_STORES.rollup1m, minute, graceMs, (aggregate, sample) =>
      addSample(aggregate, sample.value),
    ),
    ROLLUP_STORES.rollup1m,
    topics.rollup1m,
  );

  // A 1-minute rollup stands for its whole window: place it at the window start.
  const minutes = builder.stream(topics.rollup1m, {
    key: S,
    value: rollup,
    timestampExtractor: (record) => (record.value === null ? record.timestamp : record.value.windowStart),
    name: 'rollups-1m-input',
  });
  const merge = (aggregate: RollupAggregate, minuteRollup: Rollup) =>
    mergeRollupAggregates(aggregate, rollupAggregateOf(minuteRollup));
  for (const level of ['rollup5m', 'rollup1h'] as const) {
    emit(
      windowed(minutes, ROLLUP_STORES[level], sizes[level], mergeGraceMs, merge),
      ROLLUP_STORES[level],
      topics[level],
    );
  }
  return builder.build();
}
