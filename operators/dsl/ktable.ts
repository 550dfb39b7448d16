// KTable: a changelog stream seen as a table, the latest value per key (Kafka Streams' KTable).

import {
  TableFilterProcessor,
  TableMapValuesProcessor,
  TableToStreamProcessor,
} from '../processors/table-ops.js';
import { addProcessor, nextAnchor, type StreamPosition } from './build-context.js';
import { KStream } from './kstream.js';
import { timestampedKeyValueStore } from './materialize.js';
import type { Materialized, Named } from './options.js';

/** Where a table is and, when it is materialized, the store holding its current values. */
export interface TablePosition extends StreamPosition {
  /** The store with the table's current values (by key), when materialized. */
  readonly storeName: string | undefined;
}

export class KTable<K, V> {
  /** @internal */
  constructor(readonly position: TablePosition) {}

  /** The name of the store that holds this table's values (for interactive queries), if it is materialized. */
  get queryableStoreName(): string | undefined {
    return this.position.storeName;
  }

  private derived<V2>(
    kind: string,
    supplier: (storeName: string | undefined) => () => import('./build-context.js').AnyProcessor,
    options: (Named & Materialized<K, V2>) | undefined,
    keepValueSerde: boolean,
  ): KTable<K, V2> {
    const p = this.position;
    const materialize =
      options !== undefined && (options.name !== undefined || options.storeType !== undefined);
    const processorName = p.ctx.names.derive(p.anchor, kind, materialize ? undefined : options?.name);
    const storeName = materialize
      ? timestampedKeyValueStore(p.ctx, options?.name ?? `${processorName}-store`, options ?? {}, {
          key: p.keySerde,
          value: keepValueSerde ? p.valueSerde : undefined,
          operation: `KTable.${kind}()`,
        })
      : undefined;
    p.ctx.graph.addProcessor(
      {
        type: 'processor',
        name: processorName,
        supplier: supplier(storeName),
        stores: storeName ? [storeName] : [],
      },
      [p.node],
    );
    return new KTable<K, V2>({
      ...p,
      node: processorName,
      anchor: nextAnchor(p, options?.name),
      valueSerde: keepValueSerde ? p.valueSerde : options?.value,
      storeName,
    });
  }

  /** Keeps rows for which `predicate` holds; a row that stops matching is deleted downstream. */
  filter(predicate: (key: K, value: V) => boolean, options?: Named & Materialized<K, V>): KTable<K, V> {
    return this.derived(
      'filter',
      (store) => () => new TableFilterProcessor(predicate as never, true, store),
      options,
      true,
    );
  }

  filterNot(predicate: (key: K, value: V) => boolean, options?: Named & Materialized<K, V>): KTable<K, V> {
    return this.derived(
      'filterNot',
      (store) => () => new TableFilterProcessor(predicate as never, false, store),
      options,
      true,
    );
  }

  /** Maps each row's value. */
  mapValues<VR>(mapper: (value: V, key: K) => VR, options?: Named & Materialized<K, VR>): KTable<K, VR> {
    return this.derived(
      'mapValues',
      (store) => () => new TableMapValuesProcessor(mapper as never, store),
      options,
      false,
    );
  }

  /** The table's updates as a stream (deletes are records with a null value). */
  toStream(options?: Named): KStream<K, V>;
  /** The same with a new key per record (e.g. flattening a windowed key); key-based operations then repartition. */
  toStream<KR>(mapper: (key: K, value: V) => KR, options?: Named): KStream<KR, V>;
  toStream<KR>(
    mapperOrOptions?: ((key: K, value: V) => KR) | Named,
    maybeOptions?: Named,
  ): KStream<K | KR, V> {
    const mapper = typeof mapperOrOptions === 'function' ? mapperOrOptions : undefined;
    const options = typeof mapperOrOptions === 'function' ? maybeOptions : mapperOrOptions;
    const p = this.position;
    const node = addProcessor(p, 'toStream', () => new TableToStreamProcessor(mapper as never), {
      name: options?.name,
    });
    return new KStream({
      ctx: p.ctx,
      node,
      anchor: nextAnchor(p, options?.name),
      keySerde: mapper ? undefined : p.keySerde,
      valueSerde: p.valueSerde,
      repartitionRequired: p.repartitionRequired || mapper !== undefined,
    });
  }
}
