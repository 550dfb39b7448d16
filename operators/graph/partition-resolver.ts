// Derives the partition counts of internal topics and the number of tasks per sub-topology from the partition counts
// of the user's topics, and enforces co-partitioning of joined inputs (Kafka Streams' RepartitionTopics and
// CopartitionedTopicsEnforcer).
import type { Topology } from './topology.js';

export class CopartitioningError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CopartitioningError';
  }
}

export interface PartitionPlan {
  /** Partition count per topic, user topics and internal topics (logical names) alike. */
  readonly topics: ReadonlyMap<string, number>;
  /** Number of tasks (= max partitions of its sources) per sub-topology id. */
  readonly tasks: ReadonlyMap<number, number>;
}

/** `partitionsOf` answers for user topics; undefined means the topic does not exist. */
export function resolvePartitions(
  topology: Topology,
  partitionsOf: (topic: string) => number | undefined,
): PartitionPlan {
  const counts = new Map<string, number>();
  const internal = new Set(topology.internalTopics.map((t) => t.name));
  for (const st of topology.subtopologies) {
    for (const source of st.sources) {
      if (source.internal) continue;
      for (const topic of source.topics) {
        const n = partitionsOf(topic);
        if (n === undefined)
          throw new Error(`source topic '${topic}' does not exist: create it before starting`);
        counts.set(topic, n);
      }
    }
  }
  for (const t of topology.internalTopics) {
    if (t.type === 'repartition' && t.partitions !== undefined) counts.set(t.name, t.partitions);
  }

  const tasksOf = (stId: number): number | undefined => {
    const st = topology.subtopologies[stId];
    let max = 0;
    for (const s of st.sources) {
      for (const topic of s.topics) {
        const n = counts.get(topic);
        if (n === undefined) return undefined;
        max = Math.max(max, n);
      }
    }
    return max;
  };

  // Fixpoint: a repartition topic gets the max task count of the sub-topologies writing to it; co-partitioned
  // repartition topics follow the user topics of their group.
  for (let changed = true; changed; ) {
    changed = false;
    for (const t of topology.internalTopics) {
      if (t.type !== 'repartition' || counts.has(t.name)) continue;
      const writers = topology.subtopologies.filter((st) => st.sinks.some((s) => s.topic === t.name));
      const writerTasks = writers.map((w) => tasksOf(w.id));
      if (writerTasks.length > 0 && writerTasks.every((n) => n !== undefined)) {
        counts.set(t.name, Math.max(...(writerTasks as number[])));
        changed = true;
      }
    }
    for (const st of topology.subtopologies) {
      for (const group of st.copartitionGroups) {
        const fixed = group.filter((topic) => !internal.has(topic) || hasFixedCount(topology, topic));
        const target = fixed.length > 0 ? counts.get(fixed[0]) : undefined;
        if (target === undefined) continue;
        for (const topic of group) {
          if (fixed.includes(topic) || counts.get(topic) === target) continue;
          counts.set(topic, target);
          changed = true;
        }
      }
    }
  }

  for (const st of topology.subtopologies) {
    for (const group of st.copartitionGroups) {
      const sizes = group.map((topic) => [topic, counts.get(topic)] as const);
      if (new Set(sizes.map(([, n]) => n)).size > 1) {
        throw new CopartitioningError(
          `topics joined in sub-topology ${st.id} must have the same number of partitions: ${sizes
            .map(([topic, n]) => `${topic} (${n})`)
            .join(
              ', ',
            )}. Repartition one side (stream.repartition({ numberOfPartitions })) or recreate the topic.`,
        );
      }
    }
  }

  const tasks = new Map<number, number>();
  for (const st of topology.subtopologies) {
    const n = tasksOf(st.id);
    if (n === undefined)
      throw new Error(`cannot derive the partition count of sub-topology ${st.id}'s sources`);
    tasks.set(st.id, n);
  }
  for (const t of topology.internalTopics) {
    if (t.type === 'changelog') counts.set(t.name, tasks.get(t.subtopology as number) as number);
  }
  return { topics: counts, tasks };
}

function hasFixedCount(topology: Topology, topic: string): boolean {
  return topology.internalTopics.some((t) => t.name === topic && t.partitions !== undefined);
}
