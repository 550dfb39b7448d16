// A typed wrapper around kafkactl.sh, for tests and scripts that need a real local Kafka.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const KAFKACTL = fileURLToPath(new URL('./bin/kafkactl.sh', import.meta.url));

export type KafkaTarget = 'single' | 'cluster';
export type ClusterNode = 'node1' | 'node2' | 'node3';

async function kafkactl(args: string[], timeoutMs = 300_000): Promise<string> {
  const { stdout } = await run('bash', [KAFKACTL, ...args], { timeout: timeoutMs, maxBuffer: 16 << 20 });
  return stdout;
}

export const SINGLE_BOOTSTRAP = '127.0.0.1:9092';
export const CLUSTER_BOOTSTRAP = '127.0.0.1:19092,127.0.0.1:29092,127.0.0.1:39092';

export function bootstrapOf(target: KafkaTarget): string {
  return target === 'single' ? SINGLE_BOOTSTRAP : CLUSTER_BOOTSTRAP;
}

/** Which targets/nodes are running right now. */
export async function status(): Promise<Record<KafkaTarget | ClusterNode, boolean>> {
  const out = await kafkactl(['status']);
  const running = (n: string) => new RegExp(`^${n} running`, 'm').test(out);
  return {
    single: running('single'),
    cluster: running('node1') && running('node2') && running('node3'),
    node1: running('node1'),
    node2: running('node2'),
    node3: running('node3'),
  };
}

/** Fetches jars, formats and starts the target unless it already runs; resolves once it serves. */
export async function up(target: KafkaTarget): Promise<string> {
  await kafkactl(['up', target]);
  return bootstrapOf(target);
}

export async function stop(target: KafkaTarget | ClusterNode): Promise<void> {
  await kafkactl(['stop', target]);
}

/** SIGKILL, for fault-injection tests. */
export async function kill(target: KafkaTarget | ClusterNode): Promise<void> {
  await kafkactl(['kill', target]);
}

/** Starts a stopped node of an already formatted cluster and waits until it serves. */
export async function restart(node: ClusterNode): Promise<void> {
  await kafkactl(['start', node]);
  await kafkactl(['wait', node, '120']);
}
