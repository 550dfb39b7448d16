// The ingest endpoint: collectors and agents POST samples over HTTP; valid ones become Metric records on metrics.raw.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import { DEFAULT_MONITORING_TOPICS, type Metric, type MonitoringSerdes, seriesKey } from '../../../index.js';
import { DEFAULT_LABEL_POLICY, type LabelPolicy } from '../lib/guard/label-validation.js';
import { createIngestApp, type IngestStats } from './ingest-app.js';

export interface IngestServerConfig {
  /** The Metric serde writes Avro in Confluent's wire format (`monitoringSerdes(registry)`). */
  readonly serdes: MonitoringSerdes;
  /** Where samples go (default `metrics.raw`). */
  readonly topic?: string;
  /** Default: the KAFKA_BOOTSTRAP_SERVERS environment variable. */
  readonly bootstrapServers?: string;
  /** Default 9091; 0 picks a free port (see `IngestServer.port`). */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Label rules checked at the edge; unset fields keep `DEFAULT_LABEL_POLICY`'s (the guard's defaults). */
  readonly labels?: Partial<LabelPolicy>;
  /** Largest request body (default 1 MiB). */
  readonly maxBodyBytes?: number;
  /** Most samples in one request (default 10 000). */
  readonly maxSamplesPerRequest?: number;
  /** How long Kafka may take to acknowledge a request's samples before the request fails with 503 (default 10 s). */
  readonly deliveryTimeoutMs?: number;
  /** librdkafka properties for the producer (applied last). */
  readonly producer?: Readonly<Record<string, string | number | boolean>>;
  /** Time given to samples without a timestamp (default Date.now). */
  readonly clock?: () => number;
}

export interface IngestServer {
  /** `http://host:port`; samples go to `${url}/metrics`. */
  readonly url: string;
  readonly port: number;
  /** Counters since start (a live view). */
  readonly stats: Readonly<IngestStats>;
  /** Stops accepting requests, waits for those in flight, then flushes and closes the producer. */
  close(): Promise<void>;
}

/**
 * Starts the ingest endpoint: `POST /metrics` with `Content-Type: text/plain` (Prometheus text exposition format) or
 * `application/json` (`[{ "metric", "labels", "value", "timestamp" }]`), `GET /health`. Each request is validated as
 * a whole (names, label policy, values, timestamps) and answered 4xx with every problem named, or written to Kafka
 * and answered 200 `{ "accepted": n }` once the broker acknowledged it.
 *
 * The producer is a plain idempotent one (no transactions: each request is its own unit, and idempotence keeps
 * retries inside the client from duplicating records), keyed by series key and partitioned with murmur2 like every
 * Tributary and Java producer, so a series always lands on the same raw partition.
 */
export async function startIngestServer(config: IngestServerConfig): Promise<IngestServer> {
  const topic = config.topic ?? DEFAULT_MONITORING_TOPICS.raw;
  const brokers = config.bootstrapServers ?? process.env.KAFKA_BOOTSTRAP_SERVERS;
  if (!brokers)
    throw new RangeError('startIngestServer: bootstrapServers is required (or set KAFKA_BOOTSTRAP_SERVERS)');
  const serde = config.serdes.metric;
  await serde.prepare?.({ topic, isKey: false });

  const { KafkaJS: Kafka } = await import('@confluentinc/kafka-javascript');
  const kafka = new Kafka.Kafka({ kafkaJS: { brokers: brokers.split(','), logLevel: Kafka.logLevel.ERROR } });
  const producer: KafkaJS.Producer = kafka.producer({
    'enable.idempotence': true,
    partitioner: 'murmur2_random',
    'linger.ms': 5,
    'message.timeout.ms': config.deliveryTimeoutMs ?? 10_000,
    ...config.producer,
  });
  await producer.connect();

  const stats: IngestStats = { requests: 0, samplesAccepted: 0, rejectedRequests: {}, failedRequests: 0 };
  const write = async (metrics: readonly Metric[]) => {
    await producer.send({
      topic,
      messages: metrics.map((metric) => ({
        key: seriesKey(metric.name, metric.labels),
        value: serde.serialize(topic, metric),
      })),
    });
  };
  let server: Server;
  try {
    const app = await createIngestApp({
      labels: { ...DEFAULT_LABEL_POLICY, ...config.labels },
      maxBodyBytes: config.maxBodyBytes ?? 1024 * 1024,
      maxSamplesPerRequest: config.maxSamplesPerRequest ?? 10_000,
      clock: config.clock ?? Date.now,
      write,
      stats,
    });
    server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(config.port ?? 9091, config.host ?? '127.0.0.1', (error?: Error) =>
        error ? reject(error) : resolve(s),
      );
    });
  } catch (error) {
    await producer.disconnect();
    throw error;
  }
  const address = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${address.address}:${address.port}`,
    port: address.port,
    stats,
    close: () => {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await producer.disconnect();
      })();
      return closing;
    },
  };
}
