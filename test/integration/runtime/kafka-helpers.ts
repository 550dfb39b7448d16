// Small helpers shared by the runtime/kafka integration tests: connection options, writing input, polling until a
// condition holds.
import type { PartitionRecords } from '../../../runtime/kafka/records.js';
import type { StreamConsumer } from '../../../runtime/kafka/stream-consumer.js';
import { StreamProducer } from '../../../runtime/kafka/stream-producer.js';
import { TopicAdmin } from '../../../runtime/kafka/topic-admin.js';
import { bootstrapServers, kafkaClient } from '../../support/kafka.js';

export function connection(clientId?: string) {
  return { bootstrapServers: bootstrapServers(), ...(clientId ? { clientId } : {}) };
}

export async function withAdmin<T>(use: (admin: TopicAdmin) => Promise<T>): Promise<T> {
  const admin = await TopicAdmin.connect(connection());
  try {
    return await use(admin);
  } finally {
    await admin.close();
  }
}

/** A user topic (broker defaults plus `config`). */
export async function createTopic(name: string, partitions: number, config: Record<string, string> = {}) {
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [
        {
          topic: name,
          numPartitions: partitions,
          configEntries: Object.entries(config).map(([k, v]) => ({ name: k, value: v })),
        },
      ],
    });
  } finally {
    await admin.disconnect();
  }
}

/** Writes `count` records per partition, keys `k<p>-<i>` and values `v<p>-<i>`, acknowledged before returning. */
export async function writeInput(topic: string, partitions: number, count: number, timestamp = Date.now()) {
  const producer = await StreamProducer.create(connection());
  try {
    for (let p = 0; p < partitions; p++) {
      for (let i = 0; i < count; i++) {
        producer.send({
          topic,
          partition: p,
          key: Buffer.from(`k${p}-${i}`),
          value: Buffer.from(`v${p}-${i}`),
          timestamp: timestamp + i,
        });
      }
    }
    await producer.flush();
  } finally {
    await producer.close();
  }
}

/** Polls until `done(all records so far)` holds or `timeoutMs` passes; returns everything polled. */
export async function pollUntil(
  consumer: StreamConsumer,
  done: (batches: PartitionRecords[]) => boolean,
  timeoutMs = 30_000,
  pollMs = 100,
): Promise<PartitionRecords[]> {
  const all: PartitionRecords[] = [];
  const deadline = Date.now() + timeoutMs;
  while (!done(all)) {
    if (Date.now() > deadline) throw new Error(`pollUntil: condition not met within ${timeoutMs} ms`);
    all.push(...(await consumer.poll(pollMs)));
  }
  return all;
}

export function recordCount(batches: readonly PartitionRecords[]): number {
  return batches.reduce((n, b) => n + b.records.length, 0);
}

/** Next offset to consume per partition after these batches (last offset + 1). */
export function nextOffsets(batches: readonly PartitionRecords[]) {
  const next = new Map<string, { topic: string; partition: number; offset: number }>();
  for (const b of batches) {
    const last = b.records[b.records.length - 1];
    const key = `${b.topic}/${b.partition}`;
    const previous = next.get(key);
    if (!previous || previous.offset < last.offset + 1) {
      next.set(key, { topic: b.topic, partition: b.partition, offset: last.offset + 1 });
    }
  }
  return [...next.values()];
}

export const noopListener = {
  onPartitionsRevoked() {},
  onPartitionsAssigned() {},
  onPartitionsLost() {},
};

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
