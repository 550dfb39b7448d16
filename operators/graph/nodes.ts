// The nodes of a topology graph: immutable descriptions the builder produces and each task instantiates.
import type { AnySerde } from '../../schemas/serde.js';
import type { Processor } from '../api/processor.js';
import type {
  StreamPartitioner,
  TimestampExtractor,
  TopicNameExtractor,
} from '../api/timestamp-extractor.js';

// biome-ignore lint/suspicious/noExplicitAny: nodes are type-erased; the DSL keeps the types.
type AnyProcessor = Processor<any, any, any, any>;

export interface SourceNodeDef {
  readonly type: 'source';
  readonly name: string;
  /** Topic names; for internal (repartition) sources these are logical names, prefixed with the application id at runtime. */
  readonly topics: readonly string[];
  readonly internal: boolean;
  readonly keySerde: AnySerde;
  readonly valueSerde: AnySerde;
  readonly timestampExtractor?: TimestampExtractor;
}

export interface ProcessorNodeDef {
  readonly type: 'processor';
  readonly name: string;
  readonly supplier: () => AnyProcessor;
  /** Names of the state stores this processor uses. */
  readonly stores: readonly string[];
}

export interface SinkNodeDef {
  readonly type: 'sink';
  readonly name: string;
  /** A topic name (logical for internal topics) or a function choosing one per record. */
  // biome-ignore lint/suspicious/noExplicitAny: type-erased.
  readonly topic: string | TopicNameExtractor<any, any>;
  readonly internal: boolean;
  readonly keySerde: AnySerde;
  readonly valueSerde: AnySerde;
  // biome-ignore lint/suspicious/noExplicitAny: type-erased.
  readonly partitioner?: StreamPartitioner<any, any>;
}

export type NodeDef = SourceNodeDef | ProcessorNodeDef | SinkNodeDef;

/** Normalises Kafka Streams' two supplier shapes (a function, or an object with get()). */
export function supplierFn<P>(supplier: (() => P) | { get(): P }): () => P {
  return typeof supplier === 'function' ? supplier : () => supplier.get();
}
