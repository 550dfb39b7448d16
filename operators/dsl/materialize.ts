// Turns a Materialized option into a store builder registered with the topology.
import type { AnySerde, Serde } from '../../schemas/serde.js';
import { Serdes } from '../../schemas/serdes.js';
import type { StateStore } from '../../state/api/state-store.js';
import type { StoreBuilder, TopicConfig } from '../../state/api/store-builder.js';
import { Stores } from '../../state/api/stores.js';
import { type BuildContext, requireSerde } from './build-context.js';
import type { Materialized, StoreType } from './options.js';

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
type StoreSerdes = { key: AnySerde | undefined; value: AnySerde | undefined; operation: string };

/** The key and value serdes of a materialized store: Materialized's, else those known from upstream. */
function storeSerdes(
  storeName: string,
  materialized: AnyMaterialized,
  serdes: StoreSerdes,
): { key: AnySerde; value: AnySerde } {
  const where = `${serdes.operation} (store '${storeName}')`;
  return {
    key: requireSerde(materialized.key ?? serdes.key, where, 'pass `key` in Materialized'),
    value: requireSerde(materialized.value ?? serdes.value, where, 'pass `value` in Materialized'),
  };
}

export function timestampedKeyValueStore(
  ctx: BuildContext,
  storeName: string,
  materialized: AnyMaterialized,
  serdes: StoreSerdes,
): string {
  const { key, value } = storeSerdes(storeName, materialized, serdes);
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

/**
 * A timestamped window store for a windowed aggregation. Retention is the larger of what the windows need to stay
 * open for their grace period (`minRetentionMs`) and Materialized's `retentionMs` (kept longer for queries).
 */
export function timestampedWindowStore(
  ctx: BuildContext,
  storeName: string,
  materialized: AnyMaterialized,
  serdes: StoreSerdes & { windowSizeMs: number; minRetentionMs: number },
): string {
  const { key, value } = storeSerdes(storeName, materialized, serdes);
  const options = {
    retentionMs: Math.max(serdes.minRetentionMs, materialized.retentionMs ?? 0),
    windowSizeMs: serdes.windowSizeMs,
  };
  const supplier =
    materialized.storeType === 'in-memory'
      ? Stores.inMemoryWindowStore(storeName, options)
      : Stores.persistentTimestampedWindowStore(storeName, options);
  const builder = applyMaterializedFlags(
    Stores.timestampedWindowStoreBuilder(supplier, key, value),
    materialized,
  );
  ctx.graph.addStateStore(builder as StoreBuilder<StateStore>);
  return storeName;
}

/** A session store for a session aggregation; retention as for window stores. */
export function sessionStore(
  ctx: BuildContext,
  storeName: string,
  materialized: AnyMaterialized,
  serdes: StoreSerdes & { minRetentionMs: number },
): string {
  const { key, value } = storeSerdes(storeName, materialized, serdes);
  const options = { retentionMs: Math.max(serdes.minRetentionMs, materialized.retentionMs ?? 0) };
  const supplier =
    materialized.storeType === 'in-memory'
      ? Stores.inMemorySessionStore(storeName, options)
      : Stores.persistentSessionStore(storeName, options);
  const builder = applyMaterializedFlags(Stores.sessionStoreBuilder(supplier, key, value), materialized);
  ctx.graph.addStateStore(builder as StoreBuilder<StateStore>);
  return storeName;
}

/** Storage options of internal buffers (join windows, suppression and outer-join buffers). */
export interface BufferStorage {
  readonly storeType?: StoreType;
  readonly logging?: boolean | TopicConfig;
}

function applyLogging<S extends StateStore>(
  builder: StoreBuilder<S>,
  logging: BufferStorage['logging'],
): StoreBuilder<S> {
  if (logging === false) return builder.withLoggingDisabled();
  return builder.withLoggingEnabled(typeof logging === 'object' ? logging : undefined);
}

/** One side's buffer of a stream-stream join: a window store keeping every record (duplicates), never cached. */
export function joinWindowStore(
  ctx: BuildContext,
  storeName: string,
  storage: BufferStorage,
  spec: { key: AnySerde; value: AnySerde; retentionMs: number; windowSizeMs: number },
): string {
  const options = { retentionMs: spec.retentionMs, windowSizeMs: spec.windowSizeMs, retainDuplicates: true };
  const supplier =
    storage.storeType === 'in-memory'
      ? Stores.inMemoryWindowStore(storeName, options)
      : Stores.persistentWindowStore(storeName, options);
  const builder = applyLogging(Stores.windowStoreBuilder(supplier, spec.key, spec.value), storage.logging);
  ctx.graph.addStateStore(builder as StoreBuilder<StateStore>);
  return storeName;
}

/**
 * A time-ordered buffer's store (operators/processors/time-ordered-buffer.ts): bytes in, bytes out, cached so that a
 * key rewritten within a commit reaches the changelog once. Its serdes pass bytes through but prepare the serdes the
 * buffer encodes with (schema-registry serdes) for its changelog topic.
 */
export function bufferStore(
  ctx: BuildContext,
  storeName: string,
  storage: BufferStorage,
  encodes: { keys: readonly AnySerde[]; values: readonly AnySerde[] },
): string {
  const supplier =
    storage.storeType === 'in-memory'
      ? Stores.inMemoryKeyValueStore(storeName)
      : Stores.persistentKeyValueStore(storeName);
  const builder = applyLogging(
    Stores.keyValueStoreBuilder(
      supplier,
      preparingBytes('buffer-key', encodes.keys),
      preparingBytes('buffer-value', encodes.values),
    ),
    storage.logging,
  ).withCachingEnabled();
  ctx.graph.addStateStore(builder as StoreBuilder<StateStore>);
  return storeName;
}

function preparingBytes(name: string, serdes: readonly AnySerde[]): Serde<Buffer> {
  const bytes = Serdes.bytes();
  const preparing = serdes.filter((s) => s.prepare !== undefined);
  if (preparing.length === 0) return bytes;
  return {
    ...bytes,
    name,
    prepare: async (target) => {
      for (const s of preparing) await s.prepare?.(target);
    },
  };
}
