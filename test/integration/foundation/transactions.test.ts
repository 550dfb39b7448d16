// Kafka transactions on the test broker, through the client the runtime uses: what exactly-once builds on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumeToEnd, createTopics, type Kafka, kafkaClient, uniqueName } from '../../support/kafka.js';

function batch(label: string, n: number) {
  return Array.from({ length: n }, (_, i) => ({ key: `k${i % 3}`, value: `${label}-${i}` }));
}

describe('transactional producer', () => {
  let kafka: Kafka;
  const topic = uniqueName('foundation-txn');
  let producer: ReturnType<Kafka['producer']>;

  beforeAll(async () => {
    kafka = kafkaClient();
    await createTopics(kafka, [{ topic, numPartitions: 2 }]);
    producer = kafka.producer({ kafkaJS: { transactionalId: uniqueName('txn'), idempotent: true } });
    await producer.connect();

    // committed, aborted, committed: the last batch proves readers get past an aborted transaction.
    for (const [label, outcome] of [
      ['first', 'commit'],
      ['aborted', 'abort'],
      ['second', 'commit'],
    ] as const) {
      const txn = await producer.transaction();
      await txn.send({ topic, messages: batch(label, 6) });
      if (outcome === 'commit') await txn.commit();
      else await txn.abort();
    }
  });

  afterAll(async () => {
    await producer?.disconnect();
  });

  it('read_committed consumers see exactly the committed records, in order per key', async () => {
    const records = await consumeToEnd(kafka, topic);
    const values = records.map((r) => r.value).sort();
    expect(values).toEqual([...batch('first', 6), ...batch('second', 6)].map((m) => m.value).sort());
    // Per key (hence per partition) the order is the produce order.
    for (const key of ['k0', 'k1', 'k2']) {
      expect(records.filter((r) => r.key === key).map((r) => r.value)).toEqual(
        [...batch('first', 6), ...batch('second', 6)].filter((m) => m.key === key).map((m) => m.value),
      );
    }
  });

  it('read_uncommitted consumers also see the aborted records: the abort really wrote them', async () => {
    const records = await consumeToEnd(kafka, topic, { readUncommitted: true });
    expect(records.map((r) => r.value).sort()).toEqual(
      [...batch('first', 6), ...batch('aborted', 6), ...batch('second', 6)].map((m) => m.value).sort(),
    );
    // The aborted records occupy offsets that read_committed consumers skip.
    const committedOffsets = new Set(
      (await consumeToEnd(kafka, topic)).map((r) => `${r.partition}:${r.offset}`),
    );
    for (const r of records.filter((x) => x.value?.startsWith('aborted-')))
      expect(committedOffsets.has(`${r.partition}:${r.offset}`)).toBe(false);
  });
});
