// Throughput and latency of the notification topology on TopologyTestDriver against the local Redis (every alert is
// one Redis round trip: the dedup claim), per delivery: the default topic delivery (warning: one notification;
// critical: three), duplicates (claim refused: nothing delivered), and webhooks to a local express receiver.
// The design document's figures: 1000 alerts/s, notification latency p99 < 500 ms.
// Run: npm run bench -- notifications [alerts per case] (Redis on 127.0.0.1:6379, e.g. via scripts/setup.sh).
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockClient } from '@confluentinc/schemaregistry';
import express from 'express';
import { Redis } from 'ioredis';
import {
  type Alert,
  alertFingerprint,
  monitoringSerdes,
  type NotificationDelivery,
  notificationsTopology,
  Serdes,
  type Severity,
  DEFAULT_MONITORING_TOPICS as T,
  TopologyTestDriver,
  webhookDelivery,
} from '../index.js';
import { type Figure, percentile, printFigures, Stopwatch } from './support/report.js';

const N = Number(process.argv[2] ?? 5_000);
const NOON = Date.UTC(2026, 10, 28, 12, 0, 0);
const keyPrefix = `tributary-bench:${randomUUID().slice(0, 8)}:`;

function alertOf(i: number, severity: Severity): Alert {
  const labels = { host: `host-${i}`, service: 'api-gateway' };
  return {
    fingerprint: alertFingerprint('HighCPUUsage', 'cpu_usage', labels),
    rule: 'HighCPUUsage',
    metric: 'cpu_usage',
    state: 'FIRING',
    labels,
    ruleLabels: {},
    value: 85,
    threshold: 80,
    comparison: 'gt',
    aggregation: 'avg',
    severity,
    activeAt: NOON,
    timestamp: NOON + i,
    reason: null,
  };
}

/** `before`: piped first, outside the clock (e.g. the alerts whose duplicates are measured). */
async function measure(
  name: string,
  alerts: readonly Alert[],
  delivery?: NotificationDelivery,
  before: readonly Alert[] = [],
): Promise<Figure> {
  const prefix = `${keyPrefix}${name}:`;
  const serdes = monitoringSerdes(new MockClient({ baseURLs: ['mock://'] }));
  const driver = new TopologyTestDriver(
    notificationsTopology({ serdes, dedup: { keyPrefix: prefix }, ...(delivery ? { delivery } : {}) }),
  );
  await driver.init();
  await serdes.alert.prepare?.({ topic: T.alerts, isKey: false });
  const input = driver.createInputTopic(T.alerts, Serdes.string(), Serdes.bytes());
  const output = driver.createOutputTopic('notifications', Serdes.string(), Serdes.bytes());
  for (const a of before)
    await input.pipeInput(a.fingerprint, serdes.alert.serialize(T.alerts, a), a.timestamp);
  output.readRecordsToList();
  const encoded = alerts.map((a) => serdes.alert.serialize(T.alerts, a));
  const latencies = new Float64Array(alerts.length);
  const clock = new Stopwatch();
  await clock.time(async () => {
    for (let i = 0; i < alerts.length; i++) {
      const t0 = process.hrtime.bigint();
      await input.pipeInput(alerts[i].fingerprint, encoded[i], alerts[i].timestamp);
      latencies[i] = Number(process.hrtime.bigint() - t0) / 1e6;
    }
  });
  const notifications = output.readRecordsToList().length;
  const rssMb = process.memoryUsage().rss / 2 ** 20;
  await driver.close();
  const sorted = Array.from(latencies).sort((a, b) => a - b);
  return {
    name,
    records: alerts.length,
    seconds: clock.seconds,
    recordsPerSecond: alerts.length / clock.seconds,
    cpuSeconds: clock.cpuSeconds,
    rssMb,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    note: `${notifications.toLocaleString('en-US')} notifications`,
  };
}

async function receiver(): Promise<{ url: (channel: string) => string; close: () => Promise<void> }> {
  const app = express();
  app.post('/hooks/:channel', express.json(), (_req, res) => {
    res.json({ ok: true });
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: (channel) => `http://127.0.0.1:${port}/hooks/${channel}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const warning = Array.from({ length: N }, (_, i) => alertOf(i, 'warning'));
const critical = Array.from({ length: N }, (_, i) => alertOf(i, 'critical'));
const figures: Figure[] = [];
figures.push(await measure('topic delivery, warning (1 channel)', warning));
figures.push(await measure('topic delivery, critical (3 channels)', critical));
// The same alerts again (later offsets, within the window): every claim is refused.
figures.push(await measure('duplicates (dedup refuses each)', warning, undefined, warning));
const hooks = await receiver();
figures.push(
  await measure(
    'webhook delivery, critical (3 parallel POSTs)',
    critical,
    webhookDelivery({
      urls: Object.fromEntries(['slack', 'pagerduty', 'email'].map((c) => [c, hooks.url(c)])),
    }),
  ),
);
await hooks.close();

const redis = new Redis({ host: '127.0.0.1', port: 6379 });
const keys = await redis.keys(`${keyPrefix}*`);
for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
redis.disconnect();
printFigures(
  `Notification topology on TopologyTestDriver with Redis dedup, ${N.toLocaleString('en-US')} alerts per case`,
  figures,
);
