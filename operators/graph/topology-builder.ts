// Collects nodes, edges and stores, validates them, and cuts the graph into sub-topologies (Kafka Streams'
// InternalTopologyBuilder). The DSL drives it; it knows nothing about KStream or KTable.
import type { StateStore } from '../../state/api/state-store.js';
import type { StoreBuilder, TopicConfig } from '../../state/api/store-builder.js';
import type { NodeDef, ProcessorNodeDef, SinkNodeDef, SourceNodeDef } from './nodes.js';
import {
  type GlobalStoreDef,
  type InternalTopicDef,
  type StoreDef,
  type Subtopology,
  Topology,
  type TopologyParts,
} from './topology.js';

export class TopologyBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TopologyBuildError';
  }
}

const LEGAL_TOPIC = /^[a-zA-Z0-9._-]+$/;

export class TopologyBuilder {
  private readonly nodes = new Map<string, NodeDef>();
  private readonly children = new Map<string, string[]>();
  private readonly parents = new Map<string, string[]>();
  private readonly stores = new Map<string, { builder: StoreBuilder<StateStore>; processors: string[] }>();
  private readonly globalStores: GlobalStoreDef[] = [];
  private readonly topicToSource = new Map<string, string>();
  private readonly repartitionTopics = new Map<string, { partitions?: number }>();
  private readonly copartitionGroups: string[][] = [];
  // Stores may be connected before they are added (process() before addStateStore); checked in build().
  private readonly pendingStoreConnections: Array<[string, string]> = [];

  hasNode(name: string): boolean {
    return this.nodes.has(name);
  }

  node(name: string): NodeDef | undefined {
    return this.nodes.get(name);
  }

  hasStore(name: string): boolean {
    return this.stores.has(name) || this.globalStores.some((g) => g.store.name === name);
  }

  /** The source node already reading `topic`, if any. */
  sourceOf(topic: string): SourceNodeDef | undefined {
    const name = this.topicToSource.get(topic);
    return name ? (this.nodes.get(name) as SourceNodeDef) : undefined;
  }

  addSource(def: SourceNodeDef): void {
    this.addNode(def, []);
    for (const topic of def.topics) {
      checkTopicName(topic);
      const other = this.topicToSource.get(topic);
      if (other) throw new TopologyBuildError(`topic '${topic}' is already read by source '${other}'`);
      this.topicToSource.set(topic, def.name);
    }
  }

  addProcessor(def: ProcessorNodeDef, parents: readonly string[]): void {
    if (parents.length === 0)
      throw new TopologyBuildError(`processor '${def.name}' needs at least one parent`);
    this.addNode(def, parents);
    for (const store of def.stores) this.connectProcessorAndStore(def.name, store);
  }

  addSink(def: SinkNodeDef, parents: readonly string[]): void {
    if (parents.length === 0) throw new TopologyBuildError(`sink '${def.name}' needs at least one parent`);
    if (typeof def.topic === 'string') checkTopicName(def.topic);
    this.addNode(def, parents);
  }

  /** Registers a store; processors may be connected now or later (`connectProcessorAndStore`). */
  addStateStore(builder: StoreBuilder<StateStore>, ...processorNames: string[]): void {
    if (this.hasStore(builder.name))
      throw new TopologyBuildError(`a store named '${builder.name}' already exists`);
    this.stores.set(builder.name, { builder, processors: [] });
    for (const p of processorNames) this.connectProcessorAndStore(p, builder.name);
  }

  connectProcessorAndStore(processorName: string, storeName: string): void {
    const store = this.stores.get(storeName);
    if (!store) {
      this.pendingStoreConnections.push([processorName, storeName]);
      return;
    }
    if (!store.processors.includes(processorName)) store.processors.push(processorName);
  }

  /** A global store: fed from all partitions of `source`'s topic by `processor`, readable by every task. */
  addGlobalStore(store: StoreBuilder<StateStore>, source: SourceNodeDef, processor: ProcessorNodeDef): void {
    if (this.hasStore(store.name))
      throw new TopologyBuildError(`a store named '${store.name}' already exists`);
    for (const topic of source.topics) {
      checkTopicName(topic);
      const other = this.topicToSource.get(topic);
      if (other) throw new TopologyBuildError(`topic '${topic}' is already read by source '${other}'`);
      this.topicToSource.set(topic, source.name);
    }
    this.globalStores.push({ store, source, processor });
  }

  addRepartitionTopic(name: string, partitions?: number): void {
    checkTopicName(name);
    if (partitions !== undefined && (!Number.isInteger(partitions) || partitions < 1)) {
      throw new TopologyBuildError(
        `repartition topic '${name}': numberOfPartitions must be a positive integer`,
      );
    }
    this.repartitionTopics.set(name, partitions === undefined ? {} : { partitions });
  }

  /** The source nodes `nodeNames` read from, through any processors (join inputs must be co-partitioned). */
  sourcesUpstreamOf(nodeNames: readonly string[]): string[] {
    const found = new Set<string>();
    const queue = [...nodeNames];
    const seen = new Set<string>(queue);
    for (let i = 0; i < queue.length; i++) {
      const name = queue[i];
      if (this.nodes.get(name)?.type === 'source') found.add(name);
      else {
        for (const parent of this.parents.get(name) ?? []) {
          if (!seen.has(parent)) {
            seen.add(parent);
            queue.push(parent);
          }
        }
      }
    }
    return [...found];
  }

  /** Sources whose partitions must line up (join inputs): the runtime checks equal partition counts. */
  copartitionSources(sourceNames: readonly string[]): void {
    this.copartitionGroups.push([...sourceNames]);
  }

  build(): Topology {
    for (const [processor, storeName] of this.pendingStoreConnections) {
      const store = this.stores.get(storeName);
      const isGlobal = this.globalStores.some((g) => g.store.name === storeName);
      if (!store && !isGlobal) {
        throw new TopologyBuildError(
          `processor '${processor}' uses store '${storeName}', which was never added (builder.addStateStore)`,
        );
      }
      if (store && !store.processors.includes(processor)) store.processors.push(processor);
    }
    this.pendingStoreConnections.length = 0;
    for (const [name, store] of this.stores) {
      for (const p of store.processors) {
        if (this.nodes.get(p)?.type !== 'processor') {
          throw new TopologyBuildError(`store '${name}' is connected to '${p}', which is not a processor`);
        }
      }
    }
    return new Topology(this.parts());
  }

  private parts(): TopologyParts {
    const groups = this.components();
    const subtopologies: Subtopology[] = groups.map((names, id) => {
      const nodes = names.map((n) => this.nodes.get(n) as NodeDef);
      const stores: StoreDef[] = [...this.stores.values()]
        .filter((s) => s.processors.some((p) => names.includes(p)))
        .map((s) => ({ builder: s.builder, processors: [...s.processors] }));
      const sources = nodes.filter((n): n is SourceNodeDef => n.type === 'source');
      const sinks = nodes.filter((n): n is SinkNodeDef => n.type === 'sink');
      const copartitionGroups = this.copartitionGroups
        .filter((g) => g.every((s) => names.includes(s)))
        .map((g) => g.flatMap((s) => (this.nodes.get(s) as SourceNodeDef).topics));
      return {
        id,
        nodes,
        children: new Map(names.map((n) => [n, [...(this.children.get(n) ?? [])]])),
        parents: new Map(names.map((n) => [n, [...(this.parents.get(n) ?? [])]])),
        sources,
        sinks,
        stores,
        copartitionGroups,
      };
    });
    const internalTopics: InternalTopicDef[] = [];
    for (const [name, { partitions }] of this.repartitionTopics) {
      internalTopics.push({
        name,
        type: 'repartition',
        ...(partitions === undefined ? {} : { partitions }),
        config: REPARTITION_TOPIC_CONFIG,
      });
    }
    for (const st of subtopologies) {
      for (const { builder } of st.stores) {
        if (builder.loggingEnabled) {
          internalTopics.push({
            name: changelogTopicName(builder.name),
            type: 'changelog',
            subtopology: st.id,
            config: builder.changelogConfig(),
          });
        }
      }
    }
    return { subtopologies, globalStores: [...this.globalStores], internalTopics };
  }

  /**
   * Connected components over parent/child edges and shared stores; ordered by their first node, so that sub-topology
   * ids follow the order in which the program declared its sources (stable across unrelated additions downstream).
   */
  private components(): string[][] {
    const order = [...this.nodes.keys()];
    const parent = new Map(order.map((n) => [n, n]));
    const find = (n: string): string => {
      let root = n;
      while (parent.get(root) !== root) root = parent.get(root) as string;
      parent.set(n, root);
      return root;
    };
    const union = (a: string, b: string) => parent.set(find(a), find(b));
    for (const [n, cs] of this.children) for (const c of cs) union(n, c);
    for (const { processors } of this.stores.values()) {
      for (let i = 1; i < processors.length; i++) union(processors[0], processors[i]);
    }
    const byRoot = new Map<string, string[]>();
    for (const n of order) {
      const root = find(n);
      const list = byRoot.get(root) ?? [];
      list.push(n);
      byRoot.set(root, list);
    }
    return [...byRoot.values()].filter((names) => names.some((n) => this.nodes.get(n)?.type === 'source'));
  }

  private addNode(def: NodeDef, parents: readonly string[]): void {
    if (!def.name) throw new TopologyBuildError('a node needs a name');
    if (this.nodes.has(def.name)) throw new TopologyBuildError(`a node named '${def.name}' already exists`);
    for (const p of parents) {
      const parent = this.nodes.get(p);
      if (!parent) throw new TopologyBuildError(`'${def.name}': parent '${p}' does not exist`);
      if (parent.type === 'sink')
        throw new TopologyBuildError(`'${def.name}': sink '${p}' cannot have children`);
    }
    this.nodes.set(def.name, def);
    this.parents.set(def.name, [...parents]);
    for (const p of parents) {
      const list = this.children.get(p) ?? [];
      list.push(def.name);
      this.children.set(p, list);
    }
  }
}

export function changelogTopicName(storeName: string): string {
  return `${storeName}-changelog`;
}

// Kafka Streams purges consumed repartition records itself (deleteRecords after commit); retention is a backstop.
const REPARTITION_TOPIC_CONFIG: TopicConfig = {
  'cleanup.policy': 'delete',
  'retention.ms': String(7 * 24 * 3600 * 1000),
};

function checkTopicName(topic: string): void {
  if (
    topic.length === 0 ||
    topic.length > 200 ||
    !LEGAL_TOPIC.test(topic) ||
    topic === '.' ||
    topic === '..'
  ) {
    throw new TopologyBuildError(
      `'${topic}' is not a legal topic name: use 1-200 characters from [a-zA-Z0-9._-] (derived names of internal topics add the application id)`,
    );
  }
}
