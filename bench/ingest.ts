// Throughput and latency of the ingest endpoint on the broker: `clients` concurrent collectors POST batches of
// `batch` samples in the Prometheus text format; a request is answered once Kafka acknowledged its samples.
// Run: npm run bench -- ingest [seconds=10] [clients=8] [batch=100]  (broker: KAFKA_BOOTSTRAP_SERVERS or 127.0.0.1:9092)
import { randomUUID } from 'node:crypto';
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { MockClient } from '@confluentinc/schemaregistry';
import { monitoringSerdes, startIngestServer } from '../index.js';
import { type Figure, percentile, printFigures, Stopwatch } from './support/report.js';

const [seconds, clients, batch] = [10, 8, 100].map((d, i) => Number(process.argv[2 + i] ?? d));
const brokers = process.env.KAFKA_BOOTSTRAP_SERVERS ?? '127.0.0.1:9092';
const topic = `bench-ingest-${randomUUID().slice(0, 8)}`;
const kafka = new KafkaJS.Kafka({
  kafkaJS: { brokers: brokers.split(','), logLevel: KafkaJS.logLevel.NOTHING },
});
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] });

const ingest = await startIngestServer({
  serdes: monitoringSerdes(new MockClient({ baseURLs: ['mock://'] })),
  bootstrapServers: brokers,
  topic,
  port: 0,
});
/** One scrape of `batch` series of one host (1,000 hosts x `batch` series in all). */
function payload(request: number): string {
  const now = Date.now();
  const host = `host-${request % 1000}`;
  const lines: string[] = [];
  for (let i = 0; i < batch; i++) {
    lines.push(`http_requests_total{host="${host}",path="/api/${i}",code="200"} ${request + i} ${now}`);
  }
  return lines.join('\n');
}

const latencies: number[] = [];
let requests = 0;
let failed = 0;
const clock = new Stopwatch();
await clock.time(async () => {
  const deadline = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (Date.now() < deadline) {
        const body = payload(requests++);
        const t0 = process.hrtime.bigint();
        const response = await fetch(`${ingest.url}/metrics`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body,
        });
        await response.arrayBuffer();
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (!response.ok) failed++;
      }
    }),
  );
});
const rssMb = process.memoryUsage().rss / 2 ** 20;
const accepted = ingest.stats.samplesAccepted;
await ingest.close();
await admin.deleteTopics({ topics: [topic] });
await admin.disconnect();
const sorted = latencies.sort((a, b) => a - b);
const figure: Figure = {
  name: `${clients} clients x ${batch} samples/request, text format`,
  records: accepted,
  seconds: clock.seconds,
  recordsPerSecond: accepted / clock.seconds,
  cpuSeconds: clock.cpuSeconds,
  rssMb,
  p50Ms: percentile(sorted, 50),
  p99Ms: percentile(sorted, 99),
  note: `${latencies.length.toLocaleString('en-US')} requests (latency per request), ${failed} failed; the clients run in the same process`,
};
printFigures(`Ingest endpoint -> Kafka (${brokers}), samples acknowledged`, [figure]);
