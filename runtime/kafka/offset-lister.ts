/**
 * Start and end offsets of partitions, through an admin client that shares an existing producer's or consumer's
 * connections (one ListOffsets request per leader for all partitions).
 *
 * Why not the clients' own `queryWatermarkOffsets`: librdkafka 2.15 answered it, right after a transaction commit,
 * with a high watermark from before the commit in 4 of 40 tries (and once with 0), while ListOffsets through the
 * admin API was right 40 of 40 times (measured). An end offset that is too low would end a restoration early.
 */
import { RdKafka } from '@confluentinc/kafka-javascript';
import type { PartitionOffset } from './delivery-tracker.js';
import { call, ErrorCodes, type NativeConsumer, type NativeProducer } from './rdkafka.js';
import type { TopicPartition } from './records.js';

export class OffsetLister {
  readonly #client: NativeConsumer | NativeProducer;
  readonly #admin: RdKafka.IAdminClient;
  readonly #timeoutMs: number;
  readonly #retryForMs: number;

  /**
   * `timeoutMs` bounds one request; leader changes are retried for `retryForMs` (default 30 s: a broker killed
   * outright loses its leaderships only after the controller's broker session timeout, 9 s by default).
   */
  constructor(
    client: NativeConsumer | NativeProducer,
    timeoutMs: number,
    retryForMs = Math.max(timeoutMs, 30_000),
  ) {
    this.#client = client;
    this.#admin = RdKafka.AdminClient.createFrom(client);
    this.#timeoutMs = timeoutMs;
    this.#retryForMs = retryForMs;
  }

  /**
   * 'earliest': the log start offset. 'latest': the high watermark, or with readCommitted the last stable offset
   * (where a read_committed reader has seen everything committed). Failures a leader change explains (no leader
   * known yet, not the leader any more, broker gone) are retried for `retryForMs`: when a broker dies, its
   * partitions have no leader for the few seconds before the controller elects new ones (measured on the 3-broker
   * cluster: ERR__NOENT from the admin client), and that must not stop a worker.
   *
   * Before each retry the partitions' metadata is fetched again. librdkafka's ListOffsets drops cached metadata only
   * on NOT_LEADER_OR_FOLLOWER and LEADER_NOT_AVAILABLE (rd_kafka_admin_result_err_refresh in rdkafka_admin.c), so
   * after leadership left a broker and came back to it, every retry sent the cached, older leader epoch to the right
   * broker and got FENCED_LEADER_EPOCH until the retries ran out: a worker stopped that way on the 3-broker cluster.
   */
  async list(
    partitions: readonly TopicPartition[],
    spec: 'earliest' | 'latest',
    readCommitted: boolean,
  ): Promise<PartitionOffset[]> {
    if (partitions.length === 0) return [];
    const deadline = Date.now() + this.#retryForMs;
    for (;;) {
      try {
        return await this.#listOnce(partitions, spec, readCommitted);
      } catch (error) {
        if (!isLeaderChange(error) || Date.now() + RETRY_BACKOFF_MS >= deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, RETRY_BACKOFF_MS));
        await this.#refreshMetadata(partitions);
      }
    }
  }

  /**
   * Asks a broker for the topics' metadata: librdkafka puts what an application's metadata request returns into the
   * client's cache, which the admin client shares (allTopics must be false, or the binding asks for every topic).
   * Failures are left to the next attempt.
   */
  async #refreshMetadata(partitions: readonly TopicPartition[]): Promise<void> {
    const topics = new Set(partitions.map((tp) => tp.topic));
    await Promise.all(
      [...topics].map((topic) =>
        call<RdKafka.Metadata>((cb) =>
          this.#client.getMetadata({ topic, allTopics: false, timeout: this.#timeoutMs }, cb),
        ).catch(() => undefined),
      ),
    );
  }

  async #listOnce(
    partitions: readonly TopicPartition[],
    spec: 'earliest' | 'latest',
    readCommitted: boolean,
  ): Promise<PartitionOffset[]> {
    const offset = spec === 'earliest' ? RdKafka.OffsetSpec.EARLIEST : RdKafka.OffsetSpec.LATEST;
    const results = await call<RdKafka.ListOffsetsResult[]>((cb) =>
      this.#admin.listOffsets(
        partitions.map((tp) => ({ topic: tp.topic, partition: tp.partition, offset })),
        {
          timeout: this.#timeoutMs,
          isolationLevel: readCommitted
            ? RdKafka.IsolationLevel.READ_COMMITTED
            : RdKafka.IsolationLevel.READ_UNCOMMITTED,
        },
        cb,
      ),
    );
    const failed = results.find((r) => r.error);
    if (failed) {
      // Per-partition errors come as plain objects: keep their code and flags, with a message naming the partition.
      const e = failed.error as { message?: string; code?: number; isRetriable?: boolean };
      throw Object.assign(
        new Error(
          `ListOffsets of ${failed.topic}-${failed.partition} failed: ${e.message ?? JSON.stringify(e)}`,
        ),
        { code: e.code, isRetriable: e.isRetriable },
      );
    }
    return results.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.offset }));
  }
}

const RETRY_BACKOFF_MS = 250;

/** Error codes of a partition between leaders (or of its broker being unreachable meanwhile). */
const LEADER_CHANGE = new Set(
  [
    'ERR__NOENT',
    'ERR_LEADER_NOT_AVAILABLE',
    'ERR_NOT_LEADER_FOR_PARTITION',
    'ERR_FENCED_LEADER_EPOCH',
    'ERR_UNKNOWN_LEADER_EPOCH',
    'ERR_OFFSET_NOT_AVAILABLE',
    'ERR_BROKER_NOT_AVAILABLE',
    'ERR_REPLICA_NOT_AVAILABLE',
    'ERR__TRANSPORT',
    'ERR__TIMED_OUT',
    'ERR_REQUEST_TIMED_OUT',
    'ERR__ALL_BROKERS_DOWN',
  ].map((name) => ErrorCodes[name]),
);

function isLeaderChange(error: unknown): boolean {
  const e = error as { code?: number; isRetriable?: boolean } | null;
  return (
    e !== null && typeof e === 'object' && (e.isRetriable === true || LEADER_CHANGE.has(e.code as number))
  );
}
