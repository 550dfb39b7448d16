// The ingest endpoint on the broker: valid payloads become Avro Metric records on the raw topic (keyed by series key,
// in the partition murmur2 gives that key); invalid payloads are refused with 4xx and write nothing; the server
// keeps serving.
import { seriesKey, startIngestServer } from 'tributary';
import { afterAll, describe, expect, it } from 'vitest';
import { partitionForKey } from '../../../runtime/kafka/murmur2.js';
import { consumeToEnd, createTopics, kafkaClient, uniqueName } from '../../support/kafka.js';
import { mockRegistry } from '../../unit/monitoring/topologies/support.js';
import { readBytes } from './read-bytes.js';

const kafka = kafkaClient();
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers.splice(0)) await close();
});

async function post(url: string, body: string, contentType: string) {
  const response = await fetch(`${url}/metrics`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  return { status: response.status, body: (await response.json()) as { accepted?: number; error?: string } };
}

describe('ingest endpoint on Kafka', () => {
  it('writes valid samples as Metric records keyed by series; refuses invalid ones with 4xx and writes nothing', async () => {
    const topic = uniqueName('ingest.metrics.raw');
    const partitions = 3;
    await createTopics(kafka, [{ topic, numPartitions: partitions }]);
    const { serdes, clients } = mockRegistry();
    const now = Date.UTC(2026, 10, 28, 12, 0, 0);
    const ingest = await startIngestServer({ serdes, topic, port: 0, clock: () => now });
    closers.push(() => ingest.close());

    const text = Array.from(
      { length: 12 },
      (_, i) => `cpu_usage{host="server-${i}",service="api"} ${50 + i}`,
    ).join('\n');
    expect(await post(ingest.url, text, 'text/plain; version=0.0.4')).toEqual({
      status: 200,
      body: { accepted: 12 },
    });
    const bad = await post(ingest.url, 'cpu_usage{user_id="u-1"} 5\n', 'text/plain');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain('line 1: blacklisted labels (high cardinality): "user_id"');
    expect((await post(ingest.url, '[{"metric": "up"', 'application/json')).status).toBe(400);
    const json = [
      { metric: 'memory_usage_bytes', labels: { host: 'server-1' }, value: 1.5e9, timestamp: now - 5_000 },
      { metric: 'up', value: 1 },
    ];
    expect(await post(ingest.url, JSON.stringify(json), 'application/json')).toEqual({
      status: 200,
      body: { accepted: 2 },
    });
    expect(ingest.stats).toMatchObject({ requests: 4, samplesAccepted: 14, rejectedRequests: { 400: 2 } });

    // Everything: the end markers guarantee nothing more is in the topic; then the bytes, to decode the Avro values.
    expect(await consumeToEnd(kafka, topic)).toHaveLength(14);
    const records = (await readBytes(kafka, topic, 14 + partitions)).filter((r) => r.value !== null); // minus markers
    await clients.metric.prepare?.({ topic, isKey: false });
    const written = records.map((r) => ({ r, metric: clients.metric.deserialize(topic, r.value as Buffer) }));
    for (const { r, metric } of written) {
      const key = seriesKey(metric.name, metric.labels);
      expect(r.key).toBe(key);
      expect(r.partition).toBe(partitionForKey(Buffer.from(key), partitions));
    }
    const byKey = Object.fromEntries(
      written.map(({ metric }) => [seriesKey(metric.name, metric.labels), metric]),
    );
    expect(byKey['cpu_usage{host="server-3",service="api"}']).toEqual({
      name: 'cpu_usage',
      labels: { host: 'server-3', service: 'api' },
      value: 53,
      timestamp: now,
    });
    expect(byKey['memory_usage_bytes{host="server-1"}'].timestamp).toBe(now - 5_000);
    expect(byKey.up).toEqual({ name: 'up', labels: {}, value: 1, timestamp: now });
    expect(Object.keys(byKey).some((k) => k.includes('user_id'))).toBe(false);
  });
});
