// Consume -> transform -> produce with the consumed offsets committed inside the producer's transaction
// (sendOffsets with the consumer's group metadata, KIP-447): the loop Tributary's exactly-once runtime is built on.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsumedRecord,
  consumeToEnd,
  createTopics,
  type Kafka,
  kafkaClient,
  toConsumedRecord,
  uniqueName,
} from '../../support/kafka.js';
import { withTimeout } from '../../support/timeout.js';

const PARTITIONS = 2;
const PER_PARTITION = 10;

/** Offsets to commit after processing `records`: one past the last processed record of each partition. */
function offsetsAfter(records: ConsumedRecord[], topic: string) {
  const next = new Map<number, number>();
  for (const r of records) next.set(r.partition, Math.max(next.get(r.partition) ?? 0, r.offset + 1));
  return [
    { topic, partitions: [...next].map(([partition, offset]) => ({ partition, offset: String(offset) })) },
  ];
}

/**
 * One consumer-group member (a "restart" each call): processes the first `perPartition` records it is given from
 * each input partition, then in one transaction writes their upper-cased values to `output` and sends their
 * offsets, and commits or aborts it. Records beyond the quota are ignored (neither processed nor committed).
 */
async function runPipe(
  kafka: Kafka,
  options: {
    groupId: string;
    input: string;
    output: string;
    perPartition: number;
    outcome: 'commit' | 'abort';
  },
): Promise<ConsumedRecord[]> {
  const { groupId, input, output, perPartition, outcome } = options;
  const quota = Array.from({ length: PARTITIONS }, () => perPartition);
  const count = perPartition * PARTITIONS;
  const consumer = kafka.consumer({
    'isolation.level': 'read_committed',
    kafkaJS: { groupId, fromBeginning: true, autoCommit: false },
  });
  const producer = kafka.producer({ kafkaJS: { transactionalId: uniqueName('pipe'), idempotent: true } });
  await Promise.all([consumer.connect(), producer.connect()]);
  const processed: ConsumedRecord[] = [];
  let finish!: (error?: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => {
    finish = (error) => (error ? reject(error) : resolve());
  });
  try {
    await consumer.subscribe({ topics: [input] });
    void consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        if (quota[partition] === 0) return;
        quota[partition]--;
        processed.push(toConsumedRecord(topic, partition, message));
        if (processed.length < count) return;
        try {
          const txn = await producer.transaction();
          await txn.send({
            topic: output,
            messages: processed.map((r) => ({ key: r.key, value: r.value!.toUpperCase() })),
          });
          // Still inside eachMessage: the consumer is a current group member, so its metadata is valid.
          await txn.sendOffsets({ consumer, topics: offsetsAfter(processed, input) });
          if (outcome === 'commit') await txn.commit();
          else await txn.abort();
          finish();
        } catch (error) {
          finish(error);
        }
      },
    });
    await withTimeout(finished, 60_000, `${groupId}: processing ${count} records and ${outcome}`);
  } finally {
    await Promise.all([consumer.disconnect(), producer.disconnect()]);
  }
  return processed;
}

async function committedOffsets(
  kafka: Kafka,
  groupId: string,
  topic: string,
): Promise<Record<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [result] = await admin.fetchOffsets({ groupId, topics: [topic], requireStableOffsets: true });
    return Object.fromEntries(result.partitions.map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

async function endOffsets(kafka: Kafka, topic: string): Promise<Record<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return Object.fromEntries(offsets.map((p) => [p.partition, Number(p.high)]));
  } finally {
    await admin.disconnect();
  }
}

const valuesOf = (records: ConsumedRecord[]) => records.map((r) => r.value!);
const offsetsByPartition = (records: ConsumedRecord[]) => {
  const by: Record<number, number[]> = {};
  for (const r of records) by[r.partition] = [...(by[r.partition] ?? []), r.offset];
  return by;
};

describe('offsets committed in a transaction (sendOffsets with group metadata)', () => {
  let kafka: Kafka;
  const input = uniqueName('foundation-offsets-in');
  const output = uniqueName('foundation-offsets-out');
  const groupId = uniqueName('foundation-offsets-group');
  const inputValues = Array.from(
    { length: PARTITIONS * PER_PARTITION },
    (_, i) => `v${String(i).padStart(2, '0')}`,
  );
  let first: ConsumedRecord[] = [];
  let aborted: ConsumedRecord[] = [];
  let rest: ConsumedRecord[] = [];
  let committedAfterFirst: Record<number, number> = {};

  beforeAll(async () => {
    kafka = kafkaClient();
    await createTopics(kafka, [
      { topic: input, numPartitions: 2 },
      { topic: output, numPartitions: 2 },
    ]);
    const producer = kafka.producer({ 'enable.idempotence': true });
    await producer.connect();
    await producer.send({
      topic: input,
      messages: inputValues.map((value, i) => ({ partition: i % PARTITIONS, key: `k${i}`, value })),
    });
    await producer.disconnect();
  });

  it('commits exactly the offsets of the processed records', async () => {
    first = await runPipe(kafka, { groupId, input, output, perPartition: 4, outcome: 'commit' });
    expect(offsetsByPartition(first)).toEqual({ 0: [0, 1, 2, 3], 1: [0, 1, 2, 3] });
    committedAfterFirst = await committedOffsets(kafka, groupId, input);
    expect(committedAfterFirst).toEqual({ 0: 4, 1: 4 });
  });

  it('offsets sent in an aborted transaction are not committed', async () => {
    aborted = await runPipe(kafka, { groupId, input, output, perPartition: 3, outcome: 'abort' });
    // The member resumed right after the committed offsets...
    expect(offsetsByPartition(aborted)).toEqual({ 0: [4, 5, 6], 1: [4, 5, 6] });
    // ...and its abort left the group's committed offsets where they were.
    expect(await committedOffsets(kafka, groupId, input)).toEqual(committedAfterFirst);
  });

  it('a restarted member resumes exactly after the committed offsets: nothing twice, nothing skipped', async () => {
    rest = await runPipe(kafka, {
      groupId,
      input,
      output,
      perPartition: PER_PARTITION - 4,
      outcome: 'commit',
    });
    // It starts at the committed offsets 4 again, since the aborted member's offsets 4-6 were never committed.
    expect(offsetsByPartition(rest)).toEqual({ 0: [4, 5, 6, 7, 8, 9], 1: [4, 5, 6, 7, 8, 9] });
    expect([...valuesOf(first), ...valuesOf(rest)].sort()).toEqual(inputValues);
    // The aborted batch is processed again (its offsets never committed).
    expect(valuesOf(rest)).toEqual(expect.arrayContaining(valuesOf(aborted)));
    // Everything is committed now: the group's offsets are the partitions' ends.
    expect(await committedOffsets(kafka, groupId, input)).toEqual(await endOffsets(kafka, input));
  });

  it('the output holds each committed result once and nothing of the aborted transaction', async () => {
    const out = await consumeToEnd(kafka, output);
    expect(valuesOf(out).sort()).toEqual(inputValues.map((v) => v.toUpperCase()));
  });
});
