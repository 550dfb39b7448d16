// Smoke demo (`npm run demo` until the monitoring demo replaces it): the exactly-once loop Tributary's runtime
// is built on, by hand, on a real broker. Produces a few CPU metrics, runs a transactional
// consume -> transform -> produce pipe (read_committed input, offsets committed in the transaction with the
// consumer's group metadata), and prints what came out. Topics are per run and deleted at the end.
import { randomUUID } from 'node:crypto';
import { KafkaJS } from '@confluentinc/kafka-javascript';

interface Metric {
  host: string;
  metric: 'cpu';
  value: number;
  ts: number;
}

const brokers = (process.env.KAFKA_BOOTSTRAP_SERVERS ?? '127.0.0.1:9092').split(',');
const run = randomUUID().slice(0, 8);
const metricsTopic = `demo-metrics-${run}`;
const alertsTopic = `demo-alerts-${run}`;
const kafka = new KafkaJS.Kafka({ kafkaJS: { brokers, logLevel: KafkaJS.logLevel.ERROR } });

const hosts = ['web-1', 'web-2', 'db-1'];
const metrics: Metric[] = Array.from({ length: 12 }, (_, i) => ({
  host: hosts[i % hosts.length],
  metric: 'cpu',
  value: [35, 91, 62, 97, 88, 12, 79, 83, 55, 99, 40, 86][i],
  ts: Date.UTC(2026, 0, 1, 12, 0, i * 10),
}));

/** The transformation: CPU above 80% becomes an alert, above 95% a critical one. */
function toAlert(m: Metric) {
  if (m.value <= 80) return null;
  return {
    host: m.host,
    level: m.value > 95 ? 'critical' : 'warning',
    cpu: m.value,
    at: new Date(m.ts).toISOString(),
  };
}

async function pipe(): Promise<{ in: number; out: number }> {
  const consumer = kafka.consumer({
    'isolation.level': 'read_committed',
    kafkaJS: { groupId: `demo-pipe-${run}`, fromBeginning: true, autoCommit: false },
  });
  const producer = kafka.producer({ kafkaJS: { transactionalId: `demo-pipe-${run}`, idempotent: true } });
  await Promise.all([consumer.connect(), producer.connect()]);
  let consumed = 0;
  let produced = 0;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  await consumer.subscribe({ topics: [metricsTopic] });
  void consumer.run({
    eachBatch: async ({ batch }) => {
      const alerts = batch.messages.flatMap((message) => {
        const alert = toAlert(JSON.parse(message.value!.toString()) as Metric);
        return alert ? [{ key: alert.host, value: JSON.stringify(alert) }] : [];
      });
      // One transaction per batch: the alerts and the input offsets commit together, or neither does.
      const txn = await producer.transaction();
      if (alerts.length > 0) await txn.send({ topic: alertsTopic, messages: alerts });
      await txn.sendOffsets({
        consumer,
        topics: [
          {
            topic: batch.topic,
            partitions: [{ partition: batch.partition, offset: String(Number(batch.lastOffset()) + 1) }],
          },
        ],
      });
      await txn.commit();
      consumed += batch.messages.length;
      produced += alerts.length;
      if (consumed === metrics.length) finished();
    },
  });
  const timeout = setTimeout(() => finished(), 60_000);
  await done;
  clearTimeout(timeout);
  await Promise.all([consumer.disconnect(), producer.disconnect()]);
  if (consumed !== metrics.length)
    throw new Error(`pipe consumed ${consumed} of ${metrics.length} records in 60 s`);
  return { in: consumed, out: produced };
}

async function readAlerts(expected: number): Promise<string[]> {
  const consumer = kafka.consumer({
    'isolation.level': 'read_committed',
    kafkaJS: { groupId: `demo-reader-${run}`, fromBeginning: true },
  });
  const out: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [alertsTopic] });
  void consumer.run({
    eachMessage: async ({ message }) => {
      out.push(message.value!.toString());
    },
  });
  const deadline = Date.now() + 30_000;
  while (out.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await consumer.disconnect();
  return out;
}

async function main(): Promise<void> {
  console.log(`Tributary smoke demo on ${brokers.join(',')}`);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      { topic: metricsTopic, numPartitions: 2 },
      { topic: alertsTopic, numPartitions: 2 },
    ],
  });
  try {
    const producer = kafka.producer({ 'enable.idempotence': true });
    await producer.connect();
    await producer.send({
      topic: metricsTopic,
      messages: metrics.map((m) => ({ key: m.host, value: JSON.stringify(m) })),
    });
    await producer.disconnect();
    console.log(`produced ${metrics.length} cpu metrics to ${metricsTopic}`);

    const counts = await pipe();
    console.log(
      `pipe: consumed ${counts.in}, produced ${counts.out} alerts in transactions (offsets committed with them)`,
    );

    const alerts = await readAlerts(counts.out);
    console.log(`read_committed ${alertsTopic}:`);
    for (const a of alerts) console.log(`  ${a}`);
    const expected = metrics.flatMap((m) => {
      const alert = toAlert(m);
      return alert ? [JSON.stringify(alert)] : [];
    });
    if (JSON.stringify([...alerts].sort()) !== JSON.stringify(expected.sort()))
      throw new Error(`expected the alerts ${expected.join(' ')}, read ${alerts.join(' ')}`);
    console.log(`OK: the ${alerts.length} expected alerts from ${metrics.length} metrics`);
  } finally {
    await admin.deleteTopics({ topics: [metricsTopic, alertsTopic] }).catch(() => {});
    await admin.deleteGroups([`demo-pipe-${run}`, `demo-reader-${run}`]).catch(() => {});
    await admin.disconnect();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
