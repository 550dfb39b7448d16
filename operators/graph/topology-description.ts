// topology.describe(): a plain, JSON-serialisable picture of the topology, with Kafka Streams' text layout and Mermaid.
import type { TopicConfig } from '../../state/api/store-builder.js';
import type { NodeDef } from './nodes.js';
import type { Topology } from './topology.js';

export interface NodeDescription {
  readonly type: 'source' | 'processor' | 'sink';
  readonly name: string;
  /** Sources: the topics read. */
  readonly topics?: readonly string[];
  /** Sinks: the topic written, or `<dynamic>` for a topic-name extractor. */
  readonly topic?: string;
  /** Processors: the stores used. */
  readonly stores?: readonly string[];
  readonly predecessors: readonly string[];
  readonly successors: readonly string[];
}

export interface SubtopologyDescription {
  readonly id: number;
  readonly nodes: readonly NodeDescription[];
}

export interface GlobalStoreDescription {
  readonly id: number;
  readonly store: string;
  readonly source: NodeDescription;
  readonly processor: NodeDescription;
}

export interface StoreDescription {
  readonly name: string;
  readonly kind: string;
  readonly persistent: boolean;
  readonly caching: boolean;
  readonly logging: boolean;
  readonly subtopology: number;
}

export interface InternalTopicDescription {
  readonly name: string;
  readonly type: 'repartition' | 'changelog';
  /** A number, or how it is derived at startup. */
  readonly partitions: number | string;
  readonly config: TopicConfig;
}

export interface TopologyDescription {
  readonly subtopologies: readonly SubtopologyDescription[];
  readonly globalStores: readonly GlobalStoreDescription[];
  readonly stores: readonly StoreDescription[];
  readonly internalTopics: readonly InternalTopicDescription[];
  /** Kafka Streams' `TopologyDescription.toString()` layout, plus the internal topics. */
  toString(): string;
  /** A Mermaid flowchart: sub-topologies as boxes, topics and stores as their own shapes. */
  toMermaid(): string;
}

function describeNode(
  def: NodeDef,
  parents: readonly string[],
  children: readonly string[],
  stores: readonly string[],
): NodeDescription {
  const base = { name: def.name, predecessors: [...parents], successors: [...children] };
  switch (def.type) {
    case 'source':
      return { type: 'source', ...base, topics: [...def.topics] };
    case 'processor':
      return { type: 'processor', ...base, stores: [...stores] };
    case 'sink':
      return { type: 'sink', ...base, topic: typeof def.topic === 'string' ? def.topic : '<dynamic>' };
  }
}

export function describeTopology(topology: Topology): TopologyDescription {
  const subtopologies = topology.subtopologies.map((st) => ({
    id: st.id,
    nodes: st.nodes.map((n) =>
      describeNode(
        n,
        st.parents.get(n.name) ?? [],
        st.children.get(n.name) ?? [],
        st.stores.filter((s) => s.processors.includes(n.name)).map((s) => s.builder.name),
      ),
    ),
  }));
  const globalStores = topology.globalStores.map((g, i) => ({
    id: topology.subtopologies.length + i,
    store: g.store.name,
    source: describeNode(g.source, [], [g.processor.name], []),
    processor: describeNode(g.processor, [g.source.name], [], [g.store.name]),
  }));
  const stores: StoreDescription[] = topology.subtopologies.flatMap((st) =>
    st.stores.map(({ builder }) => ({
      name: builder.name,
      kind: builder.kind,
      persistent: builder.persistent,
      caching: builder.cachingEnabled,
      logging: builder.loggingEnabled,
      subtopology: st.id,
    })),
  );
  const internalTopics = topology.internalTopics.map((t) => ({
    name: t.name,
    type: t.type,
    partitions:
      t.partitions ??
      (t.type === 'changelog'
        ? `tasks of sub-topology ${t.subtopology}`
        : 'max partitions of the upstream sub-topology sources'),
    config: { ...t.config },
  }));
  const description = { subtopologies, globalStores, stores, internalTopics };
  return {
    ...description,
    toString: () => renderText(description),
    toMermaid: () => renderMermaid(description),
  };
}

type Parts = Pick<TopologyDescription, 'subtopologies' | 'globalStores' | 'stores' | 'internalTopics'>;

function nodeLines(n: NodeDescription): string[] {
  const head =
    n.type === 'source'
      ? `    Source: ${n.name} (topics: [${(n.topics ?? []).join(', ')}])`
      : n.type === 'sink'
        ? `    Sink: ${n.name} (topic: ${n.topic})`
        : `    Processor: ${n.name} (stores: [${(n.stores ?? []).join(', ')}])`;
  const lines = [head];
  if (n.type !== 'sink') lines.push(`      --> ${n.successors.length ? n.successors.join(', ') : 'none'}`);
  if (n.type !== 'source')
    lines.push(`      <-- ${n.predecessors.length ? n.predecessors.join(', ') : 'none'}`);
  return lines;
}

function renderText(d: Parts): string {
  const lines = ['Topologies:'];
  for (const st of d.subtopologies) {
    lines.push(`   Sub-topology: ${st.id}`);
    for (const n of st.nodes) lines.push(...nodeLines(n));
  }
  for (const g of d.globalStores) {
    lines.push(`   Sub-topology: ${g.id} for global store (will not generate tasks)`);
    lines.push(...nodeLines(g.source), ...nodeLines(g.processor));
  }
  if (d.internalTopics.length > 0) {
    lines.push('Internal topics:');
    for (const t of d.internalTopics) lines.push(`   ${t.name} (${t.type}, partitions: ${t.partitions})`);
  }
  return `${lines.join('\n')}\n`;
}

function renderMermaid(d: Parts): string {
  const ids = new Map<string, string>();
  const id = (kind: string, name: string) => {
    const key = `${kind}:${name}`;
    let v = ids.get(key);
    if (!v) {
      v = `${kind}${ids.size}`;
      ids.set(key, v);
    }
    return v;
  };
  const label = (s: string) => s.replace(/"/g, '#quot;');
  const out = ['flowchart LR'];
  const edges: string[] = [];
  const topics = new Set<string>();
  const stores = new Set<string>();
  const box = (title: string, nodes: readonly NodeDescription[]) => {
    out.push(`  subgraph ${id('sub', title)}["${label(title)}"]`);
    for (const n of nodes) {
      const shape = n.type === 'processor' ? `["${label(n.name)}"]` : `(["${label(n.name)}"])`;
      out.push(`    ${id('n', n.name)}${shape}`);
      for (const c of n.successors) edges.push(`  ${id('n', n.name)} --> ${id('n', c)}`);
      for (const t of n.topics ?? []) {
        topics.add(t);
        edges.push(`  ${id('t', t)} --> ${id('n', n.name)}`);
      }
      if (n.topic) {
        topics.add(n.topic);
        edges.push(`  ${id('n', n.name)} --> ${id('t', n.topic)}`);
      }
      for (const s of n.stores ?? []) {
        stores.add(s);
        edges.push(`  ${id('n', n.name)} -.- ${id('s', s)}`);
      }
    }
    out.push('  end');
  };
  for (const st of d.subtopologies) box(`Sub-topology ${st.id}`, st.nodes);
  for (const g of d.globalStores) box(`Global store ${g.store}`, [g.source, g.processor]);
  for (const t of topics) out.push(`  ${id('t', t)}[/"${label(t)}"/]`);
  for (const s of stores) out.push(`  ${id('s', s)}[("${label(s)}")]`);
  out.push(...edges);
  return `${out.join('\n')}\n`;
}
