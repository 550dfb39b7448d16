// The worker's producer against the real broker: exactly-once v2 transactions (outputs + consumed offsets atomic,
// aborts leave nothing), fencing of zombies (same transactional.id, stale group generation, timed-out
// transaction), the offsets delivery reports give back, at-least-once flushes, and Java-compatible partitioning.
import { describe, expect, it } from 'vitest';
import { KafkaRuntimeError } from '../../../runtime/kafka/kafka-errors.js';
import { partitionForKey } from '../../../runtime/kafka/murmur2.js';
import { StreamConsumer as Consumer, type StreamConsumer } from '../../../runtime/kafka/stream-consumer.js';
import { StreamProducer } from '../../../runtime/kafka/stream-producer.js';
import { consumeToEnd, kafkaClient, uniqueName } from '../../support/kafka.js';
import { withTimeout } from '../../support/timeout.js';
import { JAVA_MURMUR2, PARTITION_COUNTS } from '../../unit/runtime/kafka/java-murmur2-golden.js';
import {
  connection,
  createTopic,
  nextOffsets,
  noopListener,
  pollUntil,
  recordCount,
  sleep,
  withAdmin,
  writeInput,
} from './kafka-helpers.js';

const kafka = kafkaClient();

async function expectKind(
  promise: Promise<unknown>,
  kind: KafkaRuntimeError['kind'],
): Promise<KafkaRuntimeError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KafkaRuntimeError);
  expect((error as KafkaRuntimeError).kind).toBe(kind);
  return error as KafkaRuntimeError;
}

/** Committed offsets of a group for a topic's partitions, read by a fresh admin (not the consumer's cache). */
async function groupOffsets(groupId: string, topic: string): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const entries = await admin.fetchOffsets({ groupId, topics: [topic] });
    const partitions = entries.find((e) => e.topic === topic)?.partitions ?? [];
    return new Map(
      partitions.filter((p) => Number(p.offset) >= 0).map((p) => [p.partition, Number(p.offset)]),
    );
  } finally {
    await admin.disconnect();
  }
}

/** An input with 10 records in each of 2 partitions, an empty 2-partition output, and a group member reading input. */
async function pipeFixture() {
  const input = uniqueName('txp-in');
  const output = uniqueName('txp-out');
  const groupId = uniqueName('txp-group');
  await createTopic(input, 2);
  await createTopic(output, 2);
  await writeInput(input, 2, 10);
  const consumer = await Consumer.create({
    ...connection(),
    groupId,
    topics: [input],
    listener: noopListener,
  });
  const producer = await StreamProducer.create({
    ...connection(),
    transactionalId: uniqueName('txp'),
    trackDeliveredOffsets: true,
  });
  return {
    input,
    output,
    groupId,
    consumer,
    producer,
    close: async () => {
      await producer.close();
      await consumer.close();
    },
  };
}

describe('StreamProducer (exactly-once v2)', () => {
  it('makes outputs and consumed offsets visible together at commit, and reports the last offsets written', async () => {
    const { input, output, groupId, consumer, producer, close } = await pipeFixture();
    try {
      const batches = await pollUntil(consumer, (b) => recordCount(b) >= 20);
      await producer.beginTransaction();
      for (const batch of batches) {
        for (const r of batch.records) {
          producer.send({
            topic: output,
            partition: r.partition,
            key: r.key,
            value: Buffer.from(String(r.value).toUpperCase()),
            timestamp: r.timestamp,
          });
        }
      }
      await producer.sendOffsets({ consumer, offsets: nextOffsets(batches) });
      // Sent and flushed to the log, offsets added to the transaction, but not committed: nothing is visible yet.
      await withAdmin(async (admin) => {
        expect((await admin.endOffsets(output)).map((o) => o.offset)).toEqual([0, 0]);
        expect((await admin.endOffsets(output, { readCommitted: false })).map((o) => o.offset)).toEqual([
          10, 10,
        ]);
      });
      expect(await groupOffsets(groupId, input)).toEqual(new Map());

      await producer.commitTransaction();
      const delivered = producer.deliveredOffsets();
      // The checkpoint position: past every committed record, before anything the next transaction writes.
      const logEnd = await producer.logEndOffsets([0, 1].map((partition) => ({ topic: output, partition })));

      const out = await consumeToEnd(kafka, output);
      expect(out.map((r) => r.value).sort()).toEqual(
        batches.flatMap((b) => b.records.map((r) => String(r.value).toUpperCase())).sort(),
      );
      expect(await groupOffsets(groupId, input)).toEqual(
        new Map([
          [0, 10],
          [1, 10],
        ]),
      );
      // The offsets the delivery reports gave are the offsets of the last records of each partition.
      const lastOffset = (p: number) =>
        Math.max(...out.filter((r) => r.partition === p).map((r) => r.offset));
      expect([...delivered].sort((a, b) => a.partition - b.partition)).toEqual([
        { topic: output, partition: 0, offset: lastOffset(0) },
        { topic: output, partition: 1, offset: lastOffset(1) },
      ]);
      for (const end of logEnd) {
        // After the last record; at most one more offset (the commit marker, once the coordinator wrote it).
        expect(end.offset - lastOffset(end.partition)).toBeGreaterThanOrEqual(1);
        expect(end.offset - lastOffset(end.partition)).toBeLessThanOrEqual(2);
      }
    } finally {
      await close();
    }
  });

  it('leaves neither outputs nor offsets after an abort; a rewind to the committed offsets redoes the work once', async () => {
    const { input, output, groupId, consumer, producer, close } = await pipeFixture();
    try {
      const first = await pollUntil(consumer, (b) => recordCount(b) >= 20);
      await producer.beginTransaction();
      for (const b of first) {
        for (const r of b.records)
          producer.send({ topic: output, key: r.key, value: r.value, timestamp: r.timestamp });
      }
      await producer.sendOffsets({ consumer, offsets: nextOffsets(first) });
      await producer.abortTransaction();

      expect(await groupOffsets(groupId, input)).toEqual(new Map());
      expect(await consumeToEnd(kafka, output)).toEqual([]);
      // Rewind (no commit yet: to the beginning), process the same records again, commit.
      await consumer.seekToCommitted(consumer.assignment());
      const again = await pollUntil(consumer, (b) => recordCount(b) >= 20);
      expect(again.flatMap((b) => b.records.map((r) => r.offset)).sort()).toEqual(
        first.flatMap((b) => b.records.map((r) => r.offset)).sort(),
      );
      await producer.beginTransaction();
      for (const b of again) {
        for (const r of b.records)
          producer.send({ topic: output, key: r.key, value: r.value, timestamp: r.timestamp });
      }
      await producer.commitTransaction({ consumer, offsets: nextOffsets(again) });

      const out = await consumeToEnd(kafka, output);
      expect(out.map((r) => String(r.value)).sort()).toEqual(
        again.flatMap((b) => b.records.map((r) => String(r.value))).sort(),
      );
      expect(out).toHaveLength(20);
      expect(await groupOffsets(groupId, input)).toEqual(
        new Map([
          [0, 10],
          [1, 10],
        ]),
      );
    } finally {
      await close();
    }
  });
});

describe('StreamProducer abort right after a commit', () => {
  it('stays usable: an abort racing the markers of the previous commit does not turn fatal', async () => {
    // Without waiting for deliveries before abort, librdkafka 2.15 failed ~1 in 3 of these aborts with a fatal
    // INVALID_TXN_STATE (the coordinator was still completing the previous commit).
    const topic = uniqueName('abort-race');
    await createTopic(topic, 2);
    const producer = await StreamProducer.create({
      ...connection(),
      transactionalId: uniqueName('abort-race-tx'),
    });
    try {
      const sendToBoth = (value: string) => {
        for (const partition of [0, 1]) {
          producer.send({ topic, partition, key: null, value: Buffer.from(value), timestamp: Date.now() });
        }
      };
      for (let i = 0; i < 20; i++) {
        await producer.beginTransaction();
        sendToBoth(`kept-${i}`);
        await producer.commitTransaction();
        await producer.beginTransaction();
        sendToBoth(`dropped-${i}`);
        await sleep(i % 5);
        await producer.abortTransaction();
      }
    } finally {
      await producer.close();
    }
    const values = (await consumeToEnd(kafka, topic)).map((r) => String(r.value));
    expect(values.filter((v) => v.startsWith('dropped'))).toEqual([]);
    expect(values).toHaveLength(40);
  });
});

describe('StreamProducer fencing', () => {
  it('fences a zombie with the same transactional.id: its commit fails as fenced, the new instance carries on', async () => {
    const topic = uniqueName('fence');
    await createTopic(topic, 1);
    const transactionalId = uniqueName('fence-tx');
    const zombie = await StreamProducer.create({ ...connection(), transactionalId });
    await zombie.beginTransaction();
    zombie.send({ topic, key: null, value: Buffer.from('zombie'), timestamp: Date.now() });
    const successor = await StreamProducer.create({ ...connection(), transactionalId });
    try {
      await expectKind(zombie.commitTransaction(), 'fenced');
      // Unusable from now on: the runtime must recreate it.
      await expectKind(zombie.beginTransaction(), 'fenced');

      await successor.beginTransaction();
      successor.send({ topic, key: null, value: Buffer.from('successor'), timestamp: Date.now() });
      await successor.commitTransaction();
      expect((await consumeToEnd(kafka, topic)).map((r) => r.value)).toEqual(['successor']);
    } finally {
      await zombie.close();
      await successor?.close();
    }
  });

  it('rejects offsets from a consumer whose group generation is stale (KIP-447), the producer stays usable', async () => {
    const topic = uniqueName('stale');
    const groupId = uniqueName('stale-group');
    await createTopic(topic, 2);
    await writeInput(topic, 2, 3);
    // The first member stalls in onPartitionsRevoked (a worker stuck in a commit) while a second member joins:
    // after max.poll.interval.ms librdkafka takes it out of the group and the second member gets everything.
    let release!: () => void;
    const stalled = new Promise<void>((resolve) => {
      release = resolve;
    });
    let revokedCalled = false;
    const timing = { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, maxPollIntervalMs: 6000 };
    const zombie = await Consumer.create({
      ...connection(),
      ...timing,
      groupId,
      topics: [topic],
      listener: {
        ...noopListener,
        onPartitionsRevoked: () => {
          revokedCalled = true;
          return stalled;
        },
      },
    });
    let successor: StreamConsumer | undefined;
    const producer = await StreamProducer.create({
      ...connection(),
      transactionalId: uniqueName('stale-tx'),
    });
    let zombieLoop: Promise<void> | undefined;
    try {
      const batches = await pollUntil(zombie, (b) => recordCount(b) >= 6);
      successor = await Consumer.create({
        ...connection(),
        ...timing,
        groupId,
        topics: [topic],
        listener: noopListener,
      });
      // The zombie keeps polling until its poll blocks in onPartitionsRevoked.
      zombieLoop = (async () => {
        while (!revokedCalled) await zombie.poll(100);
      })();
      const live = successor;
      await pollUntil(live, () => live.assignment().length === 2, 30_000);
      expect(revokedCalled).toBe(true);

      await producer.beginTransaction();
      producer.send({ topic, key: null, value: Buffer.from('late'), timestamp: Date.now() });
      await expectKind(producer.sendOffsets({ consumer: zombie, offsets: nextOffsets(batches) }), 'migrated');
      await producer.abortTransaction();

      // Same producer, the live member's metadata: accepted.
      await producer.beginTransaction();
      await producer.commitTransaction({ consumer: live, offsets: [{ topic, partition: 0, offset: 1 }] });
      release();
      await withTimeout(zombieLoop, 10_000, 'zombie poll after release');
    } finally {
      release();
      await producer.close();
      await zombie.close();
      await successor?.close();
    }
  });

  it('a transaction outliving transaction.timeout.ms is aborted by the broker and fences its producer', async () => {
    const topic = uniqueName('txtimeout');
    await createTopic(topic, 1);
    const transactionalId = uniqueName('timeout-tx');
    const producer = await StreamProducer.create({
      ...connection(),
      transactionalId,
      transactionTimeoutMs: 1000,
    });
    try {
      await producer.beginTransaction();
      producer.send({ topic, key: null, value: Buffer.from('too-slow'), timestamp: Date.now() });
      // The coordinator checks for expired transactions every 10 s (broker default); its abort marker moves the
      // last stable offset past the record.
      await withAdmin(async (admin) => {
        const deadline = Date.now() + 30_000;
        while ((await admin.endOffsets(topic))[0].offset === 0) {
          if (Date.now() > deadline) throw new Error('the broker did not abort the expired transaction');
          await sleep(500);
        }
      });
      await expectKind(producer.commitTransaction(), 'fenced');
    } finally {
      await producer.close();
    }
    const successor = await StreamProducer.create({ ...connection(), transactionalId });
    try {
      await successor.beginTransaction();
      successor.send({ topic, key: null, value: Buffer.from('next'), timestamp: Date.now() });
      await successor.commitTransaction();
    } finally {
      await successor.close();
    }
    expect((await consumeToEnd(kafka, topic)).map((r) => r.value)).toEqual(['next']);
  }, 60_000);
});

describe('StreamProducer delivery failures', () => {
  it('a record the broker rejects makes the transaction abortable and leaves nothing behind', async () => {
    const topic = uniqueName('reject');
    await createTopic(topic, 1, { 'max.message.bytes': '1000' });
    const producer = await StreamProducer.create({
      ...connection(),
      transactionalId: uniqueName('reject-tx'),
    });
    try {
      await producer.beginTransaction();
      producer.send({ topic, key: null, value: Buffer.from('small'), timestamp: Date.now() });
      producer.send({ topic, key: null, value: Buffer.alloc(5000, 1), timestamp: Date.now() });
      await expectKind(producer.commitTransaction(), 'abortable');
      // The runtime's answer to 'abortable': abort, then redo the work in a new transaction. librdkafka 2.15 fails
      // the first retry too ("skipped sequence numbers", abortable) while it bumps the producer epoch.
      let attempts = 1;
      for (;;) {
        await producer.abortTransaction();
        await producer.beginTransaction();
        producer.send({ topic, key: null, value: Buffer.from('retried'), timestamp: Date.now() });
        attempts++;
        try {
          await producer.commitTransaction();
          break;
        } catch (e) {
          expect((e as KafkaRuntimeError).kind).toBe('abortable');
          if (attempts >= 4) throw e;
        }
      }
    } finally {
      await producer.close();
    }
    expect((await consumeToEnd(kafka, topic)).map((r) => r.value)).toEqual(['retried']);
  });

  it('at-least-once: flush reports the last offsets, and throws the first failed delivery', async () => {
    const topic = uniqueName('alos');
    await createTopic(topic, 2, { 'max.message.bytes': '1000' });
    const producer = await StreamProducer.create({ ...connection(), trackDeliveredOffsets: true });
    try {
      for (let i = 0; i < 6; i++) {
        producer.send({
          topic,
          partition: i % 2,
          key: null,
          value: Buffer.from(`r${i}`),
          timestamp: Date.now(),
        });
      }
      await producer.flush();
      expect([...producer.deliveredOffsets()].sort((a, b) => a.partition - b.partition)).toEqual([
        { topic, partition: 0, offset: 2 },
        { topic, partition: 1, offset: 2 },
      ]);
      producer.send({
        topic,
        partition: 0,
        key: Buffer.from('big'),
        value: Buffer.alloc(5000, 1),
        timestamp: 1,
      });
      const error = await expectKind(producer.flush(), 'abortable');
      expect(error.message).toContain(`${topic}-0`);
      // The failure belongs to that flush only.
      producer.send({ topic, partition: 1, key: null, value: Buffer.from('after'), timestamp: Date.now() });
      await producer.flush();
      expect(producer.deliveredOffsets()).toEqual([{ topic, partition: 1, offset: 3 }]);
    } finally {
      await producer.close();
    }
  });
});

describe('StreamProducer failure-only delivery reports (the default)', () => {
  it('at-least-once: every flush after a failed delivery throws, every clean flush passes', async () => {
    const topic = uniqueName('alos-fail');
    await createTopic(topic, 2, { 'max.message.bytes': '100000' });
    const producer = await StreamProducer.create(connection());
    try {
      for (let round = 0; round < 20; round++) {
        for (let i = 0; i < 300; i++) {
          producer.send({
            topic,
            partition: i % 2,
            key: null,
            value: Buffer.from(`r${round}-${i}`),
            timestamp: 1,
          });
          // One record the broker rejects, somewhere in the middle.
          if (i === (round * 37) % 300) {
            producer.send({
              topic,
              partition: round % 2,
              key: null,
              value: Buffer.alloc(200_000, 1),
              timestamp: 1,
            });
          }
        }
        await expectKind(producer.flush(), 'abortable');
        producer.send({
          topic,
          partition: round % 2,
          key: null,
          value: Buffer.from(`clean-${round}`),
          timestamp: 1,
        });
        await producer.flush();
      }
    } finally {
      await producer.close();
    }
  }, 60_000);
});

describe('partitioning', () => {
  it.each([7, 12])('puts keyed records where the Java client would (%i partitions)', async (partitions) => {
    const column = PARTITION_COUNTS.indexOf(partitions as (typeof PARTITION_COUNTS)[number]);
    const topic = uniqueName('murmur');
    await createTopic(topic, partitions);
    const producer = await StreamProducer.create(connection());
    try {
      for (const [key] of JAVA_MURMUR2) {
        producer.send({
          topic,
          key: Buffer.from(key, 'utf8'),
          value: Buffer.from(`#${key}`),
          timestamp: Date.now(),
        });
      }
      await producer.flush();
    } finally {
      await producer.close();
    }
    const placed = new Map(
      (await consumeToEnd(kafka, topic)).map((r) => [String(r.value).slice(1), r.partition]),
    );
    for (const [key, , javaPartitions] of JAVA_MURMUR2) {
      expect({ key, partition: placed.get(key) }).toEqual({ key, partition: javaPartitions[column] });
      expect(partitionForKey(Buffer.from(key, 'utf8'), partitions)).toBe(javaPartitions[column]);
    }
  });

  it('writes empty keys and values as empty, not null (no tombstone, murmur2 of zero bytes)', async () => {
    const topic = uniqueName('empty');
    await createTopic(topic, 12);
    const producer = await StreamProducer.create(connection());
    try {
      producer.send({ topic, key: Buffer.alloc(0), value: Buffer.alloc(0), timestamp: Date.now() });
      producer.send({ topic, key: Buffer.from(''), value: Buffer.from('not empty'), timestamp: Date.now() });
      await producer.flush();
    } finally {
      await producer.close();
    }
    const records = await consumeToEnd(kafka, topic);
    const javaPartition = JAVA_MURMUR2.find(([key]) => key === '')?.[2][PARTITION_COUNTS.indexOf(12)];
    expect(records.map((r) => ({ key: r.key, value: r.value, partition: r.partition })).sort()).toEqual([
      { key: '', value: '', partition: javaPartition },
      { key: '', value: 'not empty', partition: javaPartition },
    ]);
  });
});
