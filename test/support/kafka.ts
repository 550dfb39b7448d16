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
  topics: ReadonlyArray<{ topic: string; numPartitions?: number; replicationFactor?: number }>,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: topics.map((t) => ({
        topic: t.topic,
        numPartitions: t.numPartitions ?? 1,
        ...(t.replicationFactor ? { replicationFactor: t.replicationFactor } : {}),
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
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {}))
          if (v !== undefined) headers[k] = String(v);
        out.push({
          topic: t,
          partition,
          offset: Number(message.offset),
          key: message.key ? message.key.toString() : null,
          value: message.value ? message.value.toString() : null,
          timestamp: Number(message.timestamp),
          headers,
        });
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
