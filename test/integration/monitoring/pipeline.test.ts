// The three monitoring topologies chained on the real broker (three KafkaStreams applications, exactly once) on the
// generated workload of the driver's chained test: what they publish must equal what the driver publishes.
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import {
  alertingTopology,
  cardinalityGuardTopology,
  type MonitoringSerdes,
  type MonitoringTopics,
  rollupsTopology,
} from 'tributary';
import { afterAll, describe, expect, it } from 'vitest';
import { createTopics, kafkaClient, uniqueName } from '../../support/kafka.js';
import {
  CLOSING_TIMES,
  PIPELINE_CONFIG,
  PIPELINE_RULES,
  type PipelineResults,
  pipelineWorkload,
  runPipelineOnDriver,
} from '../../unit/monitoring/topologies/pipeline.js';
import { mockRegistry, NOON } from '../../unit/monitoring/topologies/support.js';
import { produce, StateDirs, Worker } from '../runtime/streams-support.js';

const kafka = kafkaClient();
const dirs = new StateDirs();
afterAll(() => dirs.cleanup());

/** Whether the applications are stopped and started again between the phases of the workload. */
type Restarts = 'none' | 'with-local-state' | 'without-local-state';

interface RawRecord {
  readonly partition: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: number;
}

/**
 * Reads the output topics from the beginning (read_committed) as Buffers (the values are Avro), while the workers run.
 * `waitFor` fails early when a worker stopped, and says what it has when time is up.
 */
class OutputCollector {
  readonly records = new Map<string, RawRecord[]>();
  readonly #consumer: KafkaJS.Consumer;

  private constructor(
    topics: readonly string[],
    private readonly workers: () => readonly Worker[],
  ) {
    for (const topic of topics) this.records.set(topic, []);
    this.#consumer = kafka.consumer({
      'isolation.level': 'read_committed',
      kafkaJS: { groupId: uniqueName('monitoring-reader'), fromBeginning: true, autoCommit: false },
    });
  }

  static async start(topics: readonly string[], workers: () => readonly Worker[]): Promise<OutputCollector> {
    const collector = new OutputCollector(topics, workers);
    await collector.#consumer.connect();
    await collector.#consumer.subscribe({ topics: [...topics] });
    void collector.#consumer.run({
      eachMessage: async ({ topic, partition, message }: KafkaJS.EachMessagePayload) => {
        collector.records
          .get(topic)
          ?.push({ partition, key: message.key, value: message.value, timestamp: Number(message.timestamp) });
      },
    });
    return collector;
  }

  /** Until each topic holds (at least) its count. */
  async waitFor(counts: ReadonlyMap<string, number>, timeoutMs: number): Promise<void> {
    const progress = () =>
      [...counts]
        .map(([topic, n]) => `${topic.split('.').slice(1).join('.')} ${this.count(topic)}/${n}`)
        .join(', ');
    const deadline = Date.now() + timeoutMs;
    let lastReport = Date.now();
    while ([...counts].some(([topic, n]) => this.count(topic) < n)) {
      const failed = this.workers().find((w) => w.streams.state() === 'ERROR');
      if (failed) throw new Error(`a worker failed: ${failed.streams.error?.message}`);
      if (Date.now() > deadline) {
        const dropped = this.workers().flatMap((w) =>
          w.streams.metrics().filter((m) => m.name === 'dropped-records-total'),
        );
        throw new Error(
          `outputs incomplete after ${timeoutMs} ms: ${progress()}; dropped: ${JSON.stringify(dropped)}`,
        );
      }
      if (Date.now() - lastReport > 30_000) {
        console.log(`waiting for outputs: ${progress()}`);
        lastReport = Date.now();
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  count(topic: string): number {
    return this.records.get(topic)?.length ?? 0;
  }

  async stop(): Promise<void> {
    await this.#consumer.disconnect();
  }
}

/** Records as comparable strings (key, value, timestamp), sorted: the order across partitions is not defined. */
function canonical(records: ReadonlyArray<{ key: unknown; value: unknown; timestamp: number }>): string[] {
  return records.map((r) => JSON.stringify([r.key, r.value, r.timestamp])).sort();
}

function decoded<V>(
  records: readonly RawRecord[],
  serde: { deserialize(t: string, b: Buffer): V },
  topic: string,
) {
  return records.map((r) => ({
    key: r.key === null ? null : r.key.toString('utf8'),
    value: serde.deserialize(topic, r.value as Buffer),
    timestamp: r.timestamp,
  }));
}

async function runOnKafka(
  workload: ReturnType<typeof pipelineWorkload>,
  serdes: MonitoringSerdes,
  clients: MonitoringSerdes,
  topics: MonitoringTopics,
  expected: PipelineResults,
  restarts: Restarts,
): Promise<Record<keyof MonitoringTopics, RawRecord[]>> {
  await createTopics(kafka, [
    { topic: topics.raw, numPartitions: 3 },
    { topic: topics.valid, numPartitions: 3 },
    { topic: topics.rejected, numPartitions: 2 },
    { topic: topics.alerts, numPartitions: 2 },
    { topic: topics.rollup1m, numPartitions: 3 },
    { topic: topics.rollup5m, numPartitions: 3 },
    { topic: topics.rollup1h, numPartitions: 3 },
    { topic: topics.alertRules, numPartitions: 1, configs: { 'cleanup.policy': 'compact' } },
  ]);
  for (const [serde, topic] of [
    [clients.metric, topics.raw],
    [clients.alertRule, topics.alertRules],
  ] as const) {
    await serde.prepare?.({ topic, isKey: false });
  }
  // Rules first: the alerting application loads them (global table) before processing any sample.
  await produce(
    topics.alertRules,
    PIPELINE_RULES.map((rule) => ({
      key: rule.name,
      value: clients.alertRule.serialize(topics.alertRules, rule),
      timestamp: NOON,
    })),
  );
  const apps = [
    { name: 'guard', topology: () => cardinalityGuardTopology({ serdes, topics, ...PIPELINE_CONFIG.guard }) },
    { name: 'rollups', topology: () => rollupsTopology({ serdes, topics, ...PIPELINE_CONFIG.rollups }) },
    { name: 'alerting', topology: () => alertingTopology({ serdes, topics, ...PIPELINE_CONFIG.alerting }) },
  ].map((app) => ({ ...app, applicationId: uniqueName(`monitoring-${app.name}`), stateDir: dirs.create() }));
  const startWorkers = async () => {
    const started = apps.map(
      (app) => new Worker(app.topology(), { applicationId: app.applicationId, stateDir: app.stateDir }),
    );
    for (const worker of started) await worker.start();
    return started;
  };
  let workers: Worker[] = [];
  const outputs: Array<[keyof MonitoringTopics, number]> = [
    ['valid', expected.valid.length],
    ['rejected', expected.rejected.length],
    ['alerts', expected.guardAlerts.length + expected.alerts.length],
    ['rollup1m', expected.rollup1m.length],
    ['rollup5m', expected.rollup5m.length],
    ['rollup1h', expected.rollup1h.length],
  ];
  const collector = await OutputCollector.start(
    outputs.map(([key]) => topics[key]),
    () => workers,
  );
  const timeoutMs = Number(process.env.MONITORING_IT_TIMEOUT_MS ?? 300_000);
  try {
    workers = await startWorkers();
    // In time order, as collectors write: the data, then each round of closing samples once everything before it
    // went through the guard. Kafka interleaves partitions in any order, but only within a phase, whose time span
    // (30 minutes of data) stays below the grace periods: no sample is late, as on the driver.
    const phases = [
      workload.filter((r) => r.timestamp < CLOSING_TIMES[0]),
      ...CLOSING_TIMES.map((t) => workload.filter((r) => r.timestamp === t)),
    ];
    expect(phases.reduce((n, phase) => n + phase.length, 0)).toBe(workload.length);
    for (const [i, phase] of phases.entries()) {
      const before = CLOSING_TIMES[i] ?? Number.POSITIVE_INFINITY;
      await produce(
        topics.raw,
        phase.map((r) => ({
          key: r.key,
          value: Buffer.isBuffer(r.value) ? r.value : clients.metric.serialize(topics.raw, r.value),
          timestamp: r.timestamp,
        })),
      );
      const validSoFar = expected.valid.filter((r) => r.timestamp < before).length;
      await collector.waitFor(new Map([[topics.valid, validSoFar]]), timeoutMs);
      if (restarts === 'none' || i === phases.length - 1) continue;
      // Stop every application and start it again: on its local state, or on none (restored from changelogs).
      for (const worker of workers) {
        await worker.close();
        expect(worker.errors).toEqual([]);
      }
      if (restarts === 'without-local-state') for (const app of apps) app.stateDir = dirs.create();
      workers = await startWorkers();
    }
    await collector.waitFor(new Map(outputs.map(([key, n]) => [topics[key], n])), timeoutMs);
    // A little longer: an extra record (a duplicate) would show.
    await new Promise((r) => setTimeout(r, 3_000));
    for (const worker of workers) expect(worker.errors).toEqual([]);
    return Object.fromEntries(
      outputs.map(([key]) => [key, collector.records.get(topics[key]) ?? []]),
    ) as Record<keyof MonitoringTopics, RawRecord[]>;
  } finally {
    await collector.stop();
    for (const worker of workers) await worker.close();
  }
}

describe('monitoring topologies on Kafka', () => {
  const cases: ReadonlyArray<[Restarts, string]> = [
    ['none', 'guard -> rollups, alerting chained on the broker publish what the driver publishes'],
    ['with-local-state', 'the same with every application restarted between phases on its local state'],
    ['without-local-state', 'the same with every application restarted between phases without local state'],
  ];
  for (const [restarts, title] of cases)
    it(title, { timeout: 600_000 }, async () => {
      const workload = pipelineWorkload();
      const suffix = uniqueName('m');
      const topics: MonitoringTopics = {
        raw: `${suffix}.metrics.raw`,
        valid: `${suffix}.metrics.valid`,
        rejected: `${suffix}.metrics.rejected`,
        rollup1m: `${suffix}.metrics.rollup.1m`,
        rollup5m: `${suffix}.metrics.rollup.5m`,
        rollup1h: `${suffix}.metrics.rollup.1h`,
        alertRules: `${suffix}.alert.rules`,
        alerts: `${suffix}.alerts.triggered`,
      };
      const driverRegistry = mockRegistry();
      const expected = await runPipelineOnDriver(workload, driverRegistry.serdes, driverRegistry.clients, {
        topics,
      });

      const { serdes, clients } = mockRegistry();
      const actual = await runOnKafka(workload, serdes, clients, topics, expected, restarts);
      for (const [topic, serde] of [
        [topics.valid, clients.metric],
        [topics.rejected, clients.rejection],
        [topics.alerts, clients.alert],
        [topics.rollup1m, clients.rollup],
        [topics.rollup5m, clients.rollup],
        [topics.rollup1h, clients.rollup],
      ] as const) {
        await serde.prepare?.({ topic, isKey: false });
      }
      expect(canonical(decoded(actual.valid, clients.metric, topics.valid))).toEqual(
        canonical(expected.valid),
      );
      expect(canonical(decoded(actual.rejected, clients.rejection, topics.rejected))).toEqual(
        canonical(expected.rejected),
      );
      expect(canonical(decoded(actual.alerts, clients.alert, topics.alerts))).toEqual(
        canonical([...expected.guardAlerts, ...expected.alerts]),
      );
      for (const level of ['rollup1m', 'rollup5m', 'rollup1h'] as const) {
        expect(canonical(decoded(actual[level], clients.rollup, topics[level])), level).toEqual(
          canonical(expected[level]),
        );
      }
    });
});
