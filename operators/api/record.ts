/** Kafka record headers, in the shape KafkaJS users know: repeated keys hold arrays. */
export type HeaderValue = Buffer | string;
export type Headers = { [key: string]: HeaderValue | HeaderValue[] | undefined };

/**
 * A record flowing through a topology (Kafka Streams' `Record`; named so that it does not shadow TypeScript's
 * `Record` utility type). Records are immutable: build a new one with spread, `{ ...record, value }`.
 * A null value is a tombstone (a delete, for tables).
 */
export interface StreamRecord<K, V> {
  readonly key: K;
  readonly value: V;
  /** Event time in epoch milliseconds. */
  readonly timestamp: number;
  readonly headers: Headers;
}

/** Where the record being processed came from; absent while a punctuator runs. */
export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

export interface KeyValue<K, V> {
  readonly key: K;
  readonly value: V;
}

/**
 * A window of time in epoch milliseconds, `start` inclusive. `end` is exclusive for time windows (tumbling, hopping)
 * and inclusive for sliding windows and sessions, as in Kafka Streams.
 */
export interface TimeWindow {
  readonly start: number;
  readonly end: number;
}

/** The key of a windowed aggregation: the record key and the window it was aggregated in. */
export interface Windowed<K> {
  readonly key: K;
  readonly window: TimeWindow;
}

/** A value with the timestamp of the record that last updated it (KTable stores keep these). */
export interface ValueAndTimestamp<V> {
  readonly value: V;
  readonly timestamp: number;
}
