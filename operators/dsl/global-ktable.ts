// GlobalKTable: a table replicated in full to every task (Kafka Streams' GlobalKTable), fed from all partitions of its
// topic by a global store. Streams join it by a key they select, without repartitioning.
import type { StateStore } from '../../state/api/state-store.js';
import type { StoreBuilder } from '../../state/api/store-builder.js';
import { Stores } from '../../state/api/stores.js';
import { TableSourceProcessor } from '../processors/table-source.js';
import type { BuildContext } from './build-context.js';
import { applyMaterializedFlags } from './materialize.js';
import { sanitize } from './naming.js';
import type { Consumed, Materialized } from './options.js';

export class GlobalKTable<K, V> {
  /** @internal Phantom: keeps key and value types apart (GlobalKTable<string, X> is not a GlobalKTable<number, X>). */
  declare readonly types?: (key: K, value: V) => [K, V];

  /** @internal Created by StreamsBuilder.globalTable(). */
  constructor(/** @internal */ readonly storeName: string) {}

  /** The name of the global store holding the table (queryable, readable by processors of every task). */
  get queryableStoreName(): string {
    return this.storeName;
  }
}

/** StreamsBuilder.globalTable(): a global store fed by a source of `topic`, materialized as a timestamped table. */
export function globalTable<K, V>(
  ctx: BuildContext,
  topic: string,
  consumed: Consumed<K, V> & Materialized<K, V>,
): GlobalKTable<K, V> {
  const anchor = consumed.name ?? sanitize(topic);
  const storeName = consumed.name ?? `${anchor}-global-store`;
  const sourceName = ctx.names.derive(anchor, 'global-source');
  const processorName = ctx.names.derive(anchor, 'global-table');
  const supplier =
    consumed.storeType === 'in-memory'
      ? Stores.inMemoryKeyValueStore(storeName)
      : Stores.persistentTimestampedKeyValueStore(storeName);
  // The topic is the global store's changelog: it is restored from there, never logged elsewhere (as in Kafka Streams).
  const builder = applyMaterializedFlags(
    Stores.timestampedKeyValueStoreBuilder(supplier, consumed.key, consumed.value),
    consumed,
  ).withLoggingDisabled();
  ctx.graph.addGlobalStore(
    builder as StoreBuilder<StateStore>,
    {
      type: 'source',
      name: sourceName,
      topics: [topic],
      internal: false,
      keySerde: consumed.key,
      valueSerde: consumed.value,
      ...(consumed.timestampExtractor ? { timestampExtractor: consumed.timestampExtractor as never } : {}),
    },
    {
      type: 'processor',
      name: processorName,
      supplier: () => new TableSourceProcessor(storeName),
      stores: [storeName],
    },
  );
  return new GlobalKTable<K, V>(storeName);
}
