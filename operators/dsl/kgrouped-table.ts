// KGroupedTable: a table re-grouped by a new key, ready for aggregation with adder and subtractor (Kafka Streams'
// KGroupedTable). Updates reach the aggregation through a repartition topic carrying old and new values.
import { Serdes } from '../../schemas/serdes.js';
import { changeSerde } from '../processors/change-serde.js';
import {
  type TableAggregateLogic,
  TableAggregateProcessor,
  TableGroupByProcessor,
} from '../processors/table-aggregate.js';
import { nextAnchor, repartition, requireSerde, type StreamPosition } from './build-context.js';
import type { AggregateOptions } from './kgrouped-stream.js';
import { KTable } from './ktable.js';
import { timestampedKeyValueStore } from './materialize.js';
import type { Grouped, SerdeFor } from './options.js';

export class KGroupedTable<K, V> {
  /** @internal */
  private constructor(
    private readonly position: StreamPosition,
    private readonly grouped: Grouped<K, V> & { readonly key: SerdeFor<K>; readonly value: SerdeFor<V> },
  ) {}

  /** @internal KTable.groupBy(): the selector processor; the repartition comes with the aggregation's name. */
  static of<KT, VT, K, V>(
    table: KTable<KT, VT>,
    selector: (key: KT, value: VT) => readonly [K, V],
    grouped: Grouped<K, V> & { readonly key: SerdeFor<K>; readonly value: SerdeFor<V> },
  ): KGroupedTable<K, V> {
    const p = table.position;
    const name = p.ctx.names.derive(p.anchor, 'groupBy', grouped.name ? `${grouped.name}-select` : undefined);
    p.ctx.graph.addProcessor(
      { type: 'processor', name, supplier: () => new TableGroupByProcessor(selector as never), stores: [] },
      [p.node],
    );
    return new KGroupedTable<K, V>(
      {
        ctx: p.ctx,
        node: name,
        anchor: nextAnchor(p, grouped.name),
        keySerde: grouped.key,
        valueSerde: grouped.value,
        repartitionRequired: true,
      },
      grouped,
    );
  }

  /** Number of rows per group; a removed or re-grouped row decrements its old group. */
  count(options: AggregateOptions<K, number> = {}): KTable<K, number> {
    return this.aggregateWith(
      'count',
      {
        initial: () => 0,
        add: (_k, _v, n) => (n as number) + 1,
        subtract: (_k, _v, n) => (n as number) - 1,
      },
      { ...options, value: options.value ?? Serdes.long() },
    );
  }

  /** Combines the rows of each group: `adder` for new rows, `subtractor` for removed (or replaced) ones. */
  reduce(
    adder: (aggregate: V, value: V) => V,
    subtractor: (aggregate: V, value: V) => V,
    options: AggregateOptions<K, V> = {},
  ): KTable<K, V> {
    return this.aggregateWith(
      'reduce',
      {
        initial: undefined,
        add: (_k, v, agg) => adder(agg as V, v as V),
        subtract: (_k, v, agg) => subtractor(agg as V, v as V),
      },
      { ...options, value: options.value ?? this.grouped.value },
    );
  }

  /** Folds the rows of each group into an aggregate: `adder` for new rows, `subtractor` for removed ones. */
  aggregate<VA>(
    initializer: () => VA,
    adder: (key: K, value: V, aggregate: VA) => VA,
    subtractor: (key: K, value: V, aggregate: VA) => VA,
    options: AggregateOptions<K, VA> & { readonly value: SerdeFor<VA> },
  ): KTable<K, VA> {
    return this.aggregateWith(
      'aggregate',
      {
        initial: initializer,
        add: adder as TableAggregateLogic['add'],
        subtract: subtractor as TableAggregateLogic['subtract'],
      },
      options,
    );
  }

  private aggregateWith<VA>(
    kind: string,
    logic: TableAggregateLogic,
    options: AggregateOptions<K, VA>,
  ): KTable<K, VA> {
    const base = this.position;
    const { ctx } = base;
    const processorName = ctx.names.derive(base.anchor, kind, options.name, true);
    const storeName = options.name ?? `${processorName}-store`;
    // The repartition topic carries Changes (old and new row); named after Grouped's name, else the store.
    const topicName = ctx.names.topic(storeName, this.grouped.name);
    const p = repartition(base, {
      name: topicName,
      keySerde: this.grouped.key,
      valueSerde: changeSerde(this.grouped.value),
      operation: `groupBy(...).${kind}()`,
    });
    timestampedKeyValueStore(ctx, storeName, options, {
      key: p.keySerde,
      value: requireSerde(options.value, `groupBy(...).${kind}() (store '${storeName}')`, 'pass `value`'),
      operation: `groupBy(...).${kind}()`,
    });
    ctx.graph.addProcessor(
      {
        type: 'processor',
        name: processorName,
        supplier: () => new TableAggregateProcessor(storeName, logic),
        stores: [storeName],
      },
      [p.node],
    );
    return new KTable<K, VA>({
      ctx,
      node: processorName,
      anchor: nextAnchor(base, options.name),
      keySerde: options.key ?? this.grouped.key,
      valueSerde: options.value,
      repartitionRequired: false,
      storeName,
    });
  }
}
