// What every DSL object shares while a topology is being described: the graph builder and the name registry, plus
// the helpers operators use to add nodes.
import type { AnySerde } from '../../schemas/serde.js';
import type { Processor } from '../api/processor.js';
import type { StreamPartitioner } from '../api/timestamp-extractor.js';
import { TopologyBuildError, TopologyBuilder } from '../graph/topology-builder.js';
import { DropNullKeysProcessor, PassThroughProcessor } from '../processors/stateless.js';
import { NameRegistry } from './naming.js';

// biome-ignore lint/suspicious/noExplicitAny: the graph is type-erased; the DSL classes keep the types.
export type AnyProcessor = Processor<any, any, any, any>;

export class BuildContext {
  readonly graph = new TopologyBuilder();
  readonly names = new NameRegistry();
}

/** The position of a stream or table in the graph, with what is known about its serdes. */
export interface StreamPosition {
  readonly ctx: BuildContext;
  /** The node whose output this stream is. */
  readonly node: string;
  /** The nearest name the user chose upstream; derived names start with it. */
  readonly anchor: string;
  readonly keySerde: AnySerde | undefined;
  readonly valueSerde: AnySerde | undefined;
  /** A key-changing operation happened since the last partitioning: key-based operations must repartition first. */
  readonly repartitionRequired: boolean;
}

export function addProcessor(
  from: StreamPosition | readonly StreamPosition[],
  kind: string,
  supplier: () => AnyProcessor,
  options: { name?: string; stores?: readonly string[] } = {},
): string {
  const parents = Array.isArray(from) ? from : [from as StreamPosition];
  const first = parents[0];
  const name = first.ctx.names.derive(first.anchor, kind, options.name);
  first.ctx.graph.addProcessor(
    { type: 'processor', name, supplier, stores: options.stores ?? [] },
    parents.map((p) => p.node),
  );
  return name;
}

/** The anchor for what follows an operator: the user's name when given, else unchanged. */
export function nextAnchor(position: StreamPosition, userName: string | undefined): string {
  return userName ?? position.anchor;
}

export function requireSerde(serde: AnySerde | undefined, what: string, hint: string): AnySerde {
  if (!serde) throw new TopologyBuildError(`${what} needs a serde that is not known at this point: ${hint}`);
  return serde;
}

/**
 * Writes the stream to an internal repartition topic and reads it back, so that records are partitioned by their
 * current key (Kafka Streams inserts this before key-based operations after a key change). Null keys are dropped
 * first: they cannot be partitioned by key.
 */
export function repartition(
  position: StreamPosition,
  options: {
    name: string;
    keySerde: AnySerde | undefined;
    valueSerde: AnySerde | undefined;
    numberOfPartitions?: number;
    // biome-ignore lint/suspicious/noExplicitAny: type-erased.
    partitioner?: StreamPartitioner<any, any>;
    operation: string;
  },
): StreamPosition {
  const { ctx } = position;
  const keySerde = requireSerde(
    options.keySerde,
    `${options.operation} (repartition topic '${options.name}-repartition')`,
    'pass `key` in its options (Grouped/Repartitioned/Joined)',
  );
  const valueSerde = requireSerde(
    options.valueSerde,
    `${options.operation} (repartition topic '${options.name}-repartition')`,
    'pass `value` in its options (Grouped/Repartitioned/Joined)',
  );
  const topic = `${options.name}-repartition`;
  ctx.graph.addRepartitionTopic(topic, options.numberOfPartitions);
  const filterName = ctx.names.derive(options.name, 'repartition-filter');
  ctx.graph.addProcessor(
    { type: 'processor', name: filterName, supplier: () => new DropNullKeysProcessor(), stores: [] },
    [position.node],
  );
  const sinkName = ctx.names.derive(options.name, 'repartition-sink');
  ctx.graph.addSink(
    {
      type: 'sink',
      name: sinkName,
      topic,
      internal: true,
      keySerde,
      valueSerde,
      ...(options.partitioner ? { partitioner: options.partitioner } : {}),
    },
    [filterName],
  );
  const sourceName = ctx.names.derive(options.name, 'repartition-source');
  ctx.graph.addSource({
    type: 'source',
    name: sourceName,
    topics: [topic],
    internal: true,
    keySerde,
    valueSerde,
  });
  return {
    ctx,
    node: sourceName,
    anchor: options.name,
    keySerde,
    valueSerde,
    repartitionRequired: false,
  };
}

/** Passes records through a named no-op processor (merge needs a node with several parents). */
export function passThroughNode(from: readonly StreamPosition[], kind: string, name?: string): string {
  return addProcessor(from, kind, () => new PassThroughProcessor(), { name });
}
