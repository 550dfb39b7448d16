// Helpers for integration tests: the broker address, unique names, and small producer/consumer/admin utilities built
// on the same client the runtime uses (@confluentinc/kafka-javascript, KafkaJS-compatible API).
import { randomUUID } from 'node:crypto';
import { KafkaJS } from '@confluentinc/kafka-javascript';

export type Kafka = KafkaJS.Kafka;

/** The broker under test: KAFKA_BOOTSTRAP_SERVERS, which the integration global setup always sets. */
export function bootstrapServers(): string {
  const servers = process.env.KAFKA_BOOTSTRAP_SERVERS;
  if (!servers)
    throw new Error(
      'KAFKA_BOOTSTRAP_SERVERS is not set: run integration tests through vitest (global setup)',
    );
  return servers;
}

/** A name no other test (or earlier run) uses: tests never see each other's topics, groups or transactional ids. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export function kafkaClient(brokers: string = bootstrapServers()): Kafka {
  return new KafkaJS.Kafka({ kafkaJS: { brokers: brokers.split(','), logLevel: KafkaJS.logLevel.ERROR } });
}

export async function createTopics(
  kafka: Kafka,
  topics: ReadonlyArray<{
    topic: string;
    numPartitions?: number;
    replicationFactor?: number;
    /** Topic configs, e.g. `{ 'min.insync.replicas': '2' }`. */
    configs?: Record<string, string>;
  }>,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: topics.map((t) => ({
        topic: t.topic,
        numPartitions: t.numPartitions ?? 1,
        ...(t.replicationFactor ? { replicationFactor: t.replicationFactor } : {}),
        ...(t.configs
          ? { configEntries: Object.entries(t.configs).map(([name, value]) => ({ name, value })) }
          : {}),
      })),
    });
  } finally {
    await admin.disconnect();
  }
}

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  timestamp: number;
  headers: Record<string, string>;
}

/** The client's message as plain strings (the form tests compare). */
export function toConsumedRecord(
  topic: string,
  partition: number,
  message: KafkaJS.KafkaMessage,
): ConsumedRecord {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = String(v);
  return {
    topic,
    partition,
    offset: Number(message.offset),
    key: message.key ? message.key.toString() : null,
    value: message.value ? message.value.toString() : null,
    timestamp: Number(message.timestamp),
    headers,
  };
}

/**
 * Reads a topic from the beginning with a fresh group until `count` records arrived (or `timeoutMs` passed, then
 * returns what it has). Read-committed unless `readUncommitted`.
 */
export async function consumeAll(
  kafka: Kafka,
  topic: string,
  options: { count?: number; timeoutMs?: number; readUncommitted?: boolean; idleMs?: number } = {},
): Promise<ConsumedRecord[]> {
  const {
    count = Number.POSITIVE_INFINITY,
    timeoutMs = 30_000,
    readUncommitted = false,
    idleMs = 3_000,
  } = options;
  const consumer = kafka.consumer({
    'isolation.level': readUncommitted ? 'read_uncommitted' : 'read_committed',
    kafkaJS: { groupId: uniqueName('reader'), fromBeginning: true, autoCommit: false },
  });
  const out: ConsumedRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic] });
    let lastArrival = Date.now();
    const started = Date.now();
    void consumer.run({
      eachMessage: async ({ topic: t, partition, message }) => {
        lastArrival = Date.now();
        out.push(toConsumedRecord(t, partition, message));
      },
    });
    // Stop at the expected count, at the timeout, or (without a count) once the topic went quiet for idleMs.
    while (out.length < count && Date.now() - started < timeoutMs) {
      if (count === Number.POSITIVE_INFINITY && out.length > 0 && Date.now() - lastArrival > idleMs) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await consumer.disconnect();
  }
  return out;
}

const END_MARKER_HEADER = 'tributary-test-end-marker';

/**
 * Reads a whole topic without guessing when it is complete: appends one end marker to every partition (call it
 * after everything the test wrote was acknowledged or its transaction finished) and reads from the beginning with a
 * fresh group until each partition's marker arrived. Returns every record before the markers, markers excluded.
 * Because the markers come last in each partition's log, the result is the partition's full content: a duplicate
 * or a stray record cannot hide behind an idle timeout. Read-committed by default, where a marker is only delivered
 * once every earlier transaction on its partition has completed. Throws if a marker does not arrive in `timeoutMs`.
 */
export async function consumeToEnd(
  kafka: Kafka,
  topic: string,
  options: { readUncommitted?: boolean; timeoutMs?: number } = {},
): Promise<ConsumedRecord[]> {
  const { readUncommitted = false, timeoutMs = 60_000 } = options;
  const admin = kafka.admin();
  await admin.connect();
  let partitions: number[];
  try {
    const [metadata] = await admin.fetchTopicMetadata({ topics: [topic] });
    partitions = metadata.partitions.map((p) => p.partitionId).sort((a, b) => a - b);
  } finally {
    await admin.disconnect();
  }

  const markerId = randomUUID();
  const producer = kafka.producer({ 'enable.idempotence': true, 'linger.ms': 0 });
  await producer.connect();
  try {
    await producer.send({
      topic,
      messages: partitions.map((partition) => ({
        partition,
        key: null,
        value: null,
        headers: { [END_MARKER_HEADER]: markerId },
      })),
    });
  } finally {
    await producer.disconnect();
  }

  const consumer = kafka.consumer({
    'isolation.level': readUncommitted ? 'read_uncommitted' : 'read_committed',
    kafkaJS: { groupId: uniqueName('reader'), fromBeginning: true, autoCommit: false },
  });
  const out: ConsumedRecord[] = [];
  const pending = new Set(partitions);
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic] });
    void consumer.run({
      eachMessage: async ({ topic: t, partition, message }) => {
        const marker = message.headers?.[END_MARKER_HEADER];
        if (marker === undefined) {
          if (pending.has(partition)) out.push(toConsumedRecord(t, partition, message));
        } else if (String(marker) === markerId) {
          pending.delete(partition);
        }
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (pending.size > 0) {
      if (Date.now() > deadline)
        throw new Error(
          `consumeToEnd: no end marker from partition(s) ${[...pending].join(', ')} of ${topic} within ${timeoutMs} ms`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await consumer.disconnect();
  }
  return out;
}
