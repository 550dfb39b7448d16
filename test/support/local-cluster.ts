// The launcher's 3-broker cluster for tests that need replication or kill a broker. Only the foundation tests use
// it: they share one machine with everyone else, and three brokers are not free.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll } from 'vitest';
import * as launcher from '../../docker/kafka-local/launcher.js';

const runs = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;

/**
 * Whether this machine can run the launcher's brokers: Java, and Maven to fetch the jars. False only for users who
 * bring their own Kafka (Docker, KAFKA_BOOTSTRAP_SERVERS) without a JDK; the tests needing it are then skipped,
 * which the summary line shows. The integration global setup needs neither when KAFKA_BOOTSTRAP_SERVERS is set.
 */
export const canRunLocalKafka: boolean = runs('java', ['-version']) && runs('mvn', ['--version']);

/**
 * Registers hooks that start the cluster before the file's tests (unless it already runs) and afterwards stop it
 * if they started it, or otherwise bring back any node a failed test left down.
 */
export function useLocalCluster(): { bootstrap: string } {
  let startedHere = false;
  beforeAll(async () => {
    if ((await launcher.status()).cluster) return;
    const t0 = Date.now();
    await launcher.up('cluster');
    startedHere = true;
    console.log(
      `[kafka] local 3-broker cluster ${launcher.CLUSTER_BOOTSTRAP} ready in ${Date.now() - t0} ms`,
    );
  }, 300_000);
  afterAll(async () => {
    if (startedHere) await launcher.stop('cluster', { graceSeconds: 20 });
    else await launcher.up('cluster');
  }, 300_000);
  return { bootstrap: launcher.CLUSTER_BOOTSTRAP };
}
