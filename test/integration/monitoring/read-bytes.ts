// Reads a topic's records as bytes (test/support's readers turn values into strings, which breaks Avro).
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import { type Kafka, uniqueName } from '../../support/kafka.js';

export interface BytesRecord {
  readonly topic: string;
  readonly partition: number;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly timestamp: number;
}

/** From the beginning, read_committed, until `count` records arrived; fails after `timeoutMs`. */
export async function readBytes(
  kafka: Kafka,
  topic: string,
  count: number,
  timeoutMs = 30_000,
): Promise<BytesRecord[]> {
  const consumer: KafkaJS.Consumer = kafka.consumer({
    'isolation.level': 'read_committed',
    kafkaJS: { groupId: uniqueName('bytes-reader'), fromBeginning: true, autoCommit: false },
  });
  const out: BytesRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic] });
    void consumer.run({
      eachMessage: async ({ topic: t, partition, message }) => {
        out.push({
          topic: t,
          partition,
          key: message.key === null ? null : message.key.toString(),
          value: message.value,
          timestamp: Number(message.timestamp),
        });
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (out.length < count) {
      if (Date.now() > deadline)
        throw new Error(`${topic}: ${out.length} of ${count} records within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await consumer.disconnect();
  }
  return out;
}
