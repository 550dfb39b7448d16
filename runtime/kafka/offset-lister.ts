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
import { call, type NativeConsumer, type NativeProducer } from './rdkafka.js';
import type { TopicPartition } from './records.js';

export class OffsetLister {
  readonly #admin: RdKafka.IAdminClient;
  readonly #timeoutMs: number;

  constructor(client: NativeConsumer | NativeProducer, timeoutMs: number) {
    this.#admin = RdKafka.AdminClient.createFrom(client);
    this.#timeoutMs = timeoutMs;
  }

  /**
   * 'earliest': the log start offset. 'latest': the high watermark, or with readCommitted the last stable offset
   * (where a read_committed reader has seen everything committed).
   */
  async list(
    partitions: readonly TopicPartition[],
    spec: 'earliest' | 'latest',
    readCommitted: boolean,
  ): Promise<PartitionOffset[]> {
    if (partitions.length === 0) return [];
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
    if (failed) throw failed.error;
    return results.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.offset }));
  }
}
