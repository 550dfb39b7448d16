// Option objects of DSL operators: Kafka Streams' Named, Produced, Consumed, Grouped, Materialized, Repartitioned,
// Joined and StreamJoined, as object literals. Serdes are typed by the stream's key and value types; they never see
// null (a null key or value is passed through as null bytes), hence NonNullable.

import type { Serde } from '../../schemas/serde.js';
import type { TopicConfig } from '../../state/api/store-builder.js';
import type { StreamPartitioner, TimestampExtractor } from '../api/timestamp-extractor.js';

export type SerdeFor<T> = Serde<NonNullable<T>>;

/** Names the processor an operator creates; names of stores and internal topics derive from it. */
export interface Named {
  readonly name?: string;
}

export interface Consumed<K, V> extends Named {
  readonly key: SerdeFor<K>;
  readonly value: SerdeFor<V>;
  readonly timestampExtractor?: TimestampExtractor<K, V>;
}

export interface Produced<K, V> extends Named {
  readonly key?: SerdeFor<K>;
  readonly value?: SerdeFor<V>;
  readonly partitioner?: StreamPartitioner<K, V>;
}

export interface Grouped<K, V> extends Named {
  readonly key?: SerdeFor<K>;
  readonly value?: SerdeFor<V>;
}

export interface Repartitioned<K, V> extends Named {
  readonly key?: SerdeFor<K>;
  readonly value?: SerdeFor<V>;
  readonly numberOfPartitions?: number;
  readonly partitioner?: StreamPartitioner<K, V>;
}

export type StoreType = 'rocksdb' | 'in-memory';

/** How an operator's state store is built; its name is the store's (and changelog's) name. */
export interface Materialized<K, V> {
  readonly name?: string;
  readonly key?: SerdeFor<K>;
  readonly value?: SerdeFor<V>;
  /** Default: rocksdb. */
  readonly storeType?: StoreType;
  /** Record cache (dedups updates until commit). Default: true. */
  readonly caching?: boolean;
  /** Changelog topic; an object gives its topic configs. Default: true. */
  readonly logging?: boolean | TopicConfig;
  /**
   * Window and session stores: how long windows are kept for queries. Never shorter than the windows need to stay open
   * (window size + grace; sliding windows 2 * timeDifference + grace; sessions gap + grace), which is the default.
   */
  readonly retentionMs?: number;
}

/** Stream-table and stream-globalTable joins. */
export interface Joined<K, V, VO> extends Named {
  readonly key?: SerdeFor<K>;
  readonly value?: SerdeFor<V>;
  readonly otherValue?: SerdeFor<VO>;
}

/** Stream-stream joins: serdes and stores of the two join buffers. */
export interface StreamJoined<K, V, VO> extends Named {
  readonly key?: SerdeFor<K>;
  readonly value?: SerdeFor<V>;
  readonly otherValue?: SerdeFor<VO>;
  /** Base name of the two window stores (`<storeName>-this-join-store`, `<storeName>-other-join-store`). */
  readonly storeName?: string;
  readonly storeType?: StoreType;
  readonly logging?: boolean | TopicConfig;
}
