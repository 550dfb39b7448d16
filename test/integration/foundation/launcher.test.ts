// docker/kafka-local: the launcher that gives machines without Docker a real Kafka (single broker or 3-node cluster).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import * as launcher from '../../../docker/kafka-local/launcher.js';
import { kafkaClient } from '../../support/kafka.js';
import { canRunLocalKafka, useLocalCluster } from '../../support/local-cluster.js';

const KAFKACTL = fileURLToPath(new URL('../../../docker/kafka-local/bin/kafkactl.sh', import.meta.url));
const kafkactl = async (...args: string[]) =>
  (await promisify(execFile)('bash', [KAFKACTL, ...args], { timeout: 120_000 })).stdout.trim();

/** True while the process runs; a killed process that is not yet reaped (a zombie) counts as gone. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Proves the node at `address` serves clients, and returns the KRaft voter ids it reports. */
async function quorumVoters(address: string): Promise<number[]> {
  const admin = kafkaClient(address).admin();
  await admin.connect();
  try {
    await admin.listTopics();
  } finally {
    await admin.disconnect();
  }
  const described = await launcher.cli('quorum', ['--bootstrap-server', address, 'describe', '--status']);
  const voters = /CurrentVoters:\s*\[(.*)\]/.exec(described)?.[1] ?? '';
  return [...voters.matchAll(/"id":\s*(\d+)/g)].map((m) => Number(m[1])).sort();
}

describe('kafka-local launcher: addresses', () => {
  const offset = Number(process.env.KAFKA_LOCAL_PORT_OFFSET ?? 0);

  it('prints the same bootstrap strings from the script and the TypeScript wrapper', async () => {
    expect(launcher.SINGLE_BOOTSTRAP).toBe(`127.0.0.1:${9092 + offset}`);
    expect(launcher.CLUSTER_BOOTSTRAP).toBe(
      `127.0.0.1:${19092 + offset},127.0.0.1:${29092 + offset},127.0.0.1:${31092 + offset}`,
    );
    expect(launcher.bootstrapOf('single')).toBe(launcher.SINGLE_BOOTSTRAP);
    expect(launcher.bootstrapOf('cluster')).toBe(launcher.CLUSTER_BOOTSTRAP);
    expect(await kafkactl('bootstrap', 'single')).toBe(launcher.SINGLE_BOOTSTRAP);
    expect(await kafkactl('bootstrap', 'cluster')).toBe(launcher.CLUSTER_BOOTSTRAP);
  });

  it('rejects an unknown target with a message naming it', async () => {
    await expect(kafkactl('stop', 'node7')).rejects.toThrow(/unknown target 'node7'/);
  });
});

describe.skipIf(inject('kafkaBrokerSource') === 'external')('kafka-local launcher: single broker', () => {
  it('up is idempotent: a second up reuses the running broker', async () => {
    const before = await launcher.pids();
    expect(await launcher.up('single')).toBe(launcher.SINGLE_BOOTSTRAP);
    const after = await launcher.pids();
    // null on both sides when the broker on the port was started by another checkout (reused, not ours).
    expect(after.single).toBe(before.single);
    if (after.single !== null) expect(alive(after.single)).toBe(true);
    const admin = kafkaClient(launcher.SINGLE_BOOTSTRAP).admin();
    await admin.connect();
    await admin.listTopics();
    await admin.disconnect();
  });
});

describe.skipIf(!canRunLocalKafka)('kafka-local launcher: 3-broker cluster', () => {
  useLocalCluster();

  it('runs three nodes that form one KRaft quorum', async () => {
    const pids = await launcher.pids();
    for (const n of ['node1', 'node2', 'node3'] as const) expect(pids[n]).not.toBeNull();
    expect(await quorumVoters(launcher.addressOf('node1'))).toEqual([1, 2, 3]);
  });

  it('up is idempotent: a second up keeps the same processes', async () => {
    const before = await launcher.pids();
    expect(await launcher.up('cluster')).toBe(launcher.CLUSTER_BOOTSTRAP);
    expect(await launcher.pids()).toEqual(before);
  });

  it('stops one node gracefully and restarts it while the others keep serving', {
    timeout: 300_000,
  }, async () => {
    const before = await launcher.pids();
    await launcher.stop('node3');
    const stopped = await launcher.status();
    expect(stopped).toMatchObject({ node1: true, node2: true, node3: false, cluster: false });
    expect(alive(before.node3!)).toBe(false);
    expect(await quorumVoters(launcher.addressOf('node2'))).toEqual([1, 2, 3]); // the quorum still answers

    await launcher.restart('node3');
    const after = await launcher.pids();
    expect(after.node3).not.toBeNull();
    expect(after.node3).not.toBe(before.node3);
    expect({ node1: after.node1, node2: after.node2 }).toEqual({ node1: before.node1, node2: before.node2 });
    expect(await quorumVoters(launcher.addressOf('node3'))).toEqual([1, 2, 3]);
  });

  it('kills one node with SIGKILL at once and restarts it from its data', { timeout: 300_000 }, async () => {
    const before = await launcher.pids();
    await launcher.kill('node2');
    expect(alive(before.node2!)).toBe(false);
    expect((await launcher.status()).node2).toBe(false);

    await launcher.restart('node2');
    expect((await launcher.status()).cluster).toBe(true);
    expect(await quorumVoters(launcher.addressOf('node2'))).toEqual([1, 2, 3]);
  });
});
