// The monitoring demo's pipeline, in one process: ingest endpoint(s) -> metrics.raw -> cardinality guard ->
// rollups, alerting -> notifications (optionally regional ingests -> region enrichment -> the global topic), each
// topology its own KafkaStreams application (exactly once), fed by a synthetic load for a bounded time.
//
// One process, so one in-process schema registry (a MockClient) serves every producer, application and reader: the
// records are Confluent-framed Avro with ids from that registry. Split into several processes, they would need a
// Schema Registry server that all of them reach.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { MockClient } from '@confluentinc/schemaregistry';
import { Redis } from 'ioredis';
import {
  type Alert,
  type AlertRule,
  alertingTopology,
  cardinalityGuardTopology,
  DEFAULT_MONITORING_TOPICS,
  defineAlertRule,
  type IngestServer,
  type IngestStats,
  KafkaStreams,
  type MonitoringTopics,
  monitoringSerdes,
  NOTIFICATION_METRICS,
  type Notification,
  notificationsTopology,
  regionEnrichmentTopology,
  rollupsTopology,
  seriesKey,
  startIngestServer,
  type Topology,
} from 'tributary';
import { type LoadCounters, LoadGenerator } from './monitoring-demo-load.js';
import { type PipelineCounts, PipelineSummary, sum } from './monitoring-demo-summary.js';

export interface MonitoringDemoOptions {
  readonly bootstrapServers: string;
  /** How long the load runs (default 90 s); the pipeline then drains and everything stops. */
  readonly durationMs?: number;
  /** Regions with their own ingest and topic, replicated by the region enrichment (default: none, one ingest). */
  readonly regions?: readonly string[];
  /** Port of the (first) ingest endpoint; the next regions take the next ports (default 9091; 0: any free port). */
  readonly ingestPort?: number;
  /** 1-minute rollup window (default 60 s; tests shorten it; 5m and 1h windows are 5x and 60x it). */
  readonly rollupWindowMs?: number;
  /** Window and `for` of the CPU alert rules (default 10 s), evaluated every half window. */
  readonly ruleWindowMs?: number;
  /** Period of the HighCardinality reminders (default 15 s), which the notification dedup then suppresses. */
  readonly cardinalityAlertPeriodMs?: number;
  readonly redis?: { readonly host: string; readonly port: number };
  /** Time between two status lines (default 5 s). */
  readonly statusEveryMs?: number;
  /** Leave the run's topics on the broker (default: deleted at the end). */
  readonly keepTopics?: boolean;
  /** Stops the run early (Ctrl-C), still cleanly. */
  readonly signal?: AbortSignal;
  readonly log?: (line: string) => void;
}

export interface MonitoringDemoResult {
  readonly runId: string;
  readonly ranForMs: number;
  readonly counts: PipelineCounts;
  readonly ingest: IngestStats;
  readonly load: LoadCounters;
  /** Alerts the notification topology did not notify again within the dedup window. */
  readonly deduplicated: number;
  /** Failures of the applications (empty on a clean run). */
  readonly errors: readonly string[];
}

const APPS = ['enrichment', 'guard', 'rollups', 'alerting', 'notifications'] as const;
type AppName = (typeof APPS)[number];

export async function runMonitoringDemo(options: MonitoringDemoOptions): Promise<MonitoringDemoResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const durationMs = options.durationMs ?? 90_000;
  const regions = options.regions ?? [];
  const ruleWindowMs = options.ruleWindowMs ?? 10_000;
  const rollupWindowMs = options.rollupWindowMs ?? 60_000;
  const redis = options.redis ?? { host: '127.0.0.1', port: 6379 };
  const runId = `demo-${randomUUID().slice(0, 8)}`;
  const t0 = Date.now();
  const stamp = () => `[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s]`;
  const say = (line: string) => log(`${stamp()} ${line}`);

  await checkRedis(redis);
  const topics: MonitoringTopics = Object.fromEntries(
    Object.entries(DEFAULT_MONITORING_TOPICS).map(([key, name]) => [key, `${runId}.${name}`]),
  ) as unknown as MonitoringTopics;
  const notificationsTopic = `${runId}.notifications`;
  const dedupPrefix = `tributary-demo:${runId}:`;
  const globalTopic = `${runId}.metrics.global`;
  const regionalTopic = (region: string) => `${runId}.${region}.metrics.raw`;
  // With regions, the regional ingests write regional topics and the guard reads the enriched global topic.
  const guardTopics: MonitoringTopics = regions.length > 0 ? { ...topics, raw: globalTopic } : topics;

  const kafka = new KafkaJS.Kafka({
    kafkaJS: { brokers: options.bootstrapServers.split(','), logLevel: KafkaJS.logLevel.NOTHING },
  });
  const registry = new MockClient({ baseURLs: ['mock://demo'] });
  const stateRoot = mkdtempSync(join(tmpdir(), 'tributary-demo-'));
  const apps = new Map<AppName, KafkaStreams>();
  const ingests: IngestServer[] = [];
  const errors: string[] = [];
  let summary: PipelineSummary | undefined;
  let load: LoadGenerator | undefined;
  let loadStartedAt = Date.now();
  let deduplicated = 0;
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [
        ...[topics.raw, topics.valid, topics.rollup1m, topics.rollup5m, topics.rollup1h].map((topic) => ({
          topic,
          numPartitions: 3,
        })),
        ...[topics.rejected, topics.alerts, notificationsTopic].map((topic) => ({ topic, numPartitions: 2 })),
        {
          topic: topics.alertRules,
          numPartitions: 1,
          configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
        },
        ...(regions.length > 0
          ? [globalTopic, ...regions.map(regionalTopic)].map((topic) => ({ topic, numPartitions: 3 }))
          : []),
      ],
    });
    const rules = demoRules(ruleWindowMs);
    await publishRules(kafka, topics.alertRules, rules, monitoringSerdes(registry));
    say(`run ${runId}: topics created, rules: ${rules.map((r) => r.name).join(', ')}`);

    // Each topology is its own application, as it would be deployed; here all in this process.
    const topologies: Array<[AppName, Topology]> = [
      ...(regions.length > 0
        ? ([
            [
              'enrichment',
              regionEnrichmentTopology({
                serdes: monitoringSerdes(registry),
                regions: Object.fromEntries(regions.map((r) => [r, regionalTopic(r)])),
                globalTopic,
              }),
            ],
          ] as Array<[AppName, Topology]>)
        : []),
      [
        'guard',
        cardinalityGuardTopology({
          serdes: monitoringSerdes(registry),
          topics: guardTopics,
          cardinality: { maxSeriesPerMetric: 25, alertPeriodMs: options.cardinalityAlertPeriodMs ?? 15_000 },
          sweepIntervalMs: 10_000,
        }),
      ],
      [
        'rollups',
        rollupsTopology({
          serdes: monitoringSerdes(registry),
          topics,
          windowsMs: {
            rollup1m: rollupWindowMs,
            rollup5m: 5 * rollupWindowMs,
            rollup1h: 60 * rollupWindowMs,
          },
          graceMs: 5_000,
          mergeGraceMs: 5_000,
        }),
      ],
      [
        'alerting',
        alertingTopology({
          serdes: monitoringSerdes(registry),
          topics,
          graceMs: 2_000,
          evaluationTickMs: 1_000,
          ruleRefreshIntervalMs: 2_000,
          noDataTimeoutMs: 30_000,
          noDataCheckIntervalMs: 5_000,
        }),
      ],
      [
        'notifications',
        notificationsTopology({
          serdes: monitoringSerdes(registry),
          topics,
          notificationsTopic,
          dedup: { redis, keyPrefix: dedupPrefix },
        }),
      ],
    ];
    await Promise.all(
      topologies.map(async ([name, topology]) => {
        const streams = new KafkaStreams(topology, {
          applicationId: `${runId}-${name}`,
          bootstrapServers: options.bootstrapServers,
          stateDir: join(stateRoot, name),
          sessionTimeoutMs: 10_000,
          heartbeatIntervalMs: 1_000,
        });
        streams.setUncaughtExceptionHandler((error) => {
          errors.push(`${name}: ${error.message}`);
          say(`ERROR in ${name}: ${error.message}`);
        });
        apps.set(name, streams);
        await streams.start();
        await untilRunning(streams, name, 60_000);
      }),
    );
    say(`applications running (exactly_once_v2): ${[...apps.keys()].join(', ')}`);

    const endpoints = new Map<string, string>();
    const ingestRegions = regions.length > 0 ? regions : [''];
    for (const [i, region] of ingestRegions.entries()) {
      const port = options.ingestPort ?? 9091;
      const ingest = await startIngestServer({
        serdes: monitoringSerdes(registry),
        bootstrapServers: options.bootstrapServers,
        topic: region === '' ? topics.raw : regionalTopic(region),
        port: port === 0 ? 0 : port + i,
      });
      ingests.push(ingest);
      endpoints.set(region, ingest.url);
      say(`ingest ${region === '' ? '' : `(${region}) `}listening on ${ingest.url}/metrics`);
    }

    summary = await PipelineSummary.start(
      kafka,
      `${runId}-summary`,
      topics,
      notificationsTopic,
      monitoringSerdes(registry),
      {
        onAlert: (alert) => say(`ALERT   ${describeAlert(alert)}`),
        onNotification: (n) => say(`NOTIFY  ${n.channel.padEnd(9)} ${n.title}: ${shortText(n)}`),
      },
    );
    let refusalsShown = 0;
    load = new LoadGenerator(scenario(durationMs), endpoints, (status, error) => {
      if (refusalsShown++ < 3) say(`ingest answered ${status}: ${error}`);
    });
    loadStartedAt = Date.now();
    load.start();
    say(
      `load running for ${Math.round(durationMs / 1000)} s (cpu_usage of the api-gateway hosts will cross 80 %)`,
    );

    const counts = summary.counts;
    const status = setInterval(
      () => say(statusLine(counts, ingestTotals(ingests), deduplicatedBy(apps.get('notifications')))),
      options.statusEveryMs ?? 5_000,
    );
    try {
      await sleep(durationMs, options.signal);
      await load.stop();
      say('load stopped; letting the pipeline drain');
      await drained(counts, 3_000, 15_000);
    } finally {
      clearInterval(status);
    }
  } finally {
    await load?.stop();
    for (const ingest of ingests) await ingest.close();
    // Read the last counters before the applications close.
    deduplicated = deduplicatedBy(apps.get('notifications'));
    await Promise.all(
      [...apps].map(async ([name, streams]) => {
        if (!(await streams.close({ timeoutMs: 30_000 }))) errors.push(`${name}: did not close within 30 s`);
      }),
    );
    await summary?.stop();
    if (!options.keepTopics) await deleteRunTopics(admin, runId);
    await deleteKeys(redis, dedupPrefix);
    await admin.disconnect();
    rmSync(stateRoot, { recursive: true, force: true });
  }
  if (summary === undefined || load === undefined) throw new Error('monitoring demo: the run did not start');
  return {
    runId,
    ranForMs: Date.now() - loadStartedAt,
    counts: summary.counts,
    ingest: ingestTotals(ingests),
    load: load.counters,
    deduplicated,
    errors,
  };
}

/** The demo's two CPU rules: HighCPUUsage (warning, with `for`) and CPUSaturated (critical). */
function demoRules(windowMs: number): AlertRule[] {
  const window = `${windowMs}ms`;
  const evaluationIntervalMs = windowMs / 2;
  return [
    defineAlertRule({
      name: 'HighCPUUsage',
      expr: `avg(cpu_usage{service="api-gateway"}[${window}]) > 80 for ${window}`,
      evaluationIntervalMs,
      severity: 'warning',
      labels: { team: 'platform' },
    }),
    defineAlertRule({
      name: 'CPUSaturated',
      expr: `max(cpu_usage{service="api-gateway"}[${window}]) > 95`,
      evaluationIntervalMs,
      severity: 'critical',
      labels: { team: 'platform' },
    }),
  ];
}

/** The load's phases as fractions of the run: calm, hot (one host saturated for a while), calm again. */
function scenario(durationMs: number) {
  return {
    hotFromMs: 0.2 * durationMs,
    hotUntilMs: 0.55 * durationMs,
    saturatedFromMs: 0.3 * durationMs,
    saturatedUntilMs: 0.45 * durationMs,
    tickMs: 1_000,
  };
}

async function publishRules(
  kafka: KafkaJS.Kafka,
  topic: string,
  rules: readonly AlertRule[],
  serdes: ReturnType<typeof monitoringSerdes>,
): Promise<void> {
  await serdes.alertRule.prepare?.({ topic, isKey: false });
  const producer = kafka.producer({ 'enable.idempotence': true });
  await producer.connect();
  try {
    await producer.send({
      topic,
      messages: rules.map((rule) => ({ key: rule.name, value: serdes.alertRule.serialize(topic, rule) })),
    });
  } finally {
    await producer.disconnect();
  }
}

async function checkRedis(target: { host: string; port: number }): Promise<void> {
  const client = new Redis({ ...target, lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } catch {
    throw new Error(
      `Redis does not answer on ${target.host}:${target.port}: the notification dedup needs it (scripts/setup.sh starts redis-server)`,
    );
  } finally {
    client.disconnect();
  }
}

/** The run's dedup keys would expire with their TTL; a finished demo leaves nothing behind. */
async function deleteKeys(target: { host: string; port: number }, prefix: string): Promise<void> {
  const client = new Redis({ ...target, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  try {
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(...keys);
  } catch {
    // Redis went away: the keys expire by themselves.
  } finally {
    client.disconnect();
  }
}

async function untilRunning(streams: KafkaStreams, name: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (streams.state() !== 'RUNNING') {
    if (streams.state() === 'ERROR') throw new Error(`${name} failed to start: ${streams.error?.message}`);
    if (Date.now() > deadline)
      throw new Error(`${name} not RUNNING after ${timeoutMs} ms (${streams.state()})`);
    await sleep(100);
  }
}

/** Until the counts stopped changing for `quietMs` (everything in flight came out), at most `maxMs`. */
async function drained(counts: PipelineCounts, quietMs: number, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = JSON.stringify(counts);
  let quietSince = Date.now();
  while (Date.now() < deadline && Date.now() - quietSince < quietMs) {
    await sleep(250);
    const now = JSON.stringify(counts);
    if (now !== last) {
      last = now;
      quietSince = Date.now();
    }
  }
}

/**
 * Deletes the run's topics (inputs, outputs, changelogs, repartitions). A broker with auto.create.topics.enable (the
 * default, also the local one) creates a topic again when a client that is still tearing down asks for its metadata
 * right after the deletion (seen once, for a sink topic): check again and delete what came back.
 */
async function deleteRunTopics(admin: KafkaJS.Admin, runId: string): Promise<void> {
  for (let round = 0; round < 3; round++) {
    const topics = (await admin.listTopics()).filter(
      (t) => t.startsWith(`${runId}.`) || t.startsWith(`${runId}-`),
    );
    if (topics.length === 0) return;
    await admin.deleteTopics({ topics });
    await sleep(2_000);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function ingestTotals(ingests: readonly IngestServer[]): IngestStats {
  const total: IngestStats = { requests: 0, samplesAccepted: 0, rejectedRequests: {}, failedRequests: 0 };
  for (const { stats } of ingests) {
    total.requests += stats.requests;
    total.samplesAccepted += stats.samplesAccepted;
    total.failedRequests += stats.failedRequests;
    for (const [status, n] of Object.entries(stats.rejectedRequests)) {
      total.rejectedRequests[Number(status)] = (total.rejectedRequests[Number(status)] ?? 0) + n;
    }
  }
  return total;
}

function deduplicatedBy(streams: KafkaStreams | undefined): number {
  if (streams === undefined) return 0;
  return streams
    .metrics()
    .filter((m) => m.name === NOTIFICATION_METRICS.deduplicated)
    .reduce((n, m) => n + m.value, 0);
}

function statusLine(counts: PipelineCounts, ingest: IngestStats, deduplicated: number): string {
  return [
    `in ${ingest.samplesAccepted} (refused requests ${sum(ingest.rejectedRequests)})`,
    `valid ${counts.valid}`,
    `rejected ${sum(counts.rejected)}`,
    `rollups 1m/5m/1h ${counts.rollups['1m']}/${counts.rollups['5m']}/${counts.rollups['1h']}`,
    `alerts FIRING ${counts.alerts.FIRING ?? 0} RESOLVED ${counts.alerts.RESOLVED ?? 0}`,
    `notifications ${sum(counts.notifications)} (${deduplicated} deduplicated)`,
  ].join(' | ');
}

function describeAlert(alert: Alert): string {
  const value = alert.value === null ? '' : ` value ${alert.value.toFixed(1)} (threshold ${alert.threshold})`;
  return `${alert.state.padEnd(8)} ${alert.rule} ${seriesKey(alert.metric, alert.labels)} [${alert.severity}]${value}`;
}

function shortText(n: Notification): string {
  return n.text.length > 90 ? `${n.text.slice(0, 87)}...` : n.text;
}

/** ` (a 1, b 2)`, or nothing when empty. */
function breakdown(counter: Record<string, number>): string {
  const parts = Object.entries(counter).map(([k, n]) => `${k} ${n}`);
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

export function formatSummary(result: MonitoringDemoResult): string {
  const { counts, ingest, load } = result;
  const refused = Object.entries(ingest.rejectedRequests)
    .map(([status, n]) => `${n} x ${status}`)
    .join(', ');
  const rows: Array<[string, string]> = [
    ['samples in (accepted by ingest)', `${ingest.samplesAccepted} in ${ingest.requests} requests`],
    ['requests refused by ingest', refused === '' ? '0' : refused],
    ['metrics.valid', String(counts.valid)],
    ['metrics.rejected (guard)', `${sum(counts.rejected)}${breakdown(counts.rejected)}`],
    ['rollups 1m / 5m / 1h', `${counts.rollups['1m']} / ${counts.rollups['5m']} / ${counts.rollups['1h']}`],
    [
      'alerts',
      `FIRING ${counts.alerts.FIRING ?? 0}, RESOLVED ${counts.alerts.RESOLVED ?? 0}${breakdown(counts.alertsByRule)}`,
    ],
    [
      'notifications sent',
      `${sum(counts.notifications)}${breakdown(counts.notifications)}, ${result.deduplicated} deduplicated in Redis`,
    ],
  ];
  if (load.networkErrors > 0) rows.push(['requests without answer', String(load.networkErrors)]);
  if (result.errors.length > 0) rows.push(['ERRORS', result.errors.join('; ')]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return [
    `Summary of ${result.runId} (${Math.round(result.ranForMs / 1000)} s):`,
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
  ].join('\n');
}
