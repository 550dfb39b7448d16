/**
 * The admin operations the runtime needs: creating internal topics idempotently, reading partition counts (and
 * checking co-partitioning on them), offsets by position or timestamp (replay, backfill, restoration ends) and
 * purging consumed repartition records. Built on the KafkaJS-compatible Admin, which covers all of it.
 *
 * Not covered by the client: describing topic configs (no describeConfigs in 1.10.1), so an existing internal topic
 * is only checked for its partition count, not for its cleanup policy.
 */
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { type KafkaConnectionOptions, kafkaJsClient } from './client-config.js';
import { verifyCopartitioned } from './copartitioning.js';
import type { PartitionOffset } from './delivery-tracker.js';
import { type InternalTopicSpec, internalTopicConfig } from './internal-topic-config.js';

/** Kafka's UNKNOWN_TOPIC_OR_PARTITION error code. */
const UNKNOWN_TOPIC_OR_PARTITION = 3;

export class InternalTopicMismatchError extends Error {
  constructor(
    readonly topic: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(
      `internal topic ${topic} exists with ${actual} partitions but the topology needs ${expected}: ` +
        'reset the application (delete its internal topics) before running it with this topology',
    );
    this.name = 'InternalTopicMismatchError';
  }
}

export interface TopicAdminOptions extends KafkaConnectionOptions {
  /** Per admin request. Default 10000. */
  readonly requestTimeoutMs?: number;
}

export class TopicAdmin {
  readonly #admin: KafkaJS.Admin;
  readonly #timeout: number;

  private constructor(admin: KafkaJS.Admin, timeoutMs: number) {
    this.#admin = admin;
    this.#timeout = timeoutMs;
  }

  static async connect(options: TopicAdminOptions): Promise<TopicAdmin> {
    const admin = kafkaJsClient(options).admin();
    await admin.connect();
    return new TopicAdmin(admin, options.requestTimeoutMs ?? 10_000);
  }

  async close(): Promise<void> {
    await this.#admin.disconnect();
  }

  /** Partition count per existing topic; topics that do not exist are absent from the map. */
  async partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (topics.length === 0) return counts;
    const existing = new Set(await this.#admin.listTopics({ timeout: this.#timeout }));
    const present = [...new Set(topics)].filter((t) => existing.has(t));
    if (present.length === 0) return counts;
    const metadata = await this.#admin.fetchTopicMetadata({ topics: present, timeout: this.#timeout });
    for (const topic of metadata) counts.set(topic.name, topic.partitions.length);
    return counts;
  }

  /**
   * Creates the internal topics that do not exist yet, with their configs; an existing one must have the expected
   * partition count. Safe when several workers of one application start at once (a topic another worker creates
   * meanwhile counts as existing). Returns the topics that were missing when the call started.
   */
  async ensureInternalTopics(specs: readonly InternalTopicSpec[]): Promise<string[]> {
    if (specs.length === 0) return [];
    const before = await this.partitionCounts(specs.map((s) => s.name));
    const missing = specs.filter((s) => !before.has(s.name));
    if (missing.length > 0) {
      // Topics another worker created meanwhile come back as "already exists", which createTopics tolerates.
      await this.#admin.createTopics({
        timeout: this.#timeout,
        topics: missing.map((spec) => ({
          topic: spec.name,
          numPartitions: spec.partitions,
          ...(spec.replicationFactor ? { replicationFactor: spec.replicationFactor } : {}),
          configEntries: Object.entries(internalTopicConfig(spec)).map(([name, value]) => ({ name, value })),
        })),
      });
    }
    const after = await this.#awaitTopics(specs.map((s) => s.name));
    for (const spec of specs) {
      const actual = after.get(spec.name) as number;
      if (actual !== spec.partitions)
        throw new InternalTopicMismatchError(spec.name, spec.partitions, actual);
    }
    return missing.map((s) => s.name);
  }

  /** Reads the partition counts of each group's topics and throws CopartitionMismatchError naming the bad groups. */
  async verifyCopartitioned(groups: ReadonlyArray<ReadonlyArray<string>>): Promise<void> {
    verifyCopartitioned(groups, await this.partitionCounts(groups.flat()));
  }

  /** First offset still in the log, per partition. */
  async beginningOffsets(topic: string): Promise<PartitionOffset[]> {
    const offsets = await this.#admin.fetchTopicOffsets(topic, {
      timeout: this.#timeout,
      isolationLevel: KafkaJS.IsolationLevel.READ_UNCOMMITTED,
    });
    return offsets.map((o) => ({ topic, partition: o.partition, offset: Number(o.low) }));
  }

  /**
   * Offset after the last record per partition. readCommitted (default): the last stable offset, which stops before
   * the first open transaction; this is where a read_committed reader is caught up.
   */
  async endOffsets(topic: string, options: { readCommitted?: boolean } = {}): Promise<PartitionOffset[]> {
    const offsets = await this.#admin.fetchTopicOffsets(topic, {
      timeout: this.#timeout,
      isolationLevel:
        options.readCommitted === false
          ? KafkaJS.IsolationLevel.READ_UNCOMMITTED
          : KafkaJS.IsolationLevel.READ_COMMITTED,
    });
    return offsets.map((o) => ({ topic, partition: o.partition, offset: Number(o.high) }));
  }

  /** Per partition, the first offset whose record timestamp is >= `timestamp`; the end offset when there is none. */
  async offsetsForTimestamp(topic: string, timestamp: number): Promise<PartitionOffset[]> {
    const offsets = await this.#admin.fetchTopicOffsetsByTimestamp(topic, timestamp, {
      timeout: this.#timeout,
      isolationLevel: KafkaJS.IsolationLevel.READ_COMMITTED,
    });
    return offsets.map((o) => ({ topic, partition: o.partition, offset: Number(o.offset) }));
  }

  /**
   * Deletes the records before the given offsets (exclusive): the purge of repartition topics after their
   * consumed offsets were committed, as Kafka Streams does.
   */
  async deleteRecordsBefore(offsets: readonly PartitionOffset[]): Promise<void> {
    const byTopic = new Map<string, Array<{ partition: number; offset: string }>>();
    for (const o of offsets) {
      let list = byTopic.get(o.topic);
      if (!list) {
        list = [];
        byTopic.set(o.topic, list);
      }
      list.push({ partition: o.partition, offset: String(o.offset) });
    }
    await Promise.all(
      [...byTopic].map(([topic, partitions]) =>
        this.#admin.deleteTopicRecords({ topic, partitions, timeout: this.#timeout }),
      ),
    );
  }

  async deleteTopics(topics: readonly string[]): Promise<void> {
    if (topics.length === 0) return;
    await this.#admin.deleteTopics({ topics: [...topics], timeout: this.#timeout });
  }

  /** Newly created topics take a moment to show in metadata: wait until all are described. */
  async #awaitTopics(topics: readonly string[]): Promise<Map<string, number>> {
    const deadline = Date.now() + this.#timeout;
    for (;;) {
      let counts: Map<string, number>;
      try {
        counts = await this.partitionCounts(topics);
      } catch (e) {
        // Listed by one broker, not yet described by the one asked (measured on the 3-broker cluster).
        if ((e as { code?: number }).code !== UNKNOWN_TOPIC_OR_PARTITION || Date.now() > deadline) throw e;
        counts = new Map();
      }
      if (topics.every((t) => counts.has(t))) return counts;
      if (Date.now() > deadline) {
        const absent = topics.filter((t) => !counts.has(t));
        throw new Error(
          `topics not visible in metadata ${this.#timeout} ms after creation: ${absent.join(', ')}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
