// Differential proof: for each topology, the committed output of a worker process on Kafka (read_committed) equals
// the TopologyTestDriver's output for the same input, record for record per key. The worker runs as users run it:
// `tributary run <module>` with a JSON config file, stopped with SIGTERM (exit code 0).
import { afterAll, describe, expect, it } from 'vitest';
import { produceInput } from './support/kafka-io.js';
import {
  buildTopology,
  createScenarioTopics,
  expectedOutputs,
  names,
  type Scenario,
  scenarioWorker,
  verifyOutputs,
} from './support/proof.js';
import { events, ordersAndProfiles, readings, TempDirs } from './support/workloads.js';

const dirs = new TempDirs();
afterAll(() => dirs.cleanup());

/** Input first, then one worker processes all of it and stops cleanly; its committed output must equal the driver's. */
async function runScenario(s: Scenario, streams: Record<string, unknown> = {}): Promise<void> {
  const t0 = Date.now();
  const expected = await expectedOutputs(s);
  await produceInput(s.input);
  const worker = scenarioWorker(s, dirs.create(), { streams });
  worker.start();
  try {
    await worker.waitFor('RUNNING');
    const { failures, records } = await verifyOutputs(s, expected, [worker]);
    const exit = await worker.stop();
    expect(exit, worker.tail()).toEqual({ code: 0, signal: null });
    expect(worker.states.slice(-2)).toEqual(['PENDING_SHUTDOWN', 'NOT_RUNNING']);
    expect(failures).toBe('');
    // The comparison must have compared something: every expected output topic is non-trivial.
    for (const topic of Object.keys(s.outputs)) expect(expected.get(topic)?.length ?? 0).toBeGreaterThan(0);
    console.log(
      `[differential] ${s.module}: ${s.input.length} input, ${records} output records in ${Date.now() - t0} ms`,
    );
  } finally {
    if (worker.running) await worker.kill();
  }
}

describe('differential: Kafka output equals the TopologyTestDriver output', () => {
  it('windowed aggregation with suppression, running counts, and a repartitioning groupBy', async () => {
    const n = names('diff-agg', ['input', 'windowed', 'counts', 'groups'] as const);
    const topology = {
      input: n.input,
      windowedOut: n.windowed,
      countsOut: n.counts,
      groupsOut: n.groups,
      windowMs: 10_000,
    };
    await createScenarioTopics([
      { name: n.input, partitions: 3 },
      { name: n.windowed, partitions: 2 },
      { name: n.counts, partitions: 2 },
      { name: n.groups, partitions: 2 },
    ]);
    await runScenario({
      module: 'aggregates',
      applicationId: n.app,
      topology,
      built: await buildTopology('aggregates', topology),
      input: readings({
        topic: n.input,
        partitions: 3,
        count: 6_000,
        keys: 40,
        groups: 7,
        stepMs: 100,
        seed: 1,
      }),
      outputs: { [n.windowed]: 'exact', [n.counts]: 'exact', [n.groups]: 'latest' },
    });
  });

  it('stream-table left join: every order sees the profile current at its event time', async () => {
    const n = names('diff-join', ['orders', 'profiles', 'output'] as const);
    const topology = { orders: n.orders, profiles: n.profiles, output: n.output };
    await createScenarioTopics([
      { name: n.orders, partitions: 3 },
      { name: n.profiles, partitions: 3 },
      { name: n.output, partitions: 2 },
    ]);
    await runScenario({
      module: 'join',
      applicationId: n.app,
      topology,
      built: await buildTopology('join', topology),
      input: ordersAndProfiles({
        orders: n.orders,
        profiles: n.profiles,
        count: 4_000,
        customers: 60,
        updateShare: 0.25,
        seed: 2,
      }),
      outputs: { [n.output]: 'exact' },
    });
  });

  it('Processor API: buckets emitted by a stream-time punctuator', async () => {
    const n = names('diff-punct', ['input', 'output'] as const);
    const topology = { input: n.input, output: n.output, bucketMs: 5_000 };
    await createScenarioTopics([
      { name: n.input, partitions: 3 },
      { name: n.output, partitions: 2 },
    ]);
    await runScenario({
      module: 'punctuate',
      applicationId: n.app,
      topology,
      built: await buildTopology('punctuate', topology),
      input: events({ topic: n.input, partitions: 3, count: 5_000, keys: 30, stepMs: 50, seed: 3 }),
      outputs: { [n.output]: 'exact' },
    });
  });
});
