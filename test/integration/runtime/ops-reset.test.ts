// Replay and backfill: `tributary reset` rewinds a stopped application's committed input offsets (here to a
// timestamp), deletes its internal topics and wipes its local state; the next run reprocesses from there and
// rebuilds its state from the replayed input only. It refuses while a worker is running, and --dry-run changes nothing.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { internalTopicName } from '../../../operators/graph/topology.js';
import { kafkaJsClient } from '../../../runtime/kafka/client-config.js';
import { TopicAdmin } from '../../../runtime/kafka/topic-admin.js';
import { bootstrapServers, uniqueName } from '../../support/kafka.js';
import {
  awaitProcessed,
  createTopics,
  produceInput,
  readCommitted,
  sourceTopicsOf,
} from './support/kafka-io.js';
import { buildTopology, modulePath } from './support/proof.js';
import { CLI, WorkerProcess } from './support/worker-process.js';
import { TempDirs } from './support/workloads.js';

const dirs = new TempDirs();
afterAll(() => dirs.cleanup());

const run = promisify(execFile);

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      env: { ...process.env, TRIBUTARY_LOG_LEVEL: 'error' },
      timeout: 60_000,
    });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: x.code ?? -1, out: x.stdout ?? '', err: x.stderr ?? '' };
  }
}

async function committedOffsets(group: string, topic: string): Promise<number[]> {
  const admin = kafkaJsClient({ bootstrapServers: bootstrapServers() }).admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return t.partitions.sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset));
  } finally {
    await admin.disconnect();
  }
}

const counts = async (topic: string) =>
  (await readCommitted(topic)).map((r) => `${r.key?.toString()}=${r.value?.readBigInt64BE()}`);

describe('tributary reset', () => {
  it('replays from a timestamp with state rebuilt from the replayed input', {
    timeout: 180_000,
  }, async () => {
    const base = uniqueName('reset');
    const topology = { input: `${base}-lines`, output: `${base}-counts` };
    const applicationId = `${base}-app`;
    const stateDir = dirs.create();
    await createTopics([
      { name: topology.input, partitions: 2 },
      { name: topology.output, partitions: 2 },
    ]);
    const built = await buildTopology('words', topology);
    const t0 = Date.now() - 60_000;
    const lines = ['alpha beta', 'alpha', 'gamma alpha', 'beta', 'alpha gamma', 'alpha'];
    await produceInput(
      lines.map((value, i) => ({ topic: topology.input, key: `l${i}`, value, timestamp: t0 + i * 1_000 })),
    );
    const args = ['--application-id', applicationId, '--state-dir', stateDir, '--config'];
    const worker = new WorkerProcess({ module: modulePath('words'), applicationId, stateDir, topology });

    // First run: everything processed.
    worker.start();
    await worker.waitFor('RUNNING');
    await awaitProcessed(applicationId, sourceTopicsOf(built, applicationId));
    const firstRun = await counts(topology.output);
    expect(firstRun.filter((c) => c.startsWith('alpha='))).toEqual([
      'alpha=1',
      'alpha=2',
      'alpha=3',
      'alpha=4',
      'alpha=5',
    ]);

    // Refused while the worker runs: its next commit would undo the reset.
    const refused = await cli(['reset', modulePath('words'), ...args, worker.configFile, '--to-earliest']);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(new RegExp(`application '${applicationId}' has 1 active worker\\(s\\)`));
    expect(await worker.stop()).toEqual({ code: 0, signal: null });
    const before = await committedOffsets(applicationId, topology.input);

    // A dry run shows the plan and changes nothing.
    const dry = await cli([
      'reset',
      modulePath('words'),
      ...args,
      worker.configFile,
      '--to-earliest',
      '--dry-run',
    ]);
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toContain(`dry run: reset of application ${applicationId}`);
    expect(dry.out).toContain(`${topology.input}-0: committed offset ${before[0]} -> 0`);
    expect(dry.out).toMatch(/would delete internal topics: .*word-counts-changelog/);
    expect(await committedOffsets(applicationId, topology.input)).toEqual(before);

    // Reset to the time of line 3, wiping local state.
    const from = t0 + 3_000;
    const input = await readCommitted(topology.input);
    const expectedOffsets = [0, 1].map((p) => {
      const first = input.find((r) => r.partition === p && r.timestamp >= from);
      return first ? first.offset : input.filter((r) => r.partition === p).length;
    });
    const reset = await cli([
      'reset',
      modulePath('words'),
      ...args,
      worker.configFile,
      '--to-timestamp',
      new Date(from).toISOString(),
      '--wipe-local-state',
    ]);
    expect(reset.code, reset.err).toBe(0);
    expect(reset.out).toContain(`wiped local state in ${join(stateDir, applicationId)}`);
    expect(await committedOffsets(applicationId, topology.input)).toEqual(expectedOffsets);
    const internal = built.internalTopics.map((t) => internalTopicName(applicationId, t.name));
    const admin = await TopicAdmin.connect({ bootstrapServers: bootstrapServers() });
    try {
      expect([...(await admin.partitionCounts(internal)).keys()]).toEqual([]);
    } finally {
      await admin.close();
    }
    // Task state gone; the worker id stays (the next run reuses its transactional id).
    expect(readdirSync(join(stateDir, applicationId))).toEqual(['worker-id']);
    expect(existsSync(join(stateDir, applicationId, '.lock'))).toBe(false);

    // Second run: lines 3..5 again, counted from scratch.
    worker.start();
    await worker.waitFor('RUNNING');
    await awaitProcessed(applicationId, sourceTopicsOf(built, applicationId));
    expect(await worker.stop()).toEqual({ code: 0, signal: null });
    // Replayed lines 'beta', 'alpha gamma', 'alpha': counted on rebuilt state (alpha 1, 2 - not 6, 7).
    const all = await counts(topology.output);
    const of = (word: string) => all.filter((c) => c.startsWith(`${word}=`));
    expect(all.length).toBe(firstRun.length + 4);
    expect(of('alpha')).toEqual([
      'alpha=1',
      'alpha=2',
      'alpha=3',
      'alpha=4',
      'alpha=5',
      'alpha=1',
      'alpha=2',
    ]);
    expect(of('beta')).toEqual(['beta=1', 'beta=2', 'beta=1']);
    expect(of('gamma')).toEqual(['gamma=1', 'gamma=2', 'gamma=1']);
  });
});
