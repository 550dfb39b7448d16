// SessionWindowedKStream: a grouped stream cut into sessions of activity, ready for aggregation (Kafka Streams'
// SessionWindowedKStream). Results are tables keyed by Windowed<K> whose window is the session [first, last record].
import { Serdes } from '../../schemas/serdes.js';
import type { Windowed } from '../api/record.js';
import type { AggregateLogic } from '../processors/aggregate.js';
import {
  type SessionMerger,
  SessionWindowAggregateProcessor,
} from '../processors/session-window-aggregate.js';
import { sessionStoreGetter } from '../processors/value-getter.js';
import type { AggregateOptions, KGroupedStream } from './kgrouped-stream.js';
import type { KTable } from './ktable.js';
import { sessionStore } from './materialize.js';
import type { SerdeFor } from './options.js';
import { reduceValueSerde, type Windowing, windowedAggregation } from './windowed-aggregation.js';
import type { SessionWindows } from './windows.js';

export class SessionWindowedKStream<K, V> {
  private readonly windowing: Windowing;

  /** @internal Created by KGroupedStream.windowedBy(). */
  constructor(
    private readonly grouped: KGroupedStream<K, V>,
    private readonly windows: SessionWindows,
  ) {
    // A session is accepted until stream time passes end + gap + grace: kept that long (one more ms than that).
    const afterEndMs = windows.inactivityGapMs + windows.graceMs + 1;
    this.windowing = {
      kind: 'session',
      afterEndMs,
      addStore: (ctx, storeName, options, serdes) =>
        sessionStore(ctx, storeName, options, { ...serdes, minRetentionMs: afterEndMs }),
      valueGetter: sessionStoreGetter,
    };
  }

  /** Number of records per key and session. */
  count(options: AggregateOptions<K, number> = {}): KTable<Windowed<K>, number> {
    return this.aggregateWith(
      'count',
      { initial: () => 0, add: (_k, _v, n) => (n as number) + 1 },
      (_k, a, b) => (a as number) + (b as number),
      { ...options, value: options.value ?? Serdes.long() },
    );
  }

  /** Combines the values of each session; merging sessions combine their aggregates with the same reducer. */
  reduce(
    reducer: (aggregate: V, value: V) => V,
    options: AggregateOptions<K, V> = {},
  ): KTable<Windowed<K>, V> {
    return this.aggregateWith(
      'reduce',
      { initial: undefined, add: (_k, v, agg) => reducer(agg as V, v as V) },
      (_k, a, b) => reducer(a as V, b as V),
      { ...options, value: reduceValueSerde(this.grouped, options) },
    );
  }

  /** Folds each session's values into an aggregate; `merger` combines the aggregates of sessions that merge. */
  aggregate<VA>(
    initializer: () => VA,
    aggregator: (key: K, value: V, aggregate: VA) => VA,
    merger: (key: K, aggregate1: VA, aggregate2: VA) => VA,
    options: AggregateOptions<K, VA> & { readonly value: SerdeFor<VA> },
  ): KTable<Windowed<K>, VA> {
    return this.aggregateWith(
      'aggregate',
      { initial: initializer, add: aggregator as AggregateLogic['add'] },
      merger as SessionMerger,
      options,
    );
  }

  private aggregateWith<VA>(
    kind: string,
    logic: AggregateLogic,
    merger: SessionMerger,
    options: AggregateOptions<K, VA>,
  ): KTable<Windowed<K>, VA> {
    const { inactivityGapMs, graceMs } = this.windows;
    return windowedAggregation(
      this.grouped,
      this.windowing,
      kind,
      options,
      (storeName) =>
        new SessionWindowAggregateProcessor({ storeName, inactivityGapMs, graceMs }, logic, merger),
    );
  }
}
