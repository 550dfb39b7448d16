// RestoreConsumer against the real broker: changelogs written transactionally end with markers (and may contain
// aborted or still-open transactions); restoration must deliver exactly the committed records, in order, and know
// when it is done without waiting for a record that never comes.
import { describe, expect, it } from 'vitest';
import type { PartitionRecords } from '../../../runtime/kafka/records.js';
import {
  type RestoreBatch,
  RestoreConsumer,
  RestoreOffsetOutOfRangeError,
  type RestoreProgress,
} from '../../../runtime/kafka/restore-consumer.js';
import { StreamProducer } from '../../../runtime/kafka/stream-producer.js';
import { uniqueName } from '../../support/kafka.js';
import { withTimeout } from '../../support/timeout.js';
import { connection, createTopic, sleep, withAdmin } from './kafka-helpers.js';

/** Writes transactions to a changelog: each entry is [outcome, values per partition]. */
async function writeChangelog(
  topic: string,
  transactions: ReadonlyArray<readonly ['commit' | 'abort' | 'leave-open', ReadonlyArray<readonly string[]>]>,
): Promise<StreamProducer> {
  const producer = await StreamProducer.create({
    ...connection(),
    transactionalId: uniqueName('changelog-tx'),
  });
  const written = new Map<number, number>();
  for (const [outcome, perPartition] of transactions) {
    await producer.beginTransaction();
    perPartition.forEach((values, partition) => {
      for (const value of values) {
        producer.send({
          topic,
          partition,
          key: Buffer.from(`key-${value}`),
          value: Buffer.from(value),
          timestamp: 1,
        });
      }
      written.set(partition, (written.get(partition) ?? 0) + values.length);
    });
    if (outcome === 'commit') {
      await producer.commitTransaction();
    } else {
      // Aborting purges records still queued in the client: wait until they are in the log, as they would be
      // after a crash or a failed commit.
      await awaitLogContains(topic, written);
      if (outcome === 'abort') await producer.abortTransaction();
    }
  }
  return producer;
}

/** Waits until each partition's log holds at least `records` + its transaction markers (read_uncommitted end). */
async function awaitLogContains(topic: string, records: ReadonlyMap<number, number>) {
  await withAdmin(async (admin) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const ends = await admin.endOffsets(topic, { readCommitted: false });
      if (ends.every((e) => e.offset >= (records.get(e.partition) ?? 0))) return;
      if (Date.now() > deadline) throw new Error('records did not reach the log');
      await sleep(20);
    }
  });
}

/** Polls until no partition is left; returns the records (per partition, concatenated) and the completions. */
async function restoreAll(consumer: RestoreConsumer, immediatelyDone: RestoreProgress[] = []) {
  const records = new Map<number, string[]>();
  const completed: RestoreProgress[] = [...immediatelyDone];
  const batches: RestoreBatch[] = [];
  const deadline = Date.now() + 30_000;
  while (consumer.active > 0) {
    if (Date.now() > deadline)
      throw new Error(`restoration did not finish: ${JSON.stringify(consumer.progress())}`);
    const batch = await consumer.poll(200);
    batches.push(batch);
    for (const p of batch.records) addValues(records, p);
    completed.push(...batch.completed);
  }
  return { records, completed, batches };
}

function addValues(into: Map<number, string[]>, batch: PartitionRecords) {
  const list = into.get(batch.partition) ?? [];
  list.push(...batch.records.map((r) => String(r.value)));
  into.set(batch.partition, list);
}

describe('RestoreConsumer', () => {
  it('restores exactly the committed records and finishes although the log ends with markers and aborted data', async () => {
    const topic = uniqueName('changelog');
    await createTopic(topic, 2);
    const producer = await writeChangelog(topic, [
      ['commit', [['a1', 'a2'], ['b1']]],
      ['abort', [['x1'], ['x2', 'x3']]],
      ['commit', [['a3'], ['b2', 'b3']]],
      ['abort', [['x4', 'x5'], ['x6']]],
    ]);
    await producer.close();
    const consumer = await RestoreConsumer.create({ ...connection(), maxPollRecords: 2 });
    try {
      const immediate = await consumer.assign([
        { topic, partition: 0, from: 'beginning' },
        { topic, partition: 1, from: 'beginning' },
      ]);
      expect(immediate).toEqual([]);
      const { records, completed, batches } = await restoreAll(consumer);
      expect(records).toEqual(
        new Map([
          [0, ['a1', 'a2', 'a3']],
          [1, ['b1', 'b2', 'b3']],
        ]),
      );
      expect(batches.every((b) => b.records.every((p) => p.records.length <= 2))).toBe(true);
      // Each partition: 3 committed records, 2 commit markers, aborted records and 2 abort markers -> the end offset
      // is well past the last record's offset + 1, and restoration still completes there.
      for (const done of completed) {
        expect(done.position).toBe(done.endOffset);
        expect(done.restoredRecords).toBe(3);
        expect(done.endOffset).toBeGreaterThan(done.partition === 0 ? 7 : 8);
      }
      expect(completed.map((c) => c.partition).sort()).toEqual([0, 1]);
    } finally {
      await consumer.close();
    }
  });

  it('stops at the last stable offset: records of a transaction still open are not restored and not waited for', async () => {
    const topic = uniqueName('changelog-open');
    await createTopic(topic, 1);
    const producer = await writeChangelog(topic, [
      ['commit', [['c1', 'c2']]],
      ['leave-open', [['open1', 'open2']]],
    ]);
    const consumer = await RestoreConsumer.create(connection());
    try {
      await consumer.assign([{ topic, partition: 0, from: 'beginning' }]);
      const { records, completed } = await withTimeout(restoreAll(consumer), 20_000, 'restore with open txn');
      expect(records.get(0)).toEqual(['c1', 'c2']);
      expect(completed[0]).toMatchObject({ startOffset: 0, endOffset: 3, position: 3, restoredRecords: 2 });
    } finally {
      await consumer.close();
      await producer.close();
    }
  });

  it('restores only the tail after a checkpoint, completes at once when nothing is new, rejects a checkpoint past the end', async () => {
    const topic = uniqueName('changelog-tail');
    await createTopic(topic, 3);
    const producer = await writeChangelog(topic, [
      ['commit', [['p0-1', 'p0-2'], ['p1-1'], ['p2-1']]],
      ['commit', [['p0-3', 'p0-4'], [], []]],
    ]);
    await producer.close();
    // Partition 0: offsets 0,1 (records) 2 (marker) 3,4 (records) 5 (marker). A checkpoint at 3 = first record of
    // the second transaction. Partition 1: 0 (record) 1 (marker), checkpoint 2 = end.
    const consumer = await RestoreConsumer.create(connection());
    try {
      const immediate = await consumer.assign([
        { topic, partition: 0, from: 3 },
        { topic, partition: 1, from: 2 },
      ]);
      expect(immediate).toEqual([
        { topic, partition: 1, startOffset: 2, endOffset: 2, position: 2, restoredRecords: 0 },
      ]);
      const { records, completed } = await restoreAll(consumer);
      expect(records).toEqual(new Map([[0, ['p0-3', 'p0-4']]]));
      expect(completed).toEqual([
        { topic, partition: 0, startOffset: 3, endOffset: 6, position: 6, restoredRecords: 2 },
      ]);

      const error = await consumer.assign([{ topic, partition: 2, from: 10 }]).catch((e) => e);
      expect(error).toBeInstanceOf(RestoreOffsetOutOfRangeError);
      expect(error.message).toContain(
        `checkpointed offset 10 of ${topic}-2 is beyond the changelog's end offset 2`,
      );
    } finally {
      await consumer.close();
    }
  });

  it('stops restoring a partition that is unassigned midway (its task moved) and keeps restoring the others', async () => {
    const topic = uniqueName('changelog-unassign');
    await createTopic(topic, 2);
    const values = Array.from({ length: 200 }, (_, i) => `r${i}`);
    const producer = await writeChangelog(topic, [['commit', [values, values]]]);
    await producer.close();
    const consumer = await RestoreConsumer.create({ ...connection(), maxPollRecords: 50 });
    try {
      await consumer.assign([
        { topic, partition: 0, from: 'beginning' },
        { topic, partition: 1, from: 'beginning' },
      ]);
      // Poll until the first records arrive: at most 50 of the 400, so neither partition is complete yet (which
      // partition librdkafka hands out first is up to it). The first one seen is unassigned midway.
      const seen = new Map<number, string[]>();
      while (seen.size === 0) for (const p of (await consumer.poll(200)).records) addValues(seen, p);
      const moved = [...seen.keys()][0];
      const kept = 1 - moved;
      consumer.unassign([{ topic, partition: moved }]);
      expect(consumer.progress().map((p) => p.partition)).toEqual([kept]);
      const before = seen.get(moved)?.length ?? 0;
      const rest = await restoreAll(consumer);
      for (const p of rest.batches.flatMap((b) => b.records)) addValues(seen, p);
      expect(rest.batches.flatMap((b) => b.records).every((p) => p.partition === kept)).toBe(true);
      expect(seen.get(kept)).toEqual(values);
      expect(seen.get(moved)?.length).toBe(before);
      expect(before).toBeLessThan(values.length);
      expect(rest.completed.map((c) => c.partition)).toEqual([kept]);
    } finally {
      await consumer.close();
    }
  });
});
