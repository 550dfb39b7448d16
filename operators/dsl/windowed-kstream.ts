// TimeWindowedKStream: a grouped stream cut into time windows (tumbling, hopping or sliding), ready for aggregation
// (Kafka Streams' TimeWindowedKStream and SlidingWindowedKStream). Results are tables keyed by Windowed<K>.
import { Serdes } from '../../schemas/serdes.js';
import type { Windowed } from '../api/record.js';
import type { AggregateLogic } from '../processors/aggregate.js';
import { SlidingWindowAggregateProcessor } from '../processors/sliding-window-aggregate.js';
import { windowStoreGetter } from '../processors/value-getter.js';
import { TimeWindowAggregateProcessor } from '../processors/window-aggregate.js';
import type { AnyProcessor } from './build-context.js';
import type { AggregateOptions, KGroupedStream } from './kgrouped-stream.js';
import type { KTable } from './ktable.js';
import { timestampedWindowStore } from './materialize.js';
import type { SerdeFor } from './options.js';
import { reduceValueSerde, type Windowing, windowedAggregation } from './windowed-aggregation.js';
import { SlidingWindows, type TimeWindows } from './windows.js';

interface TimeWindowing extends Windowing {
  readonly processor: (storeName: string, logic: AggregateLogic) => AnyProcessor;
}

function windowStore(windowSizeMs: number, minRetentionMs: number): Windowing['addStore'] {
  return (ctx, storeName, options, serdes) =>
    timestampedWindowStore(ctx, storeName, options, { ...serdes, windowSizeMs, minRetentionMs });
}

function windowingOf(windows: TimeWindows | SlidingWindows): TimeWindowing {
  if (windows instanceof SlidingWindows) {
    const td = windows.timeDifferenceMs;
    const grace = windows.graceMs;
    return {
      kind: 'sliding-window',
      // Kafka Streams' 2 * timeDifference + grace, plus the two right-window starts past stream time.
      addStore: windowStore(td, 2 * td + grace + 2),
      // Sliding windows include their end: closed once stream time passes end + grace.
      afterEndMs: grace + 1,
      valueGetter: windowStoreGetter,
      processor: (storeName, logic) =>
        new SlidingWindowAggregateProcessor({ storeName, timeDifferenceMs: td, graceMs: grace }, logic),
    };
  }
  return {
    kind: 'window',
    addStore: windowStore(windows.sizeMs, windows.sizeMs + windows.graceMs),
    afterEndMs: windows.graceMs,
    valueGetter: windowStoreGetter,
    processor: (storeName, logic) =>
      new TimeWindowAggregateProcessor(
        {
          storeName,
          sizeMs: windows.sizeMs,
          advanceMs: windows.advanceMs,
          graceMs: windows.graceMs,
          windowStartsFor: (ts) => windows.windowStartsFor(ts),
        },
        logic,
      ),
  };
}

export class TimeWindowedKStream<K, V> {
  private readonly windowing: TimeWindowing;

  /** @internal Created by KGroupedStream.windowedBy(). */
  constructor(
    private readonly grouped: KGroupedStream<K, V>,
    windows: TimeWindows | SlidingWindows,
  ) {
    this.windowing = windowingOf(windows);
  }

  /** Number of records per key and window. */
  count(options: AggregateOptions<K, number> = {}): KTable<Windowed<K>, number> {
    return this.aggregateWith(
      'count',
      { initial: () => 0, add: (_k, _v, n) => (n as number) + 1 },
      { ...options, value: options.value ?? Serdes.long() },
    );
  }

  /** Combines the values of each key and window; the first value is the initial aggregate. */
  reduce(
    reducer: (aggregate: V, value: V) => V,
    options: AggregateOptions<K, V> = {},
  ): KTable<Windowed<K>, V> {
    return this.aggregateWith(
      'reduce',
      { initial: undefined, add: (_k, v, agg) => reducer(agg as V, v as V) },
      { ...options, value: reduceValueSerde(this.grouped, options) },
    );
  }

  /** Folds the values of each key and window into an aggregate (its serde is needed for the store). */
  aggregate<VA>(
    initializer: () => VA,
    aggregator: (key: K, value: V, aggregate: VA) => VA,
    options: AggregateOptions<K, VA> & { readonly value: SerdeFor<VA> },
  ): KTable<Windowed<K>, VA> {
    return this.aggregateWith(
      'aggregate',
      { initial: initializer, add: aggregator as AggregateLogic['add'] },
      options,
    );
  }

  private aggregateWith<VA>(
    kind: string,
    logic: AggregateLogic,
    options: AggregateOptions<K, VA>,
  ): KTable<Windowed<K>, VA> {
    return windowedAggregation(this.grouped, this.windowing, kind, options, (storeName) =>
      this.windowing.processor(storeName, logic),
    );
  }
}
