// KStream: an unbounded stream of records (Kafka Streams' KStream), typed by key and value.
import type { ProcessorSupplier } from '../api/processor.js';
import type { TopicNameExtractor } from '../api/timestamp-extractor.js';
import { supplierFn } from '../graph/nodes.js';
import {
  BranchProcessor,
  FilterProcessor,
  FlatMapProcessor,
  FlatMapValuesProcessor,
  ForeachProcessor,
  MapProcessor,
  MapValuesProcessor,
  PassThroughProcessor,
  PeekProcessor,
  SelectKeyProcessor,
} from '../processors/stateless.js';
import {
  type AnyProcessor,
  addProcessor,
  nextAnchor,
  passThroughNode,
  repartition,
  requireSerde,
  type StreamPosition,
} from './build-context.js';
import type { GlobalKTable } from './global-ktable.js';
import { joinStream } from './joins.js';
import { KGroupedStream } from './kgrouped-stream.js';
import type { KTable } from './ktable.js';
import type {
  Grouped,
  Joined,
  Materialized,
  Named,
  Produced,
  Repartitioned,
  SerdeFor,
  StreamJoined,
} from './options.js';
import { streamToTable } from './table-from-stream.js';
import type { JoinWindows } from './windows.js';

export class KStream<K, V> {
  /** @internal */
  constructor(readonly position: StreamPosition) {}

  private next<K2, V2>(
    node: string,
    options: Named | undefined,
    changes: {
      keySerde?: unknown;
      valueSerde?: unknown;
      keyChanged?: boolean;
      dropValueSerde?: boolean;
      dropKeySerde?: boolean;
    },
  ): KStream<K2, V2> {
    const p = this.position;
    return new KStream<K2, V2>({
      ctx: p.ctx,
      node,
      anchor: nextAnchor(p, options?.name),
      keySerde: changes.dropKeySerde ? undefined : p.keySerde,
      valueSerde: changes.dropValueSerde ? undefined : p.valueSerde,
      repartitionRequired: p.repartitionRequired || changes.keyChanged === true,
    });
  }

  private add(kind: string, supplier: () => AnyProcessor, options?: Named): string {
    return addProcessor(this.position, kind, supplier, { name: options?.name });
  }

  /** Keeps the records for which `predicate` holds; a type-guard predicate narrows the value type. */
  filter<V2 extends V>(predicate: (key: K, value: V) => value is V2, options?: Named): KStream<K, V2>;
  filter(predicate: (key: K, value: V) => boolean, options?: Named): KStream<K, V>;
  filter(predicate: (key: K, value: V) => boolean, options?: Named): KStream<K, V> {
    const node = this.add('filter', () => new FilterProcessor(predicate as never, true), options);
    return this.next(node, options, {});
  }

  /** Drops the records for which `predicate` holds; a type-guard predicate narrows to the other values. */
  filterNot<V2 extends V>(
    predicate: (key: K, value: V) => value is V2,
    options?: Named,
  ): KStream<K, Exclude<V, V2>>;
  filterNot(predicate: (key: K, value: V) => boolean, options?: Named): KStream<K, V>;
  filterNot<V2 extends V>(
    predicate: (key: K, value: V) => boolean,
    options?: Named,
  ): KStream<K, V> | KStream<K, Exclude<V, V2>> {
    const node = this.add('filterNot', () => new FilterProcessor(predicate as never, false), options);
    return this.next(node, options, {});
  }

  /** A new key and value per record; key-based operations downstream repartition first. */
  map<KR, VR>(mapper: (key: K, value: V) => readonly [KR, VR], options?: Named): KStream<KR, VR> {
    const node = this.add('map', () => new MapProcessor(mapper as never), options);
    return this.next(node, options, { keyChanged: true, dropKeySerde: true, dropValueSerde: true });
  }

  /** A new value per record; the key (and partitioning) stays. */
  mapValues<VR>(mapper: (value: V, key: K) => VR, options?: Named): KStream<K, VR> {
    const node = this.add('mapValues', () => new MapValuesProcessor(mapper as never), options);
    return this.next(node, options, { dropValueSerde: true });
  }

  /** Zero or more records per record; key-based operations downstream repartition first. */
  flatMap<KR, VR>(
    mapper: (key: K, value: V) => Iterable<readonly [KR, VR]>,
    options?: Named,
  ): KStream<KR, VR> {
    const node = this.add('flatMap', () => new FlatMapProcessor(mapper as never), options);
    return this.next(node, options, { keyChanged: true, dropKeySerde: true, dropValueSerde: true });
  }

  /** Zero or more values per record, keeping the key. */
  flatMapValues<VR>(mapper: (value: V, key: K) => Iterable<VR>, options?: Named): KStream<K, VR> {
    const node = this.add('flatMapValues', () => new FlatMapValuesProcessor(mapper as never), options);
    return this.next(node, options, { dropValueSerde: true });
  }

  /** A new key per record; key-based operations downstream repartition first. */
  selectKey<KR>(selector: (key: K, value: V) => KR, options?: Named): KStream<KR, V> {
    const node = this.add('selectKey', () => new SelectKeyProcessor(selector as never), options);
    return this.next(node, options, { keyChanged: true, dropKeySerde: true });
  }

  /** Runs `action` for each record and passes it on unchanged. */
  peek(action: (key: K, value: V) => void, options?: Named): KStream<K, V> {
    const node = this.add('peek', () => new PeekProcessor(action as never), options);
    return this.next(node, options, {});
  }

  /** Runs `action` for each record (terminal). */
  foreach(action: (key: K, value: V) => void, options?: Named): void {
    this.add('foreach', () => new ForeachProcessor(action as never), options);
  }

  /**
   * Splits the stream by predicates: `split().branch(p1, { name: 'a' }).branch(p2).defaultBranch()` returns the
   * branches by name; `split({ name: 'route-' })` prefixes those names, as in Kafka Streams.
   */
  split<P extends string = ''>(options: { readonly name?: P } = {}): BranchedKStream<K, V, P> {
    return new BranchedKStream<K, V, P>(this, options.name);
  }

  /** Records of both streams, in the order they arrive. */
  merge(other: KStream<K, V>, options?: Named): KStream<K, V> {
    const a = this.position;
    const b = other.position;
    const node = passThroughNode([a, b], 'merge', options?.name);
    return new KStream<K, V>({
      ctx: a.ctx,
      node,
      anchor: nextAnchor(a, options?.name),
      keySerde: a.keySerde ?? b.keySerde,
      valueSerde: a.valueSerde ?? b.valueSerde,
      repartitionRequired: a.repartitionRequired || b.repartitionRequired,
    });
  }

  /** Writes the stream through an internal topic so that it is partitioned by its current key. */
  repartition(options: Repartitioned<K, V> = {}): KStream<K, V> {
    const p = this.position;
    const name = p.ctx.names.topic(p.anchor, options.name);
    const position = repartition(p, {
      name,
      keySerde: options.key ?? p.keySerde,
      valueSerde: options.value ?? p.valueSerde,
      numberOfPartitions: options.numberOfPartitions,
      partitioner: options.partitioner,
      operation: 'repartition()',
    });
    return new KStream<K, V>(position);
  }

  /** Writes the stream to a topic (or a topic chosen per record). */
  to(topic: string | TopicNameExtractor<K, V>, produced: Produced<K, V> = {}): void {
    const p = this.position;
    const target = typeof topic === 'string' ? topic : 'dynamic';
    const keySerde = requireSerde(produced.key ?? p.keySerde, `to('${target}')`, 'pass `key` in its options');
    const valueSerde = requireSerde(
      produced.value ?? p.valueSerde,
      `to('${target}')`,
      'pass `value` in its options',
    );
    const name = p.ctx.names.derive(p.anchor, `to-${target}`, produced.name);
    p.ctx.graph.addSink(
      {
        type: 'sink',
        name,
        topic: topic as string | TopicNameExtractor<unknown, unknown>,
        internal: false,
        keySerde,
        valueSerde,
        ...(produced.partitioner ? { partitioner: produced.partitioner as never } : {}),
      },
      [p.node],
    );
  }

  /** The latest value per key, as a table (null values delete). */
  toTable(options: Named & Materialized<K, V> = {}): KTable<K, V> {
    return streamToTable(this, options);
  }

  /** Runs a Processor API processor on each record; it may forward records of other types and use stores. */
  process<KR = never, VR = never>(
    supplier: ProcessorSupplier<K, V, KR, VR>,
    options: Named & { readonly stores?: readonly string[] } = {},
  ): KStream<KR, VR> {
    const node = addProcessor(this.position, 'process', supplierFn(supplier) as () => AnyProcessor, {
      name: options.name,
      stores: options.stores,
    });
    // A processor may change keys: key-based operations downstream repartition first (as in Kafka Streams).
    return this.next(node, options, { keyChanged: true, dropKeySerde: true, dropValueSerde: true });
  }

  /** Groups by the current key, for aggregations; repartitions first if the key changed upstream. */
  groupByKey(grouped: Grouped<K, V> = {}): KGroupedStream<K, V> {
    return new KGroupedStream<K, V>(this.position, grouped);
  }

  /** Groups by a new key (selectKey + groupByKey): always repartitions. */
  groupBy<KR>(
    selector: (key: K, value: V) => KR,
    grouped: Grouped<KR, V> & { readonly key: SerdeFor<KR> },
  ): KGroupedStream<KR, V> {
    const selected = this.selectKey(
      selector,
      grouped.name ? { name: `${grouped.name}-selectKey` } : undefined,
    );
    return new KGroupedStream<KR, V>(selected.position, grouped);
  }

  // ---- stateful DSL: joins ----

  /**
   * Joins records of both streams with the same key whose timestamps are within `windows` of each other. Both sides
   * repartition first if their key changed upstream.
   */
  join<VO, VR>(
    other: KStream<K, VO>,
    joiner: (value: V, otherValue: VO, key: K) => VR,
    windows: JoinWindows,
    options?: StreamJoined<K, V, VO>,
  ): KStream<K, VR>;
  /** Joins each record with the table's current value for its key; records without a table row are dropped. */
  join<VO, VR>(
    table: KTable<K, VO>,
    joiner: (value: V, tableValue: VO, key: K) => VR,
    options?: Joined<K, V, VO>,
  ): KStream<K, VR>;
  /** Joins each record with the global table's row for the key `keySelector` picks; records without one are dropped. */
  join<GK, GV, VR>(
    globalTable: GlobalKTable<GK, GV>,
    keySelector: (key: K, value: V) => GK,
    joiner: (value: V, globalValue: GV, key: K) => VR,
    options?: Named,
  ): KStream<K, VR>;
  join(other: unknown, second: unknown, third?: unknown, fourth?: unknown): KStream<K, unknown> {
    return joinStream('inner', this, other, second, third, fourth);
  }

  /**
   * Like join, but every record produces a result: with null as the other value when no record of the other stream
   * joined it within the window (emitted once the window and grace have passed, never before).
   */
  leftJoin<VO, VR>(
    other: KStream<K, VO>,
    joiner: (value: V, otherValue: VO | null, key: K) => VR,
    windows: JoinWindows,
    options?: StreamJoined<K, V, VO>,
  ): KStream<K, VR>;
  /** Joins each record with the table's current value for its key, or null when the table has no row. */
  leftJoin<VO, VR>(
    table: KTable<K, VO>,
    joiner: (value: V, tableValue: VO | null, key: K) => VR,
    options?: Joined<K, V, VO>,
  ): KStream<K, VR>;
  /** Joins each record with the global table's row for the selected key, or null when there is none. */
  leftJoin<GK, GV, VR>(
    globalTable: GlobalKTable<GK, GV>,
    keySelector: (key: K, value: V) => GK,
    joiner: (value: V, globalValue: GV | null, key: K) => VR,
    options?: Named,
  ): KStream<K, VR>;
  leftJoin(other: unknown, second: unknown, third?: unknown, fourth?: unknown): KStream<K, unknown> {
    return joinStream('left', this, other, second, third, fourth);
  }

  /** Like leftJoin in both directions: records of either stream without a partner are joined with null. */
  outerJoin<VO, VR>(
    other: KStream<K, VO>,
    joiner: (value: V | null, otherValue: VO | null, key: K) => VR,
    windows: JoinWindows,
    options?: StreamJoined<K, V, VO>,
  ): KStream<K, VR> {
    return joinStream('outer', this, other, joiner, windows, options) as KStream<K, VR>;
  }
}

/** The streams a split returns: each branch name (with the split's prefix) to its stream. */
export type Branches<K, P extends string, B> = { [N in keyof B as `${P}${N & string}`]: KStream<K, B[N]> };

/**
 * Kafka Streams' BranchedKStream: collects branches, then returns them by name (prefix + branch name). `B` maps each
 * branch name to its value type: a type-guard predicate narrows its branch.
 */
// The empty record is where branch types accumulate.
export class BranchedKStream<K, V, P extends string, B = {}> {
  private readonly branches: Array<{ name: string; predicate: (key: K, value: V) => boolean }> = [];

  /** @internal */
  constructor(
    private readonly stream: KStream<K, V>,
    private readonly prefix: P | undefined,
  ) {}

  /** Adds a branch; a record goes to the first branch whose predicate holds. Unnamed branches are named 1, 2, ... */
  branch<N extends string = `${number}`, V2 extends V = V>(
    predicate: ((key: K, value: V) => value is V2) | ((key: K, value: V) => boolean),
    options: { readonly name?: N } = {},
  ): BranchedKStream<K, V, P, B & { [n in N]: V2 }> {
    this.branches.push({ name: options.name ?? String(this.branches.length + 1), predicate });
    return this as unknown as BranchedKStream<K, V, P, B & { [n in N]: V2 }>;
  }

  /** Finishes with a branch for records no predicate matched (named `0` unless given). */
  defaultBranch<N extends string = '0'>(
    options: { readonly name?: N } = {},
  ): Branches<K, P, B & { [n in N]: V }> {
    return this.finish(options.name ?? '0');
  }

  /** Finishes without a default branch: records no predicate matched are dropped. */
  noDefaultBranch(): Branches<K, P, B> {
    return this.finish(undefined);
  }

  private finish<R>(defaultName: string | undefined): R {
    const p = this.stream.position;
    const { ctx } = p;
    const splitter = this.prefix
      ? ctx.names.claim(this.prefix.replace(/-$/, '') || this.prefix)
      : ctx.names.derive(p.anchor, 'split');
    const all = [...this.branches.map((b) => b.name), ...(defaultName !== undefined ? [defaultName] : [])];
    const childNames = all.map((n) => ctx.names.claim(`${splitter}-${n}`));
    const branchSpecs = this.branches.map((b, i) => ({
      predicate: b.predicate as never,
      child: childNames[i],
    }));
    const defaultChild = defaultName !== undefined ? childNames[childNames.length - 1] : undefined;
    ctx.graph.addProcessor(
      {
        type: 'processor',
        name: splitter,
        supplier: () => new BranchProcessor(branchSpecs, defaultChild),
        stores: [],
      },
      [p.node],
    );
    const out: Record<string, KStream<K, V>> = {};
    all.forEach((n, i) => {
      const child = childNames[i];
      ctx.graph.addProcessor(
        { type: 'processor', name: child, supplier: () => new PassThroughProcessor(), stores: [] },
        [splitter],
      );
      out[`${this.prefix ?? ''}${n}`] = new KStream<K, V>({ ...p, node: child, anchor: child });
    });
    return out as R;
  }
}
