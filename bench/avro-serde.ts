// Avro serde throughput for the Metric record (Confluent wire format, schema id cached after prepare()).
// Prints records/s, p50/p99 latency per record (measured over batches), bytes per record, memory.
// Run: npx tsx bench/avro-serde.ts
import { MockClient } from '@confluentinc/schemaregistry/dist/mock-schemaregistry-client.js';
import { avroSerde } from '../schemas/avro/index.js';
import { type Metric, metricSchema } from '../schemas/monitoring/index.js';

const TOPIC = 'metrics.valid';
const RECORDS = 2_000_000;
const BATCH = 1000;

const serde = avroSerde<Metric>(metricSchema, new MockClient());
await serde.prepare?.({ topic: TOPIC, isKey: false });

const hosts = Array.from({ length: 1000 }, (_, i) => `server-${i}`);
const metrics: Metric[] = Array.from({ length: 4096 }, (_, i) => ({
  name: i % 2 === 0 ? 'cpu_usage' : 'http_requests_total',
  labels: { host: hosts[i % hosts.length], service: `svc-${i % 17}`, region: 'eu-west-1' },
  value: Math.random() * 100,
  timestamp: 1_764_331_200_000 + i * 1000,
}));
const encoded = metrics.map((m) => serde.serialize(TOPIC, m));

function measure(label: string, op: (i: number) => unknown): void {
  for (let i = 0; i < 200_000; i++) op(i); // warm-up
  const perRecordNs: number[] = [];
  const heapBefore = process.memoryUsage().heapUsed;
  const start = process.hrtime.bigint();
  for (let b = 0; b < RECORDS / BATCH; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = b * BATCH; i < (b + 1) * BATCH; i++) op(i);
    perRecordNs.push(Number(process.hrtime.bigint() - t0) / BATCH);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  perRecordNs.sort((a, b) => a - b);
  const pct = (p: number) => perRecordNs[Math.floor(p * (perRecordNs.length - 1))].toFixed(0);
  const rate = Math.round(RECORDS / seconds).toLocaleString('en-US');
  const heapDelta = ((process.memoryUsage().heapUsed - heapBefore) / 2 ** 20).toFixed(1);
  console.log(
    `${label.padEnd(12)} ${rate.padStart(11)} records/s   p50 ${pct(0.5)} ns   p99 ${pct(0.99)} ns   heap ${heapDelta} MiB`,
  );
}

const bytes = encoded.reduce((n, b) => n + b.length, 0) / encoded.length;
console.log(
  `avroSerde<Metric>, ${bytes.toFixed(1)} bytes per record (5-byte header + Avro), node ${process.version}`,
);
measure('serialize', (i) => serde.serialize(TOPIC, metrics[i & 4095]));
measure('deserialize', (i) => serde.deserialize(TOPIC, encoded[i & 4095]));
console.log(`rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
