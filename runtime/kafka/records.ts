/**
 * The record and partition shapes the Kafka layer hands to the runtime, and conversions from/to librdkafka's.
 * Polled records are the engine's `RawRecord`s, so they go to tasks without copying.
 */
import type { Headers } from '../../operators/api/record.js';
import type { RawRecord } from '../engine/raw-record.js';
import type { RdMessage } from './rdkafka.js';

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** A fetched record, as the engine's tasks take it. */
export type ConsumedRecord = RawRecord;

/** Records of one partition from one poll, in offset order. */
export interface PartitionRecords extends TopicPartition {
  readonly records: ConsumedRecord[];
}

/** Map key for a topic-partition. Partition numbers never contain '\u0000', so the key is unambiguous. */
export function tpKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** Shared by every record without headers: no allocation per record on the hot path. Never mutate. */
const NO_HEADERS: Headers = Object.freeze({}) as Headers;

export function toConsumedRecord(message: RdMessage): ConsumedRecord {
  const key = message.key;
  return {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    key: key === undefined || key === null ? null : typeof key === 'string' ? Buffer.from(key) : key,
    value: message.value ?? null,
    timestamp: message.timestamp ?? -1,
    headers: message.headers && message.headers.length > 0 ? fromRdKafkaHeaders(message.headers) : NO_HEADERS,
  };
}

/**
 * Groups fetched messages per partition (keeping their order, which is offset order within a partition), converted
 * to ConsumedRecords; `accept(message, tpKey)` drops the ones the caller no longer wants.
 */
export function groupByPartition(
  messages: readonly RdMessage[],
  accept: (message: RdMessage, key: string) => boolean,
): PartitionRecords[] {
  const byPartition = new Map<string, PartitionRecords>();
  for (const message of messages) {
    const key = tpKey(message.topic, message.partition);
    if (!accept(message, key)) continue;
    let batch = byPartition.get(key);
    if (!batch) {
      batch = { topic: message.topic, partition: message.partition, records: [] };
      byPartition.set(key, batch);
    }
    batch.records.push(toConsumedRecord(message));
  }
  return [...byPartition.values()];
}

/** librdkafka delivers headers as a list of one-entry objects; repeated keys become arrays (KafkaJS' shape). */
export function fromRdKafkaHeaders(list: ReadonlyArray<Record<string, string | Buffer>>): Headers {
  const headers: Headers = {};
  for (const entry of list) {
    for (const name in entry) {
      const value = entry[name];
      const existing = headers[name];
      if (existing === undefined) headers[name] = value;
      else if (Array.isArray(existing)) existing.push(value);
      else headers[name] = [existing, value];
    }
  }
  return headers;
}

/** Inverse of `fromRdKafkaHeaders`; undefined for no headers (librdkafka then sends none). */
export function toRdKafkaHeaders(
  headers: Headers | undefined,
): Array<Record<string, string | Buffer>> | undefined {
  if (!headers) return undefined;
  let list: Array<Record<string, string | Buffer>> | undefined;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    list ??= [];
    if (Array.isArray(value)) for (const v of value) list.push({ [name]: v });
    else list.push({ [name]: value });
  }
  return list;
}
