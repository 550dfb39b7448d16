// One proof scenario: topics, the driver's reference output, the workers' committed output, and the comparison.
import { fileURLToPath } from 'node:url';
import type { Topology } from 'tributary';
import { partitionForKey } from '../../../../runtime/kafka/murmur2.js';
import type { ConsumedRecord } from '../../../../runtime/kafka/records.js';
import { uniqueName } from '../../../support/kafka.js';
import { compareByKey, driverOutputs, explain, type OutputRecord } from './differential.js';
import {
  awaitProcessed,
  createTopics,
  type InputRecord,
  partitionEnds,
  readCommitted,
  sourceTopicsOf,
} from './kafka-io.js';
import { WorkerProcess, type WorkerSpec } from './worker-process.js';
import { readings } from './workloads.js';

export type TopologyModule = 'aggregates' | 'join' | 'punctuate' | 'words' | 'threadpool-probe';

export function modulePath(name: TopologyModule): string {
  return fileURLToPath(new URL(`./topologies/${name}.ts`, import.meta.url));
}

/** The module's topology, built in this process (for the driver and for the topic names it implies). */
export async function buildTopology(
  name: TopologyModule,
  config: Record<string, unknown>,
): Promise<Topology> {
  const module = (await import(modulePath(name))) as { default: (c: Record<string, unknown>) => Topology };
  return module.default(config);
}

export interface Scenario {
  readonly module: TopologyModule;
  readonly applicationId: string;
  readonly topology: Record<string, unknown>;
  readonly built: Topology;
  readonly input: readonly InputRecord[];
  /** Output topic -> how timestamps are compared. */
  readonly outputs: Readonly<Record<string, 'exact' | 'latest'>>;
  readonly bootstrap?: string;
}

/** Names unique to one test run, for a scenario's topics and application. */
export function names<K extends string>(
  prefix: string,
  keys: readonly K[],
): Record<K, string> & { app: string } {
  const base = uniqueName(prefix);
  return {
    app: `${base}-app`,
    ...(Object.fromEntries(keys.map((k) => [k, `${base}-${k}`])) as Record<K, string>),
  };
}

export async function createScenarioTopics(
  topics: ReadonlyArray<{ name: string; partitions: number }>,
  options: { bootstrap?: string; replicationFactor?: number; config?: Record<string, string> } = {},
): Promise<void> {
  await createTopics(
    topics.map((t) => ({
      ...t,
      ...(options.replicationFactor ? { replicationFactor: options.replicationFactor } : {}),
      ...(options.config ? { config: options.config } : {}),
    })),
    options.bootstrap,
  );
}

/** The load of an aggregates scenario: sensor readings, 20 ms of event time apart, over 3 input partitions. */
export interface AggregatesLoad {
  readonly count: number;
  readonly keys: number;
  readonly groups: number;
  readonly seed: number;
}

/**
 * The scenario the fault proofs (crash, scale, cluster) run: the `aggregates` module (windowed aggregation with
 * suppression, running counts, counts behind a repartition topic) over 3 input partitions, its topics created.
 */
export async function aggregatesScenario(
  prefix: string,
  load: AggregatesLoad,
  cluster:
    | { bootstrap: string; replicationFactor: number; config: Record<string, string> }
    | undefined = undefined,
): Promise<Scenario> {
  const n = names(prefix, ['input', 'windowed', 'counts', 'groups'] as const);
  const topology = {
    input: n.input,
    windowedOut: n.windowed,
    countsOut: n.counts,
    groupsOut: n.groups,
    windowMs: 5_000,
  };
  await createScenarioTopics(
    [
      { name: n.input, partitions: 3 },
      { name: n.windowed, partitions: 2 },
      { name: n.counts, partitions: 2 },
      { name: n.groups, partitions: 2 },
    ],
    cluster ?? {},
  );
  return {
    module: 'aggregates',
    applicationId: n.app,
    topology,
    built: await buildTopology('aggregates', topology),
    input: readings({ topic: n.input, partitions: 3, stepMs: 20, ...load }),
    outputs: { [n.windowed]: 'exact', [n.counts]: 'exact', [n.groups]: 'latest' },
    ...(cluster ? { bootstrap: cluster.bootstrap } : {}),
  };
}

/** A worker process running the scenario's module and application on its own state directory. */
export function scenarioWorker(
  s: Scenario,
  stateDir: string,
  more: Omit<WorkerSpec, 'module' | 'applicationId' | 'stateDir' | 'topology' | 'bootstrap'> = {},
): WorkerProcess {
  return new WorkerProcess({
    module: modulePath(s.module),
    applicationId: s.applicationId,
    stateDir,
    topology: s.topology,
    ...(s.bootstrap ? { bootstrap: s.bootstrap } : {}),
    ...more,
  });
}

export async function expectedOutputs(s: Scenario): Promise<Map<string, OutputRecord[]>> {
  return driverOutputs(s.built, s.input, Object.keys(s.outputs));
}

/** Waits until the workers processed everything, then compares each output; returns failure messages ('' if none). */
/** Where records are missing or extra: per partition, the driver's and Kafka's counts and the partition's ends. */
async function partitionReport(
  topic: string,
  expected: readonly OutputRecord[],
  actual: readonly ConsumedRecord[],
  bootstrap: string | undefined,
): Promise<string> {
  const ends = await partitionEnds(topic, bootstrap);
  const lines = ends.map(({ partition, stable, high }) => {
    const want = expected.filter(
      (r) => r.key !== null && partitionForKey(r.key, ends.length) === partition,
    ).length;
    const got = actual.filter((r) => r.partition === partition).length;
    return `  partition ${partition}: driver ${want}, kafka ${got} records; last stable offset ${stable}, high watermark ${high}`;
  });
  return lines.join('\n');
}

export async function verifyOutputs(
  s: Scenario,
  expected: Map<string, OutputRecord[]>,
  workers: readonly WorkerProcess[],
  timeoutMs = 180_000,
): Promise<{ failures: string; records: number; waitedMs: number }> {
  let waitedMs: number;
  try {
    waitedMs = await awaitProcessed(s.applicationId, sourceTopicsOf(s.built, s.applicationId), {
      ...(s.bootstrap ? { bootstrap: s.bootstrap } : {}),
      timeoutMs,
      describe: () =>
        workers.map((w) => `${w.name}: states ${w.states.join(' > ')}\n${w.tail(15)}`).join('\n'),
      alive: () => workers.some((w) => w.running),
    });
  } catch (e) {
    // What the workers were doing (their counters, when they serve /metrics).
    const counters = await Promise.all(workers.map((w) => w.counters()));
    (e as Error).message += `\n${workers.map((w, i) => `${w.name} counters: ${counters[i]}`).join('\n')}`;
    throw e;
  }
  const failures: string[] = [];
  let records = 0;
  for (const [topic, timestamps] of Object.entries(s.outputs)) {
    const actual = await readCommitted(topic, s.bootstrap ? { bootstrap: s.bootstrap } : {});
    records += actual.length;
    const c = compareByKey(expected.get(topic) ?? [], actual, { timestamps });
    if (!c.equal)
      failures.push(
        `${explain(topic, c)}\n${await partitionReport(topic, expected.get(topic) ?? [], actual, s.bootstrap)}`,
      );
  }
  return { failures: failures.join('\n'), records, waitedMs };
}
