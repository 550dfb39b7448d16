// KGroupedStream: a stream grouped by key, ready for aggregation (Kafka Streams' KGroupedStream).
import { Serdes } from '../../schemas/serdes.js';
import { type AggregateLogic, StreamAggregateProcessor } from '../processors/aggregate.js';
import { nextAnchor, repartition, type StreamPosition } from './build-context.js';
import { KTable } from './ktable.js';
import { timestampedKeyValueStore } from './materialize.js';
import type { Grouped, Materialized, Named, SerdeFor } from './options.js';
import { TimeWindowedKStream } from './windowed-kstream.js';
import { SessionWindowedKStream } from './windowed-session-kstream.js';
import { SessionWindows, type SlidingWindows, type TimeWindows } from './windows.js';

export type AggregateOptions<K, VA> = Named & Materialized<K, VA>;

export class KGroupedStream<K, V> {
  /** @internal */
  constructor(
    readonly position: StreamPosition,
    readonly grouped: Grouped<K, V>,
  ) {}

  /**
   * @internal The stream as the aggregation sees it: repartitioned by key first when a key change happened upstream.
   * The repartition topic is named after the Grouped name, else the aggregation's store (as in Kafka Streams).
   */
  partitioned(storeName: string, operation: string): StreamPosition {
    const p = this.position;
    const keySerde = this.grouped.key ?? p.keySerde;
    const valueSerde = this.grouped.value ?? p.valueSerde;
    if (!p.repartitionRequired) return { ...p, keySerde, valueSerde };
    const name = p.ctx.names.topic(storeName, this.grouped.name);
    return repartition(p, { name, keySerde, valueSerde, operation });
  }

  /** Number of records per key. */
  count(options: AggregateOptions<K, number> = {}): KTable<K, number> {
    return this.aggregateWith(
      'count',
      { initial: () => 0, add: (_k, _v, n) => (n as number) + 1 },
      { ...options, value: options.value ?? Serdes.long() },
    );
  }

  /** Combines the values of each key; the first value is the initial aggregate. */
  reduce(reducer: (aggregate: V, value: V) => V, options: AggregateOptions<K, V> = {}): KTable<K, V> {
    return this.aggregateWith(
      'reduce',
      { initial: undefined, add: (_k, v, agg) => reducer(agg as V, v as V) },
      {
        ...options,
        value: options.value ?? (this.grouped.value as SerdeFor<V> | undefined) ?? this.position.valueSerde,
      },
    );
  }

  /** Folds the values of each key into an aggregate of another type (its serde is needed for the store). */
  aggregate<VA>(
    initializer: () => VA,
    aggregator: (key: K, value: V, aggregate: VA) => VA,
    options: AggregateOptions<K, VA> & { readonly value: SerdeFor<VA> },
  ): KTable<K, VA> {
    return this.aggregateWith(
      'aggregate',
      { initial: initializer, add: aggregator as AggregateLogic['add'] },
      options,
    );
  }

  /**
   * Cuts the groups into windows for windowed aggregations: tumbling or hopping `TimeWindows`, `SlidingWindows`, or
   * `SessionWindows` of activity. The results are tables keyed by `Windowed<K>`.
   */
  windowedBy(windows: SessionWindows): SessionWindowedKStream<K, V>;
  windowedBy(windows: TimeWindows | SlidingWindows): TimeWindowedKStream<K, V>;
  windowedBy(
    windows: TimeWindows | SlidingWindows | SessionWindows,
  ): TimeWindowedKStream<K, V> | SessionWindowedKStream<K, V> {
    return windows instanceof SessionWindows
      ? new SessionWindowedKStream<K, V>(this, windows)
      : new TimeWindowedKStream<K, V>(this, windows);
  }

  private aggregateWith<VA>(
    kind: string,
    logic: AggregateLogic,
    options: AggregateOptions<K, VA>,
  ): KTable<K, VA> {
    const base = this.position;
    // Materialized's name names the store (queryable under it) and the processor; derived names are stable.
    const processorName = base.ctx.names.derive(base.anchor, kind, options.name, true);
    const p = this.partitioned(options.name ?? `${processorName}-store`, `${kind}()`);
    const storeName = timestampedKeyValueStore(p.ctx, options.name ?? `${processorName}-store`, options, {
      key: p.keySerde,
      value: options.value,
      operation: `${kind}()`,
    });
    p.ctx.graph.addProcessor(
      {
        type: 'processor',
        name: processorName,
        supplier: () => new StreamAggregateProcessor(storeName, logic),
        stores: [storeName],
      },
      [p.node],
    );
    return new KTable<K, VA>({
      ctx: p.ctx,
      node: processorName,
      anchor: nextAnchor(base, options.name),
      keySerde: options.key ?? p.keySerde,
      valueSerde: options.value,
      repartitionRequired: false,
      storeName,
    });
  }
}
