// The built topology: sub-topologies, global stores and the internal topics the runtime must create.
import type { StateStore } from '../../state/api/state-store.js';
import type { StoreBuilder, TopicConfig } from '../../state/api/store-builder.js';
import type { NodeDef, ProcessorNodeDef, SinkNodeDef, SourceNodeDef } from './nodes.js';
import { describeTopology, type TopologyDescription } from './topology-description.js';

export interface StoreDef {
  readonly builder: StoreBuilder<StateStore>;
  readonly processors: readonly string[];
}

/** A connected part of the graph between repartition topics: the unit that becomes one task per partition. */
export interface Subtopology {
  readonly id: number;
  /** In declaration order; parents come before their children. */
  readonly nodes: readonly NodeDef[];
  readonly children: ReadonlyMap<string, readonly string[]>;
  readonly parents: ReadonlyMap<string, readonly string[]>;
  readonly sources: readonly SourceNodeDef[];
  readonly sinks: readonly SinkNodeDef[];
  readonly stores: readonly StoreDef[];
  /** Topics (logical names) whose partitions must line up because they are joined. */
  readonly copartitionGroups: readonly (readonly string[])[];
}

export interface GlobalStoreDef {
  readonly store: StoreBuilder<StateStore>;
  readonly source: SourceNodeDef;
  readonly processor: ProcessorNodeDef;
}

export interface InternalTopicDef {
  /** Logical name; the runtime prefixes the application id: `<applicationId>-<name>`. */
  readonly name: string;
  readonly type: 'repartition' | 'changelog';
  /** Fixed partition count; when absent it is derived from the source topics at startup. */
  readonly partitions?: number;
  /** Changelogs: the sub-topology whose tasks own the store (one changelog partition per task). */
  readonly subtopology?: number;
  readonly config: TopicConfig;
}

export interface TopologyParts {
  readonly subtopologies: readonly Subtopology[];
  readonly globalStores: readonly GlobalStoreDef[];
  readonly internalTopics: readonly InternalTopicDef[];
}

/**
 * What `StreamsBuilder.build()` returns: run it with `KafkaStreams` or `TopologyTestDriver`, inspect it with
 * `describe()` (also `describe().toMermaid()`).
 */
export class Topology {
  /** @internal */
  readonly subtopologies: readonly Subtopology[];
  /** @internal */
  readonly globalStores: readonly GlobalStoreDef[];
  /** @internal */
  readonly internalTopics: readonly InternalTopicDef[];

  /** @internal Built by StreamsBuilder. */
  constructor(parts: TopologyParts) {
    this.subtopologies = parts.subtopologies;
    this.globalStores = parts.globalStores;
    this.internalTopics = parts.internalTopics;
  }

  describe(): TopologyDescription {
    return describeTopology(this);
  }

  toString(): string {
    return this.describe().toString();
  }

  /** @internal Whether a logical topic name is one of this topology's internal topics. */
  isInternalTopic(name: string): boolean {
    return this.internalTopics.some((t) => t.name === name);
  }

  /** @internal The sub-topology reading `topic` (logical name), if any. */
  subtopologyReading(topic: string): Subtopology | undefined {
    return this.subtopologies.find((st) => st.sources.some((s) => s.topics.includes(topic)));
  }

  /** @internal User (non-internal) topics read by tasks. */
  sourceTopics(): string[] {
    return this.subtopologies.flatMap((st) => st.sources.filter((s) => !s.internal).flatMap((s) => s.topics));
  }

  /** @internal Topics read by global stores. */
  globalTopics(): string[] {
    return this.globalStores.flatMap((g) => g.source.topics);
  }
}

/** The physical name of an internal topic for an application. */
export function internalTopicName(applicationId: string, logicalName: string): string {
  return `${applicationId}-${logicalName}`;
}
