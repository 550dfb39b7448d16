// The stream thread's consumer against the real broker: range assignment keeps co-partitioned topics together,
// polls yield per-partition batches in offset order, pause/resume/seek, read_committed, the rebalance listener can
// commit before partitions move, heartbeats survive slow processing and max.poll.interval.ms is enforced.
import { describe, expect, it } from 'vitest';
import type { PartitionRecords, TopicPartition } from '../../../runtime/kafka/records.js';
import { type RebalanceListener, StreamConsumer } from '../../../runtime/kafka/stream-consumer.js';
import { StreamProducer } from '../../../runtime/kafka/stream-producer.js';
import { consumeToEnd, kafkaClient, uniqueName } from '../../support/kafka.js';
import { withTimeout } from '../../support/timeout.js';
import {
  connection,
  createTopic,
  noopListener,
  pollUntil,
  recordCount,
  sleep,
  writeInput,
} from './kafka-helpers.js';

const kafka = kafkaClient();

/** Offsets per "topic/partition", in the order they were polled. */
function offsetsByPartition(batches: readonly PartitionRecords[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const b of batches) {
    const key = `${b.topic}/${b.partition}`;
    const list = out.get(key) ?? [];
    list.push(...b.records.map((r) => r.offset));
    out.set(key, list);
  }
  return out;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

/** Polls a member in the background until stopped; collects what it got. */
function backgroundPoller(consumer: StreamConsumer) {
  const batches: PartitionRecords[] = [];
  let running = true;
  const done = (async () => {
    while (running) batches.push(...(await consumer.poll(100)));
  })();
  return {
    batches,
    stop: async () => {
      running = false;
      await withTimeout(done, 30_000, 'background poller to stop');
    },
  };
}

/** Records listener calls with their time. */
function recordingListener(overrides: Partial<RebalanceListener> = {}) {
  const calls: Array<{ event: 'revoked' | 'assigned' | 'lost'; partitions: TopicPartition[]; at: number }> =
    [];
  const listener: RebalanceListener = {
    async onPartitionsRevoked(partitions) {
      await overrides.onPartitionsRevoked?.(partitions);
      calls.push({ event: 'revoked', partitions: [...partitions], at: Date.now() });
    },
    async onPartitionsAssigned(partitions) {
      calls.push({ event: 'assigned', partitions: [...partitions], at: Date.now() });
      await overrides.onPartitionsAssigned?.(partitions);
    },
    async onPartitionsLost(partitions) {
      calls.push({ event: 'lost', partitions: [...partitions], at: Date.now() });
      await overrides.onPartitionsLost?.(partitions);
    },
  };
  return { calls, listener };
}

describe('StreamConsumer', () => {
  it('assigns equal partition numbers of co-subscribed topics to the same member (range)', async () => {
    const left = uniqueName('range-left');
    const right = uniqueName('range-right');
    const groupId = uniqueName('range');
    await createTopic(left, 4);
    await createTopic(right, 4);
    const members = await Promise.all(
      [1, 2].map(() =>
        StreamConsumer.create({ ...connection(), groupId, topics: [left, right], listener: noopListener }),
      ),
    );
    try {
      const pollers = members.map(backgroundPoller);
      const deadline = Date.now() + 30_000;
      while (
        members.reduce((n, m) => n + m.assignment().length, 0) < 8 ||
        members.some((m) => !m.assignment().length)
      ) {
        if (Date.now() > deadline) throw new Error('group did not settle with both members assigned');
        await sleep(100);
      }
      await Promise.all(pollers.map((p) => p.stop()));
      const partitionsOf = (m: StreamConsumer, topic: string) =>
        m
          .assignment()
          .filter((tp) => tp.topic === topic)
          .map((tp) => tp.partition)
          .sort();
      for (const m of members) {
        expect(partitionsOf(m, left)).toEqual(partitionsOf(m, right));
        expect(partitionsOf(m, left)).toHaveLength(2);
      }
    } finally {
      await Promise.all(members.map((m) => m.close()));
    }
  });

  it('polls per-partition batches in offset order, at most maxPollRecords, without gaps or repeats', async () => {
    const topic = uniqueName('order');
    await createTopic(topic, 3);
    await writeInput(topic, 3, 200);
    const consumer = await StreamConsumer.create({
      ...connection(),
      groupId: uniqueName('order'),
      topics: [topic],
      listener: noopListener,
      maxPollRecords: 50,
    });
    try {
      const polls: PartitionRecords[][] = [];
      const deadline = Date.now() + 30_000;
      while (polls.reduce((n, p) => n + recordCount(p), 0) < 600 && Date.now() < deadline) {
        polls.push(await consumer.poll(100));
      }
      for (const poll of polls) {
        expect(recordCount(poll)).toBeLessThanOrEqual(50);
        // One batch per partition per poll.
        expect(new Set(poll.map((b) => b.partition)).size).toBe(poll.length);
      }
      const byPartition = offsetsByPartition(polls.flat());
      for (let p = 0; p < 3; p++) expect(byPartition.get(`${topic}/${p}`)).toEqual(range(0, 200));
      const sample = polls.flat()[0].records[0];
      expect(sample.value?.toString()).toBe(`v${sample.partition}-${sample.offset}`);
      expect(sample.headers).toEqual({});
    } finally {
      await consumer.close();
    }
  });

  it('pauses and resumes partitions without losing or repeating records, and seeks back', async () => {
    const topic = uniqueName('pause');
    await createTopic(topic, 2);
    await writeInput(topic, 2, 10);
    const consumer = await StreamConsumer.create({
      ...connection(),
      groupId: uniqueName('pause'),
      topics: [topic],
      listener: noopListener,
    });
    try {
      const first = await pollUntil(consumer, (b) => recordCount(b) >= 20);
      consumer.pause([{ topic, partition: 0 }]);
      expect(consumer.paused()).toEqual([{ topic, partition: 0 }]);
      await writeInput(topic, 2, 10);
      const whilePaused = await pollUntil(consumer, (b) => recordCount(b) >= 10);
      await sleep(1000);
      whilePaused.push(...(await consumer.poll(200)));
      expect(whilePaused.every((b) => b.partition === 1)).toBe(true);
      expect(recordCount(whilePaused)).toBe(10);

      consumer.resume([{ topic, partition: 0 }]);
      const afterResume = await pollUntil(consumer, (b) => recordCount(b) >= 10);
      const all = offsetsByPartition([...first, ...whilePaused, ...afterResume]);
      expect(all.get(`${topic}/0`)).toEqual(range(0, 20));
      expect(all.get(`${topic}/1`)).toEqual(range(0, 20));

      // Seeking a paused partition (a task rolling back while paused) takes effect when it is resumed.
      consumer.pause([{ topic, partition: 1 }]);
      await consumer.seek({ topic, partition: 1 }, 15);
      expect(recordCount(await consumer.poll(300))).toBe(0);
      consumer.resume([{ topic, partition: 1 }]);
      const replay = await pollUntil(consumer, (b) => recordCount(b) >= 5);
      expect(offsetsByPartition(replay).get(`${topic}/1`)).toEqual(range(15, 20));
      expect(consumer.position([{ topic, partition: 1 }]).get(`${topic}\u00001`)).toBe(20);
    } finally {
      await consumer.close();
    }
  });

  it('can pause partitions as they are assigned (tasks restoring) and resume them later from the committed offset', async () => {
    const topic = uniqueName('pause-on-assign');
    const groupId = uniqueName('pause-on-assign');
    await createTopic(topic, 2);
    await writeInput(topic, 2, 10);
    // A previous run committed offset 4 on partition 0.
    const previous = await StreamConsumer.create({
      ...connection(),
      groupId,
      topics: [topic],
      listener: noopListener,
    });
    await pollUntil(previous, () => previous.assignment().length === 2);
    await previous.commitOffsets([{ topic, partition: 0, offset: 4 }]);
    await previous.close();

    let consumer: StreamConsumer | undefined;
    consumer = await StreamConsumer.create({
      ...connection(),
      groupId,
      topics: [topic],
      listener: {
        ...noopListener,
        onPartitionsAssigned: (partitions) => consumer?.pause(partitions.filter((tp) => tp.partition === 0)),
      },
    });
    try {
      const whilePaused = await pollUntil(consumer, (b) => recordCount(b) >= 10);
      await sleep(1000);
      whilePaused.push(...(await consumer.poll(200)));
      expect(offsetsByPartition(whilePaused)).toEqual(new Map([[`${topic}/1`, range(0, 10)]]));
      consumer.resume([{ topic, partition: 0 }]);
      const resumed = await pollUntil(consumer, (b) => recordCount(b) >= 6);
      expect(offsetsByPartition(resumed)).toEqual(new Map([[`${topic}/0`, range(4, 10)]]));
    } finally {
      await consumer.close();
    }
  });

  it('reads committed records only (read_committed)', async () => {
    const topic = uniqueName('rc');
    await createTopic(topic, 1);
    const producer = await StreamProducer.create({ ...connection(), transactionalId: uniqueName('rc-tx') });
    try {
      for (const outcome of ['abort', 'commit', 'abort'] as const) {
        await producer.beginTransaction();
        for (let i = 0; i < 3; i++) {
          producer.send({ topic, key: null, value: Buffer.from(`${outcome}-${i}`), timestamp: Date.now() });
        }
        if (outcome === 'commit') await producer.commitTransaction();
        else await producer.abortTransaction();
      }
    } finally {
      await producer.close();
    }
    const consumer = await StreamConsumer.create({
      ...connection(),
      groupId: uniqueName('rc'),
      topics: [topic],
      listener: noopListener,
    });
    try {
      const batches = await pollUntil(consumer, (b) => recordCount(b) >= 3);
      await sleep(500);
      batches.push(...(await consumer.poll(500)));
      expect(batches.flatMap((b) => b.records.map((r) => r.value?.toString()))).toEqual([
        'commit-0',
        'commit-1',
        'commit-2',
      ]);
    } finally {
      await consumer.close();
    }
  });

  it('lets onPartitionsRevoked commit before the partitions move: the next owner starts at that commit', async () => {
    const input = uniqueName('handover-in');
    const output = uniqueName('handover-out');
    const groupId = uniqueName('handover');
    await createTopic(input, 2);
    await createTopic(output, 2);
    await writeInput(input, 2, 50);
    const producerA = await StreamProducer.create({
      ...connection(),
      transactionalId: uniqueName('handover-a'),
    });
    const producerB = await StreamProducer.create({
      ...connection(),
      transactionalId: uniqueName('handover-b'),
    });
    // A processes the first 30 records of each partition in an open transaction and commits only when its
    // partitions are revoked, slowly (the commit takes 1.5 s).
    const processedByA = new Map<number, number>();
    let committedAt = 0;
    let consumerA: StreamConsumer | undefined;
    const a = recordingListener({
      async onPartitionsRevoked() {
        if (!producerA.inTransaction) return;
        await sleep(1500);
        await producerA.commitTransaction({
          consumer: consumerA as StreamConsumer,
          offsets: [...processedByA].map(([partition, next]) => ({ topic: input, partition, offset: next })),
        });
        committedAt = Date.now();
      },
    });
    const b = recordingListener();
    let consumerB: StreamConsumer | undefined;
    try {
      consumerA = await StreamConsumer.create({
        ...connection(),
        groupId,
        topics: [input],
        listener: a.listener,
      });
      await producerA.beginTransaction();
      await pollUntil(consumerA, (batches) => {
        for (const batch of batches.splice(0)) {
          for (const r of batch.records) {
            if (r.offset >= 30) continue;
            producerA.send({
              topic: output,
              partition: r.partition,
              key: r.key,
              value: r.value,
              timestamp: r.timestamp,
            });
            processedByA.set(r.partition, r.offset + 1);
          }
        }
        return [...processedByA.values()].reduce((n, v) => n + v, 0) === 60;
      });

      // A keeps polling (and ignores what it gets) while B joins.
      const pollerA = backgroundPoller(consumerA);
      consumerB = await StreamConsumer.create({
        ...connection(),
        groupId,
        topics: [input],
        listener: b.listener,
      });
      const bBatches = await pollUntil(consumerB, (batches) => recordCount(batches) >= 20, 30_000);
      await pollerA.stop();

      const [assignedToB] = b.calls.filter((c) => c.event === 'assigned');
      expect(assignedToB.partitions).toHaveLength(1);
      const bPartition = assignedToB.partitions[0].partition;
      // The group moved on only after A's slow commit finished, and B started exactly where A committed.
      expect(committedAt).toBeGreaterThan(0);
      expect(assignedToB.at).toBeGreaterThanOrEqual(committedAt);
      expect(a.calls.map((c) => c.event)).toEqual(['assigned', 'revoked', 'assigned']);
      expect(offsetsByPartition(bBatches)).toEqual(new Map([[`${input}/${bPartition}`, range(30, 50)]]));

      await producerB.beginTransaction();
      for (const batch of bBatches) {
        for (const r of batch.records) {
          producerB.send({
            topic: output,
            partition: r.partition,
            key: r.key,
            value: r.value,
            timestamp: r.timestamp,
          });
        }
      }
      await producerB.commitTransaction({
        consumer: consumerB,
        offsets: [{ topic: input, partition: bPartition, offset: 50 }],
      });
      const out = (await consumeToEnd(kafka, output)).map((r) => String(r.value));
      expect(new Set(out).size).toBe(out.length);
      expect(out).toHaveLength(80);
    } finally {
      await consumerA?.close();
      await consumerB?.close();
      await producerA.close();
      await producerB.close();
    }
  });

  it('releases its partitions on close: the remaining member takes them over at once', async () => {
    const topic = uniqueName('leave');
    const groupId = uniqueName('leave');
    await createTopic(topic, 2);
    const first = await StreamConsumer.create({
      ...connection(),
      groupId,
      topics: [topic],
      listener: noopListener,
    });
    const second = await StreamConsumer.create({
      ...connection(),
      groupId,
      topics: [topic],
      listener: noopListener,
    });
    try {
      const pollers = [first, second].map(backgroundPoller);
      const deadline = Date.now() + 30_000;
      while (!first.assignment().length || !second.assignment().length) {
        if (Date.now() > deadline) throw new Error('both members should own a partition');
        await sleep(100);
      }
      await pollers[0].stop();
      const closedAt = Date.now();
      await first.close();
      // Far below the 45 s session timeout: the member left the group explicitly.
      while (second.assignment().length < 2) {
        if (Date.now() - closedAt > 10_000) throw new Error('the remaining member did not take over');
        await sleep(50);
      }
      await pollers[1].stop();
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('keeps its membership while processing stalls beyond session.timeout.ms (heartbeats run in the background)', async () => {
    const topic = uniqueName('heartbeat');
    const groupId = uniqueName('heartbeat');
    await createTopic(topic, 2);
    const timing = { sessionTimeoutMs: 6000, heartbeatIntervalMs: 1000, maxPollIntervalMs: 30_000 };
    const slow = recordingListener();
    const busy = recordingListener();
    const slowMember = await StreamConsumer.create({
      ...connection(),
      ...timing,
      groupId,
      topics: [topic],
      listener: slow.listener,
    });
    const busyMember = await StreamConsumer.create({
      ...connection(),
      ...timing,
      groupId,
      topics: [topic],
      listener: busy.listener,
    });
    try {
      const busyPoller = backgroundPoller(busyMember);
      const deadline = Date.now() + 30_000;
      while (slowMember.assignment().length !== 1 || busyMember.assignment().length !== 1) {
        if (Date.now() > deadline) throw new Error('group did not settle');
        await slowMember.poll(100);
      }
      const before = { busy: busy.calls.length, slow: slow.calls.length };
      // Synchronous "processing" for 1.5 session timeouts: the JavaScript thread is blocked, no poll, no callback.
      const until = Date.now() + 9000;
      while (Date.now() < until) {
        // busy
      }
      await slowMember.poll(100);
      await busyPoller.stop();
      // No rebalance at all: neither member was told anything during or after the stall.
      expect(busy.calls.slice(before.busy)).toEqual([]);
      expect(slow.calls.slice(before.slow)).toEqual([]);
      expect(slowMember.assignment()).toHaveLength(1);
    } finally {
      await slowMember.close();
      await busyMember.close();
    }
  }, 60_000);

  it('loses its partitions when it does not poll within max.poll.interval.ms, then rejoins', async () => {
    const topic = uniqueName('maxpoll');
    await createTopic(topic, 2);
    await writeInput(topic, 2, 5);
    const transient: string[] = [];
    const member = recordingListener();
    const consumer = await StreamConsumer.create({
      ...connection(),
      groupId: uniqueName('maxpoll'),
      topics: [topic],
      listener: member.listener,
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 1000,
      maxPollIntervalMs: 6000,
      onTransientError: (e) => transient.push(e.message),
    });
    try {
      await pollUntil(consumer, (b) => recordCount(b) >= 10);
      await sleep(8000);
      // Nothing was committed: after rejoining the partitions are read again from the start.
      const afterStall = await pollUntil(
        consumer,
        (b) => member.calls.filter((c) => c.event === 'assigned').length >= 2 && recordCount(b) >= 10,
      );
      expect(member.calls.map((c) => c.event)).toEqual(['assigned', 'lost', 'assigned']);
      expect(member.calls[1].partitions).toHaveLength(2);
      expect(transient.join('\n')).toMatch(/poll interval/i);
      expect(recordCount(afterStall)).toBe(10);
    } finally {
      await consumer.close();
    }
  }, 60_000);
});
