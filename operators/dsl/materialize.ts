// Turns a Materialized option into a store builder registered with the topology.
import type { AnySerde } from '../../schemas/serde.js';
import type { StateStore } from '../../state/api/state-store.js';
import type { StoreBuilder } from '../../state/api/store-builder.js';
import { Stores } from '../../state/api/stores.js';
import { type BuildContext, requireSerde } from './build-context.js';
import type { Materialized } from './options.js';

// biome-ignore lint/suspicious/noExplicitAny: type-erased materialization options.
type AnyMaterialized = Materialized<any, any>;

/** Caching and logging as the Materialized option says (both on by default, as in Kafka Streams). */
export function applyMaterializedFlags<S extends StateStore>(
  builder: StoreBuilder<S>,
  materialized: AnyMaterialized,
): StoreBuilder<S> {
  let b = materialized.caching === false ? builder.withCachingDisabled() : builder.withCachingEnabled();
  if (materialized.logging === false) b = b.withLoggingDisabled();
  else if (typeof materialized.logging === 'object') b = b.withLoggingEnabled(materialized.logging);
  else b = b.withLoggingEnabled();
  return b;
}

/** A timestamped key-value store for a table or aggregation, added to the topology; returns its name. */
export function timestampedKeyValueStore(
  ctx: BuildContext,
  storeName: string,
  materialized: AnyMaterialized,
  serdes: { key: AnySerde | undefined; value: AnySerde | undefined; operation: string },
): string {
  const key = requireSerde(
    materialized.key ?? serdes.key,
    `${serdes.operation} (store '${storeName}')`,
    'pass `key` in Materialized',
  );
  const value = requireSerde(
    materialized.value ?? serdes.value,
    `${serdes.operation} (store '${storeName}')`,
    'pass `value` in Materialized',
  );
  const supplier =
    materialized.storeType === 'in-memory'
      ? Stores.inMemoryKeyValueStore(storeName)
      : Stores.persistentTimestampedKeyValueStore(storeName);
  const builder = applyMaterializedFlags(
    Stores.timestampedKeyValueStoreBuilder(supplier, key, value),
    materialized,
  );
  ctx.graph.addStateStore(builder as StoreBuilder<StateStore>);
  return storeName;
}
