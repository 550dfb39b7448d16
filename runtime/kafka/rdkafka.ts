/**
 * Typed, promise-returning access to the low-level (node-rdkafka style) clients of @confluentinc/kafka-javascript.
 *
 * Why not the KafkaJS-compatible API for the stream thread's consumer and the worker's producer (measured/read in
 * lib/kafkajs/*.js of 1.10.1, see docs/kafka-client-notes.md):
 * - its consumer is push-based (`run({ eachBatch })`) with an internal message cache; pause/seek become deferred
 *   "pending operations" that restart its workers, so the runtime cannot own the poll loop;
 * - its transactional errors lose librdkafka's classification: `createKafkaJsErrorFromLibRdKafkaError` reads
 *   `.fatal`/`.abortable` from a LibrdKafkaError that carries `isFatal`/`isTxnRequiresAbort`, so a fenced producer
 *   reports `fatal: false`;
 * - its `send()` creates a promise per record, and commit/abort/initTransactions use fixed 5 s timeouts.
 * The admin client needs none of that and stays on the KafkaJS-compatible API (topic-admin.ts).
 */
import { RdKafka } from '@confluentinc/kafka-javascript';

export type LibrdKafkaError = RdKafka.LibrdKafkaError;
export type RdMessage = RdKafka.Message;
export type RdTopicPartition = RdKafka.TopicPartition;
export type RdTopicPartitionOffset = RdKafka.TopicPartitionOffset;
export type RdCommittedOffset = RdKafka.TopicPartitionOffsetAndMetadata;
export type ConsumerConfig = RdKafka.ConsumerGlobalConfig & RdKafka.ConsumerTopicConfig;
export type ProducerConfig = RdKafka.ProducerGlobalConfig & RdKafka.ProducerTopicConfig;

/** librdkafka's error codes (`CODES.ERRORS`), e.g. `ERR__FENCED`. */
export const ErrorCodes: Record<string, number> = (
  RdKafka as unknown as { CODES: { ERRORS: Record<string, number> } }
).CODES.ERRORS;

/** Logical offsets librdkafka understands in assign/seek. */
export const OFFSET_BEGINNING = -2;
export const OFFSET_END = -1;
export const OFFSET_INVALID = -1001;

/** Members the package implements on KafkaConsumer but does not declare in types/rdkafka.d.ts. */
interface UndeclaredConsumerMembers {
  assignmentLost(): boolean;
  rebalanceProtocol(): 'NONE' | 'EAGER' | 'COOPERATIVE';
  setDefaultIsTimeoutOnlyForFirstMessage(value: boolean): void;
  incrementalAssign(partitions: RdKafka.Assignment[]): void;
  incrementalUnassign(partitions: RdKafka.TopicPartition[]): void;
}

export type NativeConsumer = RdKafka.KafkaConsumer & UndeclaredConsumerMembers;
export type NativeProducer = RdKafka.Producer;

export function createNativeConsumer(config: ConsumerConfig): NativeConsumer {
  return new RdKafka.KafkaConsumer(config) as NativeConsumer;
}

export function createNativeProducer(config: ProducerConfig): NativeProducer {
  return new RdKafka.Producer(config);
}

/** Turns a node-style callback API into a promise. */
export function call<T = void>(invoke: (callback: (err: unknown, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    invoke((err, value) => (err ? reject(err) : resolve(value as T)));
  });
}

export function connect(client: NativeConsumer | NativeProducer, timeoutMs: number): Promise<void> {
  // Metadata of locally known topics only: connecting must not cost a full-cluster metadata request.
  return call((cb) => client.connect({ allTopics: false, timeout: timeoutMs }, (err) => cb(err)));
}

export function disconnect(client: NativeConsumer | NativeProducer): Promise<void> {
  return call((cb) => client.disconnect((err) => cb(err)));
}
