// KTable: a changelog stream seen as a table, the latest value per key (Kafka Streams' KTable).

import { TopologyBuildError } from '../graph/topology-builder.js';
import {
  TableFilterProcessor,
  TableMapValuesProcessor,
  TableToStreamProcessor,
} from '../processors/table-ops.js';
import {
  keyValueStoreGetter,
  transformedGetter,
  type ValueGetterSupplier,
} from '../processors/value-getter.js';
import { addProcessor, nextAnchor, type StreamPosition } from './build-context.js';
import { tableTableJoin } from './joins-table-table.js';
import { KGroupedTable } from './kgrouped-table.js';
import { KStream } from './kstream.js';
import { timestampedKeyValueStore } from './materialize.js';
import type { Grouped, Materialized, Named, SerdeFor } from './options.js';
import { type Suppressed, suppressTable } from './suppressed.js';

/** Where a table is and, when it is materialized, the store holding its current values. */
export interface TablePosition extends StreamPosition {
  /** The store with the table's current values (by key), when materialized. */
  readonly storeName: string | undefined;
  /**
   * How joins read the table's current value by key; when absent, from `storeName` (a timestamped key-value store).
   * Set by operators whose values live elsewhere (windowed stores) or nowhere (filter, mapValues, joins).
   */
  readonly valueGetter?: ValueGetterSupplier | undefined;
  /** Windowed tables: a window `[start, end]` is closed once stream time reaches `end + afterEndMs`. */
  readonly windowClose?: { readonly afterEndMs: number } | undefined;
}

/** How to read a table's values by key (for joins), or an error saying how to make it readable. */
export function tableValueGetter(position: TablePosition, operation: string): ValueGetterSupplier {
  if (position.valueGetter !== undefined) return position.valueGetter;
  if (position.storeName !== undefined) return keyValueStoreGetter(position.storeName);
  throw new TopologyBuildError(
    `${operation}: the table '${position.node}' has no store to look values up in; materialize it first (e.g. toStream().toTable({ name }))`,
  );
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
    /** The operator applied to one value (null: no row), for lookups when it is not materialized. */
    transform: (key: unknown, value: unknown) => unknown,
  ): KTable<K, V2> {
    const p = this.position;
    const materialize =
      options !== undefined && (options.name !== undefined || options.storeType !== undefined);
    const processorName = p.ctx.names.derive(
      p.anchor,
      kind,
      materialize ? undefined : options?.name,
      materialize && options?.name === undefined,
    );
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
      valueGetter: storeName
        ? keyValueStoreGetter(storeName)
        : this.hasValueGetter()
          ? transformedGetter(tableValueGetter(p, `KTable.${kind}()`), transform)
          : undefined,
    });
  }

  private hasValueGetter(): boolean {
    return this.position.valueGetter !== undefined || this.position.storeName !== undefined;
  }

  /** Keeps rows for which `predicate` holds; a row that stops matching is deleted downstream. */
  filter(predicate: (key: K, value: V) => boolean, options?: Named & Materialized<K, V>): KTable<K, V> {
    return this.derived(
      'filter',
      (store) => () => new TableFilterProcessor(predicate as never, true, store),
      options,
      true,
      (k, v) => (predicate(k as K, v as V) ? v : null),
    );
  }

  filterNot(predicate: (key: K, value: V) => boolean, options?: Named & Materialized<K, V>): KTable<K, V> {
    return this.derived(
      'filterNot',
      (store) => () => new TableFilterProcessor(predicate as never, false, store),
      options,
      true,
      (k, v) => (predicate(k as K, v as V) ? null : v),
    );
  }

  /** Maps each row's value. */
  mapValues<VR>(mapper: (value: V, key: K) => VR, options?: Named & Materialized<K, VR>): KTable<K, VR> {
    return this.derived(
      'mapValues',
      (store) => () => new TableMapValuesProcessor(mapper as never, store),
      options,
      false,
      (k, v) => mapper(v as V, k as K),
    );
  }

  // The mapper overload comes first so that a mapper's parameters are typed from it (a function also matches Named).
  /** The table's updates with a new key per record (e.g. flattening a windowed key); key-based operations then repartition. */
  toStream<KR>(mapper: (key: K, value: V) => KR, options?: Named): KStream<KR, V>;
  /** The table's updates as a stream (deletes are records with a null value). */
  toStream(options?: Named): KStream<K, V>;
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

  // ---- stateful DSL: suppression, table-table joins, re-grouping ----

  /**
   * Holds back updates: `Suppressed.untilWindowCloses()` emits one final result per window of a windowed table,
   * `Suppressed.untilTimeLimit(ms)` the latest update per key at most once per time limit.
   */
  suppress(suppressed: Suppressed<K>): KTable<K, V> {
    return suppressTable(this, suppressed);
  }

  /** Rows whose key exists in both tables; updates of either side update the result. */
  join<VO, VR>(
    other: KTable<K, VO>,
    joiner: (value: V, otherValue: VO, key: K) => VR,
    options?: Named & Materialized<K, VR>,
  ): KTable<K, VR> {
    return tableTableJoin('inner', this, other, joiner as never, options);
  }

  /** Every row of this table, joined with the other table's row for its key or null. */
  leftJoin<VO, VR>(
    other: KTable<K, VO>,
    joiner: (value: V, otherValue: VO | null, key: K) => VR,
    options?: Named & Materialized<K, VR>,
  ): KTable<K, VR> {
    return tableTableJoin('left', this, other, joiner as never, options);
  }

  /** Every key of either table, with null for the side that has no row. */
  outerJoin<VO, VR>(
    other: KTable<K, VO>,
    joiner: (value: V | null, otherValue: VO | null, key: K) => VR,
    options?: Named & Materialized<K, VR>,
  ): KTable<K, VR> {
    return tableTableJoin('outer', this, other, joiner as never, options);
  }

  /**
   * Re-groups the rows by a new key for aggregation (Kafka Streams' KTable.groupBy): always repartitions; an updated
   * row is subtracted from its old group and added to its new one.
   */
  groupBy<KR, VR>(
    selector: (key: K, value: V) => readonly [KR, VR],
    grouped: Grouped<KR, VR> & { readonly key: SerdeFor<KR>; readonly value: SerdeFor<VR> },
  ): KGroupedTable<KR, VR> {
    return KGroupedTable.of(this, selector, grouped);
  }
}
