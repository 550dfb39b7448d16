import type { AnySerde } from '../../schemas/serde.js';
import type { StateStore } from './state-store.js';
import type { StoreContext, StoreRuntime } from './store-runtime.js';

export type StoreKind = 'key-value' | 'timestamped-key-value' | 'window' | 'timestamped-window' | 'session';

/** Topic-level configs of a changelog topic, e.g. `{ 'min.insync.replicas': '2' }`. */
export type TopicConfig = { readonly [name: string]: string };

/**
 * Describes a store so that each task can build its own instance (Kafka Streams' `StoreBuilder`). Obtained from
 * `Stores.keyValueStoreBuilder(...)` and friends, registered with `builder.addStateStore(...)` or created by DSL
 * operators from their `Materialized` options.
 */
export interface StoreBuilder<S extends StateStore> {
  readonly name: string;
  readonly kind: StoreKind;
  readonly persistent: boolean;
  readonly keySerde: AnySerde;
  readonly valueSerde: AnySerde;
  /** Window and session stores: how long windows are kept after their end (ms). */
  readonly retentionMs?: number;
  readonly windowSizeMs?: number;
  readonly loggingEnabled: boolean;
  readonly cachingEnabled: boolean;
  withCachingEnabled(): StoreBuilder<S>;
  withCachingDisabled(): StoreBuilder<S>;
  withLoggingEnabled(config?: TopicConfig): StoreBuilder<S>;
  withLoggingDisabled(): StoreBuilder<S>;
  /** Configs the runtime creates the changelog topic with (compacted; window stores also delete after retention). */
  changelogConfig(): TopicConfig;
  /** Builds one instance for one task. Internal: called by the runtime and the test driver. */
  build(context: StoreContext): S & StoreRuntime;
}
