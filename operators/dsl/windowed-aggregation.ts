// What windowed aggregations share (time, sliding and session windows): naming, repartitioning, the store, the
// processor and the resulting table keyed by Windowed<K>, which knows when its windows close (for suppress).
import type { AnySerde } from '../../schemas/serde.js';
import { Serdes } from '../../schemas/serdes.js';
import type { Windowed } from '../api/record.js';
import type { ValueGetterSupplier } from '../processors/value-getter.js';
import { type AnyProcessor, type BuildContext, nextAnchor } from './build-context.js';
import type { AggregateOptions, KGroupedStream } from './kgrouped-stream.js';
import { KTable } from './ktable.js';
import type { SerdeFor } from './options.js';

// biome-ignore lint/suspicious/noExplicitAny: type-erased materialization options.
type AnyOptions = AggregateOptions<any, any>;

/** One kind of windowing, as a windowed aggregation needs it. */
export interface Windowing {
  /** Part of derived processor names: `<anchor>-<kind>-count`. */
  readonly kind: string;
  /** A window `[start, end]` closes once stream time reaches `end + afterEndMs`. */
  readonly afterEndMs: number;
  addStore(
    ctx: BuildContext,
    storeName: string,
    options: AnyOptions,
    serdes: { key: AnySerde | undefined; value: AnySerde | undefined; operation: string },
  ): void;
  valueGetter(storeName: string): ValueGetterSupplier;
}

/** The value serde of a reduce: Materialized's, else the grouping's, else the stream's. */
export function reduceValueSerde<K, V>(
  grouped: KGroupedStream<K, V>,
  options: AggregateOptions<K, V>,
): SerdeFor<V> | undefined {
  return options.value ?? grouped.grouped.value ?? (grouped.position.valueSerde as SerdeFor<V> | undefined);
}

export function windowedAggregation<K, V, VA>(
  grouped: KGroupedStream<K, V>,
  windowing: Windowing,
  kind: string,
  options: AggregateOptions<K, VA>,
  processor: (storeName: string) => AnyProcessor,
): KTable<Windowed<K>, VA> {
  const base = grouped.position;
  const operation = `windowedBy(...).${kind}()`;
  const processorName = base.ctx.names.derive(base.anchor, `${windowing.kind}-${kind}`, options.name, true);
  const storeName = options.name ?? `${processorName}-store`;
  const p = grouped.partitioned(storeName, operation);
  windowing.addStore(p.ctx, storeName, options, { key: p.keySerde, value: options.value, operation });
  p.ctx.graph.addProcessor(
    { type: 'processor', name: processorName, supplier: () => processor(storeName), stores: [storeName] },
    [p.node],
  );
  const innerKey = options.key ?? p.keySerde;
  return new KTable<Windowed<K>, VA>({
    ctx: p.ctx,
    node: processorName,
    anchor: nextAnchor(base, options.name),
    keySerde: innerKey ? Serdes.windowed(innerKey) : undefined,
    valueSerde: options.value,
    repartitionRequired: false,
    storeName,
    valueGetter: windowing.valueGetter(storeName),
    windowClose: { afterEndMs: windowing.afterEndMs },
  });
}
