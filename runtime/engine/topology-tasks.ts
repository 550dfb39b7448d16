// What every executor (test driver, Kafka runtime) derives from a topology the same way before it runs tasks: the
// one-source sub-topology a global store's task runs, and the asynchronous preparation of serdes.
import { internalTopicName, type Subtopology, type Topology } from '../../operators/graph/topology.js';
import type { Serde } from '../../schemas/serde.js';

/**
 * The sub-topology of the `index`-th global store: its source feeding its processor, which owns the store. Ids follow
 * the regular sub-topologies' ones.
 */
export function globalStoreSubtopology(topology: Topology, index: number): Subtopology {
  const g = topology.globalStores[index];
  return {
    id: topology.subtopologies.length + index,
    nodes: [g.source, g.processor],
    children: new Map([[g.source.name, [g.processor.name]]]),
    parents: new Map([[g.processor.name, [g.source.name]]]),
    sources: [g.source],
    sinks: [],
    stores: [{ builder: g.store, processors: [g.processor.name] }],
    copartitionGroups: [],
  };
}

/** Prepares serdes with asynchronous preparation (schema registry) for every topic they serve in this topology. */
export async function prepareSerdes(topology: Topology, applicationId: string): Promise<void> {
  const jobs: Promise<void>[] = [];
  const prepare = (serde: { prepare?: Serde<unknown>['prepare'] }, topic: string, isKey: boolean) => {
    if (serde.prepare) jobs.push(serde.prepare({ topic, isKey }));
  };
  const physical = (topic: string, internal: boolean) =>
    internal ? internalTopicName(applicationId, topic) : topic;
  const subtopologies = [
    ...topology.subtopologies,
    ...topology.globalStores.map((_, i) => globalStoreSubtopology(topology, i)),
  ];
  for (const st of subtopologies) {
    for (const s of st.sources) {
      for (const t of s.topics) {
        prepare(s.keySerde, physical(t, s.internal), true);
        prepare(s.valueSerde, physical(t, s.internal), false);
      }
    }
    for (const s of st.sinks) {
      if (typeof s.topic !== 'string') continue;
      prepare(s.keySerde, physical(s.topic, s.internal), true);
      prepare(s.valueSerde, physical(s.topic, s.internal), false);
    }
    for (const { builder } of st.stores) {
      const changelog = internalTopicName(applicationId, `${builder.name}-changelog`);
      prepare(builder.keySerde, changelog, true);
      prepare(builder.valueSerde, changelog, false);
    }
  }
  await Promise.all(jobs);
}
