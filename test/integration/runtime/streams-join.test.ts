// A stream joined with a table on co-partitioned topics: the task reads two partitions and processes them in
// timestamp order. Rows the table topic holds on the broker but the worker has not fetched yet are waited for (task
// idling), so stream records never join against a table that misses rows written before them.
import { Serdes, StreamsBuilder } from 'tributary';
import { afterAll, describe, expect, it } from 'vitest';
import { consumeToEnd, createTopics, kafkaClient, uniqueName } from '../../support/kafka.js';
import { awaitOutput, produce, StateDirs, Worker } from './streams-support.js';

const S = Serdes.string();
const kafka = kafkaClient();
const dirs = new StateDirs();

afterAll(() => dirs.cleanup());

describe('KafkaStreams stream-table join', () => {
  it('waits for table rows still on the broker before joining later stream records', async () => {
    const table = uniqueName('prices');
    const orders = uniqueName('orders');
    const output = uniqueName('priced-orders');
    await createTopics(kafka, [
      { topic: table, numPartitions: 2 },
      { topic: orders, numPartitions: 2 },
      { topic: output, numPartitions: 2 },
    ]);
    const builder = new StreamsBuilder();
    const prices = builder.table(table, { key: S, value: S, name: 'prices-store' });
    builder
      .stream(orders, { key: S, value: S })
      .leftJoin(prices, (order, price) => `${order}@${price ?? 'none'}`)
      .to(output, { key: S, value: S });
    // Many table rows (older) and orders (newer) for the last rows: with small polls the orders arrive while most
    // rows are still on the broker.
    // Recent timestamps: records older than the topics' retention (7 days) would be deleted by the broker mid-test.
    const base = Date.now() - 600_000;
    const rows = 3_000;
    const pad = 'p'.repeat(200);
    await produce(
      table,
      Array.from({ length: rows }, (_, i) => ({
        key: `item-${i}`,
        value: `${i}${pad}`,
        timestamp: base + i,
      })),
    );
    const ordered = Array.from({ length: 100 }, (_, i) => rows - 100 + i);
    await produce(
      orders,
      ordered.map((i) => ({ key: `item-${i}`, value: `order-${i}`, timestamp: base + 100_000 + i })),
    );
    const worker = new Worker(builder.build(), {
      applicationId: uniqueName('join-app'),
      stateDir: dirs.create(),
      maxPollRecords: 200,
      // Small fetches: the table's rows arrive over many fetches, the orders with the first one.
      consumer: { 'max.partition.fetch.bytes': 8192 },
    });
    await worker.start();
    await awaitOutput(kafka, output, ordered.length);
    await worker.close();
    const joined = new Map((await consumeToEnd(kafka, output)).map((r) => [r.key, r.value]));
    expect(joined.size).toBe(ordered.length);
    for (const i of ordered) expect(joined.get(`item-${i}`)).toBe(`order-${i}@${i}${pad}`);
  });
});
