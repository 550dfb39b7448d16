// What the topology needs from the cluster before a worker joins its group: every user topic it reads or writes
// exists, co-partitioned inputs line up, and the repartition and changelog topics exist with the partition counts the
// partition plan derives (Kafka Streams' InternalTopicManager + RepartitionTopics, run by every worker at start:
// creation is idempotent and tolerates a concurrent creator).
import type { Logger } from '../../common/logger.js';
import { type PartitionPlan, resolvePartitions } from '../../operators/graph/partition-resolver.js';
import { internalTopicName, type Subtopology, type Topology } from '../../operators/graph/topology.js';
import type { InternalTopicSpec } from './internal-topic-config.js';
import type { TopicAdmin } from './topic-admin.js';

const MISSING_TOPIC_GRACE_MS = 2_000;

export class MissingTopicsError extends Error {
  constructor(
    readonly topics: readonly string[],
    role: string,
  ) {
    super(
      `${role} ${topics.length === 1 ? 'topic does' : 'topics do'} not exist: ${topics.join(', ')}. Create ${topics.length === 1 ? 'it' : 'them'} before starting the application`,
    );
    this.name = 'MissingTopicsError';
  }
}

/** The topics of one application on the cluster, by physical name. */
export interface TopicLayout {
  readonly plan: PartitionPlan;
  /** Partition count of every topic the topology touches (physical names), sink topics included. */
  readonly partitionCounts: ReadonlyMap<string, number>;
  /** Topics the stream thread's consumer subscribes to (sources and repartition topics). */
  readonly subscribedTopics: readonly string[];
  /** Sub-topology reading each subscribed topic. */
  readonly subtopologyOf: ReadonlyMap<string, Subtopology>;
  /** Repartition topics (physical names): their consumed records are purged after commits. */
  readonly repartitionTopics: ReadonlySet<string>;
  /** Topics feeding global stores. */
  readonly globalTopics: readonly string[];
  /** Internal topics this start created. */
  readonly created: readonly string[];
}

export interface TopicSetupOptions {
  readonly applicationId: string;
  readonly replicationFactor?: number;
  /** Extra topics that must exist (dead-letter topics). */
  readonly deadLetterTopics?: readonly string[];
  readonly logger: Logger;
}

export async function prepareTopics(
  admin: TopicAdmin,
  topology: Topology,
  options: TopicSetupOptions,
): Promise<TopicLayout> {
  const { applicationId } = options;
  const physical = (topic: string, internal: boolean) =>
    internal ? internalTopicName(applicationId, topic) : topic;
  const sources = unique(topology.sourceTopics());
  const globals = unique(topology.globalTopics());
  const sinks = unique(
    topology.subtopologies.flatMap((st) =>
      st.sinks.filter((s) => typeof s.topic === 'string' && !s.internal).map((s) => s.topic as string),
    ),
  );
  const dlq = unique([...(options.deadLetterTopics ?? [])]);
  const counts = await existingTopics(admin, unique([...sources, ...globals, ...sinks, ...dlq]));
  const missingInputs = [...sources, ...globals].filter((t) => !counts.has(t));
  if (missingInputs.length > 0) throw new MissingTopicsError(missingInputs, 'source');
  const missingOutputs = sinks.filter((t) => !counts.has(t));
  if (missingOutputs.length > 0) throw new MissingTopicsError(missingOutputs, 'output');
  const missingDlq = dlq.filter((t) => !counts.has(t));
  if (missingDlq.length > 0) throw new MissingTopicsError(missingDlq, 'dead-letter');

  const plan = resolvePartitions(topology, (topic) => counts.get(topic));
  const specs: InternalTopicSpec[] = topology.internalTopics.map((def) => {
    const partitions = plan.topics.get(def.name) as number;
    return {
      name: internalTopicName(applicationId, def.name),
      partitions,
      type: def.type,
      ...(options.replicationFactor ? { replicationFactor: options.replicationFactor } : {}),
      config:
        def.type === 'repartition'
          ? // Records keep their event timestamps: time-based retention would delete replayed or late records before
            // they are processed. Consumed records are purged after commits instead (Kafka Streams does the same).
            { ...def.config, 'retention.ms': '-1' }
          : def.config,
    };
  });
  const created = await admin.ensureInternalTopics(specs);
  if (created.length > 0) options.logger.info({ topics: created }, 'created internal topics');

  const partitionCounts = new Map<string, number>(counts);
  for (const spec of specs) partitionCounts.set(spec.name, spec.partitions);
  const subtopologyOf = new Map<string, Subtopology>();
  for (const st of topology.subtopologies) {
    for (const s of st.sources) for (const t of s.topics) subtopologyOf.set(physical(t, s.internal), st);
    warnSplitTasks(st, plan, options.logger);
  }
  return {
    plan,
    partitionCounts,
    subscribedTopics: [...subtopologyOf.keys()],
    subtopologyOf,
    repartitionTopics: new Set(
      topology.internalTopics
        .filter((t) => t.type === 'repartition')
        .map((t) => internalTopicName(applicationId, t.name)),
    ),
    globalTopics: globals,
    created,
  };
}

/**
 * The consumer's range assignor keeps partition p of topics with equal partition counts on one worker. A stateful
 * sub-topology reading topics of different sizes (not co-partitioned) can see its task's partitions land on two
 * workers with several of them; say so, since librdkafka offers no custom assignor to prevent it.
 */
function warnSplitTasks(st: Subtopology, plan: PartitionPlan, logger: Logger): void {
  if (st.stores.length === 0) return;
  const sizes = new Set(st.sources.flatMap((s) => s.topics.map((t) => plan.topics.get(t))));
  if (sizes.size > 1) {
    logger.warn(
      { subtopology: st.id, topics: st.sources.flatMap((s) => s.topics) },
      'a stateful sub-topology reads topics with different partition counts: with several workers the range assignor may split its tasks; repartition the inputs to equal counts',
    );
  }
}

/**
 * Partition counts of the topics that exist. A topic created a moment ago may not be in the broker's metadata yet:
 * missing ones are looked up again for a short while before they count as missing.
 */
async function existingTopics(admin: TopicAdmin, topics: readonly string[]): Promise<Map<string, number>> {
  const deadline = Date.now() + MISSING_TOPIC_GRACE_MS;
  for (;;) {
    const counts = await admin.partitionCounts(topics);
    if (counts.size === topics.length || Date.now() >= deadline) return counts;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function unique(list: readonly string[]): string[] {
  return [...new Set(list)];
}
