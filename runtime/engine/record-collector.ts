import type { Headers } from '../../operators/api/record.js';

/** A serialized record on its way to a topic. */
export interface OutputRecord {
  /** Physical topic name. */
  readonly topic: string;
  /** Explicit partition (from a StreamPartitioner); undefined lets the producer's murmur2 partitioner choose by key. */
  readonly partition?: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: number;
  readonly headers: Headers;
}

/**
 * Where sinks send their records: the Kafka producer inside the current transaction (runtime), or in-memory topics
 * (test driver). Fire-and-forget: send errors surface at commit, through the production exception handler.
 */
export interface RecordCollector {
  send(record: OutputRecord): void;
  /** Partition count of a topic when known (needed by custom partitioners). */
  partitionsFor(topic: string): number | undefined;
}
