// On the launcher's 3-broker cluster (replication factor 3, min.insync.replicas 2):
// - a worker process runs the proof topology under exactly_once_v2 while input arrives; the broker coordinating its
//   consumer group is killed with SIGKILL mid-run and restarted later. Nothing may be lost or duplicated: the
//   committed output equals the TopologyTestDriver's, and the worker never stops.
// - the end-offset lookups that restoration starts with keep working when a partition's leadership leaves a broker
//   and comes back to it while the client's cached metadata still holds the old leader epoch.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as launcher from '../../../docker/kafka-local/launcher.js';
import { kafkaJsClient } from '../../../runtime/kafka/client-config.js';
import { OffsetLister } from '../../../runtime/kafka/offset-lister.js';
import { RestoreConsumer } from '../../../runtime/kafka/restore-consumer.js';
import { kafkaClient, uniqueName } from '../../support/kafka.js';
import { canRunLocalKafka, useLocalCluster } from '../../support/local-cluster.js';
import { PacedProducer } from './support/kafka-io.js';
import { aggregatesScenario, expectedOutputs, scenarioWorker, verifyOutputs } from './support/proof.js';
import { TempDirs } from './support/workloads.js';

const dirs = new TempDirs();
afterAll(() => dirs.cleanup());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Admin = ReturnType<ReturnType<typeof kafkaJsClient>['admin']>;

/** Runs `use` with a fresh admin client of the cluster, disconnected afterwards. */
async function withAdmin<T>(bootstrap: string, use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafkaJsClient({ bootstrapServers: bootstrap }).admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

/**
 * The broker to kill: the application's group coordinator, the hardest case. The worker loses its partitions and
 * rejoins, and its transactions send their offsets to a coordinator that moved and comes back later. With
 * librdkafka 2.15 that can leave sendOffsetsToTransaction unanswered for good (stream-producer.ts, WEDGED_AFTER_MS):
 * the worker must replace its producer and go on.
 */
async function coordinatorOf(bootstrap: string, group: string): Promise<launcher.ClusterNode> {
  const { groups } = await withAdmin(bootstrap, (admin) => admin.describeGroups([group]));
  return `node${groups[0].coordinator.id}` as launcher.ClusterNode;
}

/** The leader of partition 0 of `topic`, as a fresh admin client sees it. */
async function leaderOf(bootstrap: string, topic: string): Promise<number> {
  const [metadata] = await withAdmin(bootstrap, (admin) => admin.fetchTopicMetadata({ topics: [topic] }));
  return metadata.partitions.find((p) => p.partitionId === 0)?.leader ?? -1;
}

/**
 * Makes `leader` the leader of partition 0 with Kafka's own tools: reorders the replicas so that it is the preferred
 * one, then runs a preferred leader election. Every leader change raises the partition's leader epoch.
 */
async function moveLeadership(bootstrap: string, topic: string, leader: number, dir: string): Promise<void> {
  const replicas = [leader, ...[1, 2, 3].filter((n) => n !== leader)];
  const plan = join(dir, `reassign-${leader}.json`);
  writeFileSync(plan, JSON.stringify({ version: 1, partitions: [{ topic, partition: 0, replicas }] }));
  await launcher.cli('reassign', [
    '--bootstrap-server',
    bootstrap,
    '--reassignment-json-file',
    plan,
    '--execute',
  ]);
  const deadline = Date.now() + 60_000;
  while ((await leaderOf(bootstrap, topic)) !== leader) {
    if (Date.now() > deadline)
      throw new Error(`broker ${leader} did not become the leader of ${topic}-0 in 60 s`);
    // The election fails while the reassignment is still being applied; try again.
    await launcher
      .cli('elect', [
        '--bootstrap-server',
        bootstrap,
        '--election-type',
        'PREFERRED',
        '--topic',
        topic,
        '--partition',
        '0',
      ])
      .catch(() => undefined);
    await sleep(500);
  }
}

describe.skipIf(!canRunLocalKafka)('3-broker cluster', () => {
  const cluster = useLocalCluster();

  describe('a broker killed mid-run', () => {
    it('loses nothing: the committed output equals the driver output', { timeout: 420_000 }, async () => {
      const t0 = Date.now();
      const at = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
      const bootstrap = cluster.bootstrap;
      const scenario = await aggregatesScenario(
        'cluster',
        { count: 24_000, keys: 100, groups: 7, seed: 5 },
        { bootstrap, replicationFactor: 3, config: { 'min.insync.replicas': '2' } },
      );
      const expected = await expectedOutputs(scenario);
      const worker = scenarioWorker(scenario, dirs.create(), {
        // Records wait for a new partition leader up to the transaction timeout (librdkafka bounds message.timeout.ms
        // by it), and a broker killed with SIGKILL is only replaced as leader after the controller's broker session
        // timeout (9 s). With the default 10 s, records time out and the transaction aborts (the worker recovers from
        // that, but an abort answered INVALID_TXN_STATE once stopped it): docs/operations.md recommends 30 s on
        // clusters expected to ride out a broker failure.
        streams: { replicationFactor: 3, transactionTimeoutMs: 30_000 },
        // The operations endpoint: a failure report then shows the worker's counters.
        args: ['--http-port', '0'],
      });
      const timeline: string[] = [];
      const input = new PacedProducer(scenario.input, 1_000, { bootstrap });
      let victim: launcher.ClusterNode | undefined;
      try {
        worker.start();
        await worker.waitFor('RUNNING', 120_000);
        timeline.push(`running at ${at()}`);
        await sleep(3_000);
        victim = await coordinatorOf(bootstrap, scenario.applicationId);
        await launcher.kill(victim);
        timeline.push(`killed ${victim} at ${at()} (input produced ${input.produced})`);
        await sleep(8_000);
        await launcher.restart(victim);
        timeline.push(`${victim} back at ${at()} (input produced ${input.produced})`);
        victim = undefined;
        await input.done;
        expect(input.produced).toBe(scenario.input.length);
        const { failures, records, waitedMs } = await verifyOutputs(scenario, expected, [worker], 240_000);
        // The worker rode out the broker failure: still the first process, never in ERROR.
        expect(worker.starts).toBe(1);
        expect(worker.running, worker.tail()).toBe(true);
        expect(worker.states).not.toContain('ERROR');
        // A producer replaced because a call never returned leaves that call blocked on one of libuv's threads, and
        // Node joins those threads when it exits: the worker then closes cleanly (committed, checkpoints written,
        // group left: 'stopped') but its process cannot end by itself (docs/operations.md).
        const wedged = worker.log.some((line) => line.includes('replacing the producer'));
        const exit = await worker.stop(wedged ? 15_000 : 60_000);
        if (wedged)
          expect(
            worker.log.some((line) => line.includes('"msg":"stopped"')),
            worker.tail(),
          ).toBe(true);
        else expect(exit, worker.tail()).toEqual({ code: 0, signal: null });
        expect(failures).toBe('');
        console.log(
          `[cluster] ${timeline.join('; ')}; states ${worker.states.join(' > ')}; caught up ${waitedMs} ms after the input; ${records} output records;${wedged ? ' producer replaced (a call never returned);' : ''} ${Date.now() - t0} ms`,
        );
      } finally {
        if (worker.running) await worker.kill();
        if (victim) await launcher.restart(victim).catch(() => undefined);
      }
    });
  });

  describe('partition leadership moving away and back', () => {
    it('end offsets are still listed when the client cached an older leader epoch of the same leader', {
      timeout: 180_000,
    }, async () => {
      const bootstrap = cluster.bootstrap;
      const topic = uniqueName('cluster-epoch');
      await launcher.cli('topics', [
        '--bootstrap-server',
        bootstrap,
        '--create',
        '--topic',
        topic,
        '--replica-assignment',
        '1:2:3',
        '--config',
        'min.insync.replicas=2',
      ]);
      const kafka = kafkaClient(bootstrap);
      const producer = kafka.producer({ acks: -1 });
      await producer.connect();
      // The restoration path's client: a restore consumer and an offset lister sharing its connections.
      const restore = await RestoreConsumer.create({ bootstrapServers: bootstrap, clientId: topic });
      try {
        const send = (n: number) =>
          producer.send({ topic, messages: Array.from({ length: n }, (_, i) => ({ value: `v${i}` })) });
        await send(5);
        // Leader changes are retried for 20 s here (30 s in the runtime), which keeps the test short when they fail.
        const lister = new OffsetLister(restore.nativeClient, 5_000, 20_000);
        const tp = [{ topic, partition: 0 }];
        expect(await lister.list(tp, 'latest', true)).toEqual([{ topic, partition: 0, offset: 5 }]);
        expect(await leaderOf(bootstrap, topic)).toBe(1);

        // Away to broker 2 and back to broker 1: the lister's client cached broker 1 with the first epoch.
        const dir = dirs.create();
        await moveLeadership(bootstrap, topic, 2, dir);
        await moveLeadership(bootstrap, topic, 1, dir);
        await send(3);

        const t0 = Date.now();
        expect(await lister.list(tp, 'latest', true)).toEqual([{ topic, partition: 0, offset: 8 }]);
        expect(await lister.list(tp, 'earliest', true)).toEqual([{ topic, partition: 0, offset: 0 }]);
        console.log(`[cluster] end offsets listed ${Date.now() - t0} ms after leadership came back`);
      } finally {
        await restore.close();
        await producer.disconnect();
      }
    });
  });
});
