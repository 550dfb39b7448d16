// Driver throughput of the three monitoring topologies over 10k series (issue 6): records/s through
// TopologyTestDriver, per-record latency of pipeInput (processing + commit, as the driver commits after each record),
// memory, for RocksDB (default) and in-memory stores.
// Run: npm run bench -- monitoring-topologies [records per run] [guard|rollups|alerting...] [rocksdb|in-memory...]
// (compiled JS; default: 200k records, every topology, both store types).
// Inputs are Avro-encoded before the clock starts: the figure is the topology's, not the test's serialization.
import { MockClient } from '@confluentinc/schemaregistry';
import {
  type AlertRule,
  alertingTopology,
  cardinalityGuardTopology,
  defineAlertRule,
  type Metric,
  type MonitoringSerdes,
  monitoringSerdes,
  rollupsTopology,
  Serdes,
  type StoreType,
  seriesKey,
  DEFAULT_MONITORING_TOPICS as T,
  type Topology,
  TopologyTestDriver,
} from '../index.js';
import { type Figure, percentile, printFigures } from './support/report.js';

const args = process.argv.slice(2);
const N = Number(args.find((a) => /^\d+$/.test(a)) ?? 200_000);
const STORE_TYPES: StoreType[] = ['rocksdb', 'in-memory'];
const storeTypes = STORE_TYPES.filter((t) => args.includes(t));
const only = args.filter((a) => !/^\d+$/.test(a) && !STORE_TYPES.includes(a as StoreType));
const SERIES = 10_000;
const WARM_UP = 20_000;
const NOON = Date.UTC(2026, 10, 28, 12, 0, 0);
/** Every series reports every 10 s: 1,000 samples per second of event time, 60,000 per 1-minute window. */
const INTERVAL_MS = 10_000;

interface Input {
  readonly key: Buffer;
  readonly value: Buffer;
  readonly timestamp: number;
}

const services = ['api-gateway', 'checkout', 'search', 'auth', 'catalog'];
function metricOf(i: number): Metric {
  const series = i % SERIES;
  const timestamp = NOON + Math.floor(i / SERIES) * INTERVAL_MS + (series % INTERVAL_MS);
  return {
    name: 'http_request_duration_ms',
    labels: { service: services[series % services.length], instance: `pod-${series}`, method: 'GET' },
    value: 50 + ((i * 7919) % 1000) / 10,
    timestamp,
  };
}

async function encodeInputs(serdes: MonitoringSerdes, topic: string, count: number): Promise<Input[]> {
  await serdes.metric.prepare?.({ topic, isKey: false });
  return Array.from({ length: count }, (_, i) => {
    const metric = metricOf(i);
    return {
      key: Buffer.from(seriesKey(metric.name, metric.labels)),
      value: serdes.metric.serialize(topic, metric),
      timestamp: metric.timestamp,
    };
  });
}

/** Ten rules over the metric: per service and overall, avg/max/count, 5-minute windows every minute. */
function rules(): AlertRule[] {
  return [
    ...services.map((service, i) =>
      defineAlertRule({
        name: `SlowService${i}`,
        expr: `avg(http_request_duration_ms{service="${service}"}[5m]) > 90 for 2m`,
      }),
    ),
    defineAlertRule({ name: 'AnySlow', expr: 'max(http_request_duration_ms[5m]) > 149' }),
    defineAlertRule({
      name: 'Gateway',
      expr: 'count(http_request_duration_ms{service=~"api-.*"}[5m]) > 100',
    }),
    defineAlertRule({ name: 'NotAuth', expr: 'min(http_request_duration_ms{service!="auth"}[1m]) < 0' }),
    defineAlertRule({ name: 'Quiet', expr: 'sum(http_request_duration_ms{method="POST"}[5m]) > 1' }),
    defineAlertRule({ name: 'Pods', expr: 'avg(http_request_duration_ms{instance=~"pod-1.*"}[10m]) > 200' }),
  ];
}

async function measure(
  name: string,
  topology: Topology,
  inputTopic: string,
  inputs: readonly Input[],
  outputTopics: readonly string[],
  setUp?: (driver: TopologyTestDriver) => Promise<void>,
): Promise<Figure> {
  const driver = new TopologyTestDriver(topology);
  await driver.init();
  await setUp?.(driver);
  const input = driver.createInputTopic(inputTopic, Serdes.bytes(), Serdes.bytes());
  const outputs = outputTopics.map((t) => driver.createOutputTopic(t, Serdes.bytes(), Serdes.bytes()));
  const drain = () => outputs.reduce((n, o) => n + o.readRecordsToList().length, 0);
  for (let i = 0; i < WARM_UP; i++)
    await input.pipeInput(inputs[i].key, inputs[i].value, inputs[i].timestamp);
  drain();
  const latencies = new Float64Array(N);
  let emitted = 0;
  let elapsed = 0n;
  let cpuUs = 0;
  for (let from = WARM_UP; from < WARM_UP + N; from += 10_000) {
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    for (let i = from; i < Math.min(from + 10_000, WARM_UP + N); i++) {
      const t0 = process.hrtime.bigint();
      const r = inputs[i];
      await input.pipeInput(r.key, r.value, r.timestamp);
      latencies[i - WARM_UP] = Number(process.hrtime.bigint() - t0) / 1e6;
    }
    elapsed += process.hrtime.bigint() - start;
    const used = process.cpuUsage(cpu);
    cpuUs += used.user + used.system;
    emitted += drain(); // outside the clock: reading is the test's work
  }
  const seconds = Number(elapsed) / 1e9;
  const rssMb = process.memoryUsage().rss / 2 ** 20;
  await driver.close();
  const sorted = Array.from(latencies).sort((a, b) => a - b);
  // Records that closed a window (or met a garbage collection): what their share of the time is says whether the
  // per-record path or the window closes dominate.
  const slow = sorted.filter((ms) => ms > 1);
  const slowMs = slow.reduce((sum, ms) => sum + ms, 0);
  return {
    name,
    records: N,
    seconds,
    recordsPerSecond: N / seconds,
    cpuSeconds: cpuUs / 1e6,
    rssMb,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    note:
      `max ${sorted[sorted.length - 1].toFixed(0)} ms, ${slow.length} over 1 ms taking ${(slowMs / 1000).toFixed(2)} s  ` +
      `${emitted.toLocaleString('en-US')} outputs`,
  };
}

const figures: Figure[] = [];
for (const storeType of storeTypes.length > 0 ? storeTypes : STORE_TYPES) {
  const serdes = monitoringSerdes(new MockClient({ baseURLs: ['mock://'] }));
  if (only.length === 0 || only.includes('guard')) {
    const inputs = await encodeInputs(serdes, T.raw, WARM_UP + N);
    figures.push(
      await measure(
        `cardinality guard (${storeType})`,
        cardinalityGuardTopology({ serdes, storeType }),
        T.raw,
        inputs,
        [T.valid, T.rejected, T.alerts],
      ),
    );
  }
  if (only.length === 0 || only.includes('rollups')) {
    const inputs = await encodeInputs(serdes, T.valid, WARM_UP + N);
    figures.push(
      await measure(
        `rollups 1m/5m/1h (${storeType})`,
        rollupsTopology({ serdes, storeType }),
        T.valid,
        inputs,
        [T.rollup1m, T.rollup5m, T.rollup1h],
      ),
    );
  }
  if (only.length === 0 || only.includes('alerting')) {
    const inputs = await encodeInputs(serdes, T.valid, WARM_UP + N);
    await serdes.alertRule.prepare?.({ topic: T.alertRules, isKey: false });
    figures.push(
      await measure(
        `alerting, 10 rules (${storeType})`,
        alertingTopology({ serdes, storeType }),
        T.valid,
        inputs,
        [T.alerts],
        async (driver) => {
          const topic = driver.createInputTopic(T.alertRules, Serdes.string(), serdes.alertRule);
          for (const rule of rules()) await topic.pipeInput(rule.name, rule, 0);
          await driver.advanceWallClockTime(10_000);
        },
      ),
    );
  }
}
printFigures(
  `Monitoring topologies on TopologyTestDriver, ${SERIES.toLocaleString('en-US')} series`,
  figures,
);
