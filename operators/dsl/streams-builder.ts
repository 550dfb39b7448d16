// StreamsBuilder: the entry point of the DSL (Kafka Streams' StreamsBuilder).
import type { StateStore } from '../../state/api/state-store.js';
import type { StoreBuilder } from '../../state/api/store-builder.js';
import type { Topology } from '../graph/topology.js';
import { BuildContext } from './build-context.js';
import { type GlobalKTable, globalTable } from './global-ktable.js';
import { KStream } from './kstream.js';
import type { KTable } from './ktable.js';
import { sanitize } from './naming.js';
import type { Consumed, Materialized } from './options.js';
import { streamToTable } from './table-from-stream.js';

export class StreamsBuilder {
  private readonly ctx = new BuildContext();
  private built = false;

  /** A stream of the records of one or more topics. Key and value types follow from the serdes. */
  stream<K, V>(topics: string | readonly string[], consumed: Consumed<K, V>): KStream<K, V> {
    const list = typeof topics === 'string' ? [topics] : [...topics];
    if (list.length === 0) throw new Error('stream() needs at least one topic');
    const anchor = consumed.name ?? sanitize(list.join('+'));
    const name = this.ctx.names.derive(anchor, 'source', consumed.name);
    this.ctx.graph.addSource({
      type: 'source',
      name,
      topics: list,
      internal: false,
      keySerde: consumed.key,
      valueSerde: consumed.value,
      ...(consumed.timestampExtractor ? { timestampExtractor: consumed.timestampExtractor as never } : {}),
    });
    return new KStream<K, V>({
      ctx: this.ctx,
      node: name,
      anchor,
      keySerde: consumed.key,
      valueSerde: consumed.value,
      repartitionRequired: false,
    });
  }

  /**
   * The topic as a table: the latest value per key, null values delete. Materialized in a store named `name` (or a
   * derived name), queryable and changelogged.
   */
  table<K, V>(topic: string, consumed: Consumed<K, V> & Materialized<K, V>): KTable<K, V> {
    const { name, ...rest } = consumed;
    const stream = this.stream<K, V>(topic, { ...rest, ...(name ? { name: `${name}-source` } : {}) });
    return streamToTable(stream, consumed, 'table');
  }

  /**
   * The whole topic (all partitions) as a table in every task, for joins by a selected key without repartitioning.
   * Materialized in a global store named `name` (or `<topic>-global-store`); the topic itself is its changelog.
   */
  globalTable<K, V>(topic: string, consumed: Consumed<K, V> & Materialized<K, V>): GlobalKTable<K, V> {
    return globalTable(this.ctx, topic, consumed);
  }

  /** Adds a store for Processor API processors (connect it with `process(..., { stores: [name] })`). */
  addStateStore<S extends StateStore>(builder: StoreBuilder<S>): this {
    this.ctx.graph.addStateStore(builder as unknown as StoreBuilder<StateStore>);
    return this;
  }

  /** The topology described so far; build once, run it with KafkaStreams or TopologyTestDriver. */
  build(): Topology {
    if (this.built) throw new Error('build() was already called on this StreamsBuilder');
    this.built = true;
    return this.ctx.graph.build();
  }

  /** @internal Shared with other DSL modules (global tables). */
  get context(): BuildContext {
    return this.ctx;
  }
}
