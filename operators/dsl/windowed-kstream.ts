// TimeWindowedKStream: a grouped stream cut into time windows (tumbling, hopping or sliding), ready for aggregation
// (Kafka Streams' TimeWindowedKStream and SlidingWindowedKStream). Results are tables keyed by Windowed<K>.
import { Serdes } from '../../schemas/serdes.js';
import type { Windowed } from '../api/record.js';
import type { AggregateLogic } from '../processors/aggregate.js';
import { SlidingWindowAggregateProcessor } from '../processors/sliding-window-aggregate.js';
import { windowStoreGetter } from '../processors/value-getter.js';
import { TimeWindowAggregateProcessor } from '../processors/window-aggregate.js';
import { type AnyProcessor, nextAnchor } from './build-context.js';
import type { AggregateOptions, KGroupedStream } from './kgrouped-stream.js';
import { KTable } from './ktable.js';
import { timestampedWindowStore } from './materialize.js';
import type { SerdeFor } from './options.js';
import { SlidingWindows, type TimeWindows } from './windows.js';

/** What a windowing needs from a window store, and when its windows close. */
interface WindowShape {
  readonly kind: string;
  readonly windowSizeMs: number;
  /** The shortest retention that keeps every window until it closes. */
  readonly minRetentionMs: number;
  /** A window closes once stream time reaches end + afterEndMs. */
  readonly afterEndMs: number;
  readonly processor: (storeName: string, logic: AggregateLogic) => AnyProcessor;
}

function shapeOf(windows: TimeWindows | SlidingWindows): WindowShape {
  if (windows instanceof SlidingWindows) {
    const td = windows.timeDifferenceMs;
    const grace = windows.graceMs;
    return {
      kind: 'sliding-window',
      windowSizeMs: td,
      // Kafka Streams' 2 * timeDifference + grace, plus the two right-window starts past stream time.
      minRetentionMs: 2 * td + grace + 2,
      // Sliding windows include their end: closed once stream time passes end + grace.
      afterEndMs: grace + 1,
      processor: (storeName, logic) =>
        new SlidingWindowAggregateProcessor({ storeName, timeDifferenceMs: td, graceMs: grace }, logic),
    };
  }
  return {
    kind: 'window',
    windowSizeMs: windows.sizeMs,
    minRetentionMs: windows.sizeMs + windows.graceMs,
    afterEndMs: windows.graceMs,
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
  private readonly shape: WindowShape;

  /** @internal Created by KGroupedStream.windowedBy(). */
  constructor(
    private readonly grouped: KGroupedStream<K, V>,
    windows: TimeWindows | SlidingWindows,
  ) {
    this.shape = shapeOf(windows);
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
      {
        ...options,
        value:
          options.value ??
          (this.grouped.grouped.value as SerdeFor<V> | undefined) ??
          this.grouped.position.valueSerde,
      },
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
    const { shape } = this;
    const base = this.grouped.position;
    const operation = `windowedBy(...).${kind}()`;
    const processorName = base.ctx.names.derive(base.anchor, `${shape.kind}-${kind}`, options.name);
    const storeName = options.name ?? `${processorName}-store`;
    const p = this.grouped.partitioned(storeName, operation);
    timestampedWindowStore(p.ctx, storeName, options, {
      key: p.keySerde,
      value: options.value,
      operation,
      windowSizeMs: shape.windowSizeMs,
      minRetentionMs: shape.minRetentionMs,
    });
    p.ctx.graph.addProcessor(
      {
        type: 'processor',
        name: processorName,
        supplier: () => shape.processor(storeName, logic),
        stores: [storeName],
      },
      [p.node],
    );
    const innerKey = options.key ?? p.keySerde;
    return new KTable<Windowed<K>, VA>({
      ctx: p.ctx,
      node: processorName,
      anchor: nextAnchor(base, options.name),
      keySerde: innerKey ? Serdes.windowed(innerKey) : undefined,
      valueSerde: options.value,
      repartitionRequired: false,
      storeName,
      valueGetter: windowStoreGetter(storeName),
      windowClose: { afterEndMs: shape.afterEndMs },
    });
  }
}
