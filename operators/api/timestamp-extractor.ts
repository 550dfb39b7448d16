/** The record a timestamp extractor sees: deserialized key and value plus where and when Kafka stored it. */
export interface ConsumedRecord<K, V> {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: K;
  readonly value: V;
  /** The timestamp in the Kafka record (create or log-append time). */
  readonly timestamp: number;
}

/**
 * Chooses a record's event time (Kafka Streams' `TimestampExtractor`). `partitionTimeMs` is the largest timestamp seen
 * on the record's partition so far (-1 before the first). A negative or non-finite result means "invalid": the record is
 * skipped, counted and logged (never silently dropped).
 */
export type TimestampExtractor<K = unknown, V = unknown> = (
  record: ConsumedRecord<K, V>,
  partitionTimeMs: number,
) => number;

/** Chooses the partition of an output record; undefined leaves it to the default (murmur2 of the key). */
export type StreamPartitioner<K, V> = (
  topic: string,
  key: K,
  value: V,
  numPartitions: number,
) => number | undefined;

/** Chooses the output topic per record (Kafka Streams' `TopicNameExtractor`). */
export type TopicNameExtractor<K, V> = (key: K, value: V, context: { readonly topic?: string }) => string;
