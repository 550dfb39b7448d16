// The three monitoring topologies chained (guard -> rollups, alerting) on a generated workload: the workload, the
// configs, and a run on TopologyTestDriver whose results the integration test compares with a run on Kafka.
//
// The workload is built so that its results do not depend on how Kafka interleaves partitions: raw records are keyed
// by metric name (a metric's samples stay in order in one partition, so cardinality admission is deterministic),
// grace periods exceed the workload's span (no sample is ever late, whatever the interleaving), no series expires and
// no no-data timeout passes, and every series gets two closing samples far after the data so that every window of
// the data closes in every task.
import {
  type Alert,
  type AlertingConfig,
  type AlertRule,
  alertingTopology,
  type CardinalityGuardConfig,
  cardinalityGuardTopology,
  DEFAULT_MONITORING_TOPICS,
  defineAlertRule,
  type Metric,
  type MonitoringSerdes,
  type MonitoringTopics,
  type Rejection,
  type Rollup,
  type RollupsConfig,
  rollupsTopology,
  Serdes,
  type StoreType,
  type TestRecord,
  TopologyTestDriver,
} from 'tributary';
import { seededRandom } from '../random.js';
import { HOUR, MINUTE, NOON, SECOND } from './support.js';

export const WORKLOAD_END = NOON + 30 * MINUTE;
/** Two rounds of closing samples: the first closes every window of the data, the second the merged levels. */
export const CLOSING_TIMES = [NOON + 2 * HOUR, NOON + 3 * HOUR + 5 * MINUTE] as const;
const SERIES_LIMIT = 50;

export const PIPELINE_CONFIG = {
  guard: {
    cardinality: {
      maxSeriesPerMetric: SERIES_LIMIT,
      seriesInactivityMs: 24 * HOUR,
      alertPeriodMs: 5 * MINUTE,
    },
  } satisfies Omit<CardinalityGuardConfig, 'serdes'>,
  rollups: { graceMs: HOUR, mergeGraceMs: HOUR } satisfies Omit<RollupsConfig, 'serdes'>,
  alerting: { graceMs: HOUR, noDataTimeoutMs: 6 * HOUR } satisfies Omit<AlertingConfig, 'serdes'>,
};

export const PIPELINE_RULES: readonly AlertRule[] = [
  defineAlertRule({
    name: 'HighCPUUsage',
    expr: 'avg(cpu_usage{service="api-gateway"}[5m]) > 80 for 2m',
    severity: 'warning',
  }),
  defineAlertRule({
    name: 'QueueBacklog',
    expr: 'max(queue_depth{queue=~"q-1.*"}[1m]) >= 90',
    severity: 'critical',
  }),
  defineAlertRule({ name: 'LowTraffic', expr: 'sum(http_requests_total{path!="/health"}[5m]) < 40' }),
];

/** A raw record as a collector writes it: Avro bytes, or anything else. */
export interface RawInput {
  readonly key: string;
  /** A Metric to encode, or bytes that are not one. */
  readonly value: Metric | Buffer;
  readonly timestamp: number;
}

/**
 * ~15k samples over 30 minutes (every series every 15 s) of cpu_usage (40 series), http_requests_total (30) and
 * queue_depth (60 series: 10 beyond the limit of 50), sprinkled with blacklisted labels, too many labels and bytes
 * that are not Avro; then the closing samples. Sorted by time.
 */
export function pipelineWorkload(seed = 7): RawInput[] {
  const random = seededRandom(seed);
  const series: Array<{ name: string; labels: Record<string, string>; value: (t: number) => number }> = [];
  const services = ['api-gateway', 'checkout', 'search', 'auth', 'catalog'];
  for (const service of services) {
    for (let host = 0; host < 8; host++) {
      // api-gateway runs at 86 from 12:05 to 12:20 on every host, else at 30-50: a 5-minute window averages above 80
      // only when it lies entirely in the hot period (one normal minute brings it to at most 78.8).
      const hot = service === 'api-gateway';
      series.push({
        name: 'cpu_usage',
        labels: { service, host: `host-${host}` },
        value: (t) => (hot && t >= NOON + 5 * MINUTE && t < NOON + 20 * MINUTE ? 86 : 30 + random() * 20),
      });
    }
  }
  for (let p = 0; p < 30; p++) {
    // /p0../p4 lose most of their traffic after 12:15.
    series.push({
      name: 'http_requests_total',
      labels: { service: services[p % 5], path: p === 29 ? '/health' : `/p${p}` },
      value: (t) => (p < 5 && t >= NOON + 15 * MINUTE ? random() : 5 + random() * 10),
    });
  }
  for (let q = 0; q < 60; q++) {
    series.push({
      name: 'queue_depth',
      labels: { queue: `q-${q}` },
      value: (t) => (q === 1 && t >= NOON + 10 * MINUTE ? 95 : Math.floor(random() * 80)),
    });
  }

  const records: RawInput[] = [];
  for (let t = NOON; t < WORKLOAD_END; t += 15 * SECOND) {
    series.forEach((s, i) => {
      const at = t + (i % 15) * 100; // spread within the 15 s so that timestamps differ
      records.push({
        key: s.name,
        value: { name: s.name, labels: s.labels, value: s.value(at), timestamp: at },
        timestamp: at,
      });
    });
    if ((t - NOON) % MINUTE === 0) {
      const at = t + 5 * SECOND;
      records.push({
        key: 'cpu_usage',
        value: { name: 'cpu_usage', labels: { service: 'auth', user_id: `u-${t}` }, value: 1, timestamp: at },
        timestamp: at,
      });
      const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`l${i}`, 'v']));
      records.push({
        key: 'cpu_usage',
        value: { name: 'cpu_usage', labels: many, value: 1, timestamp: at },
        timestamp: at,
      });
      records.push({ key: 'garbage', value: Buffer.from(`not a metric @${t}`), timestamp: at });
    }
  }
  for (const closing of CLOSING_TIMES) {
    for (const s of series) {
      records.push({
        key: s.name,
        value: { name: s.name, labels: s.labels, value: 0, timestamp: closing },
        timestamp: closing,
      });
    }
  }
  return records.sort((a, b) => a.timestamp - b.timestamp);
}

/** What the chained topologies published, decoded. */
export interface PipelineResults {
  readonly valid: ReadonlyArray<TestRecord<string, Metric>>;
  readonly rejected: ReadonlyArray<TestRecord<string | null, Rejection>>;
  readonly guardAlerts: ReadonlyArray<TestRecord<string, Alert>>;
  readonly rollup1m: ReadonlyArray<TestRecord<string, Rollup>>;
  readonly rollup5m: ReadonlyArray<TestRecord<string, Rollup>>;
  readonly rollup1h: ReadonlyArray<TestRecord<string, Rollup>>;
  readonly alerts: ReadonlyArray<TestRecord<string, Alert>>;
}

/**
 * Runs the workload through the three topologies on TopologyTestDriver: raw records into the guard, its
 * `metrics.valid` records (bytes, timestamps as written) into rollups and alerting, as Kafka would carry them.
 * `serdes` are the topologies' serdes; `clients` the test's (same registry).
 */
export async function runPipelineOnDriver(
  workload: readonly RawInput[],
  serdes: MonitoringSerdes,
  clients: MonitoringSerdes,
  options: { readonly storeType?: StoreType; readonly topics?: MonitoringTopics } = {},
): Promise<PipelineResults> {
  const { storeType = 'rocksdb', topics: T = DEFAULT_MONITORING_TOPICS } = options;
  const S = Serdes.string();
  const B = Serdes.bytes();
  for (const [serde, topic] of [
    [clients.metric, T.raw],
    [clients.metric, T.valid],
    [clients.rejection, T.rejected],
    [clients.alert, T.alerts],
    [clients.rollup, T.rollup1m],
    [clients.rollup, T.rollup5m],
    [clients.rollup, T.rollup1h],
    [clients.alertRule, T.alertRules],
  ] as const) {
    await serde.prepare?.({ topic, isKey: false });
  }

  const guard = new TopologyTestDriver(
    cardinalityGuardTopology({ serdes, storeType, topics: T, ...PIPELINE_CONFIG.guard }),
  );
  const rollups = new TopologyTestDriver(
    rollupsTopology({ serdes, storeType, topics: T, ...PIPELINE_CONFIG.rollups }),
  );
  const alerting = new TopologyTestDriver(
    alertingTopology({ serdes, storeType, topics: T, ...PIPELINE_CONFIG.alerting }),
  );
  try {
    await Promise.all([guard.init(), rollups.init(), alerting.init()]);
    const rules = alerting.createInputTopic(T.alertRules, S, clients.alertRule);
    for (const rule of PIPELINE_RULES) await rules.pipeInput(rule.name, rule, NOON);
    await alerting.advanceWallClockTime(10 * SECOND); // the rule refresh

    const raw = guard.createInputTopic(T.raw, S, B);
    const validOut = guard.createOutputTopic(T.valid, B, B);
    const validIntoRollups = rollups.createInputTopic(T.valid, B, B);
    const validIntoAlerting = alerting.createInputTopic(T.valid, B, B);
    const validBytes: Array<TestRecord<Buffer, Buffer>> = [];
    for (const record of workload) {
      const bytes = Buffer.isBuffer(record.value)
        ? record.value
        : clients.metric.serialize(T.raw, record.value);
      await raw.pipeInput(record.key, bytes, record.timestamp);
      for (const valid of validOut.readRecordsToList()) {
        validBytes.push(valid);
        await validIntoRollups.pipeInput(valid.key, valid.value, valid.timestamp);
        await validIntoAlerting.pipeInput(valid.key, valid.value, valid.timestamp);
      }
    }
    const decode = <V>(
      records: Array<TestRecord<Buffer, Buffer>>,
      serde: { deserialize: (t: string, b: Buffer) => V },
      topic: string,
    ) =>
      records.map((r) => ({ ...r, key: r.key.toString('utf8'), value: serde.deserialize(topic, r.value) }));
    return {
      valid: decode(validBytes, clients.metric, T.valid),
      rejected: guard
        .createOutputTopic<string | null, Rejection>(T.rejected, S, clients.rejection)
        .readRecordsToList(),
      guardAlerts: guard.createOutputTopic(T.alerts, S, clients.alert).readRecordsToList(),
      rollup1m: rollups.createOutputTopic(T.rollup1m, S, clients.rollup).readRecordsToList(),
      rollup5m: rollups.createOutputTopic(T.rollup5m, S, clients.rollup).readRecordsToList(),
      rollup1h: rollups.createOutputTopic(T.rollup1h, S, clients.rollup).readRecordsToList(),
      alerts: alerting.createOutputTopic(T.alerts, S, clients.alert).readRecordsToList(),
    };
  } finally {
    await Promise.all([guard.close(), rollups.close(), alerting.close()]);
  }
}
