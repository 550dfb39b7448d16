// A typed wrapper around kafkactl.sh, for tests and scripts that need a real local Kafka.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const KAFKACTL = fileURLToPath(new URL('./bin/kafkactl.sh', import.meta.url));

export type KafkaTarget = 'single' | 'cluster';
export type ClusterNode = 'node1' | 'node2' | 'node3';
export type LocalNode = 'single' | ClusterNode;

async function kafkactl(
  args: string[],
  timeoutMs = 300_000,
  env: Record<string, string> = {},
): Promise<string> {
  const { stdout } = await run('bash', [KAFKACTL, ...args], {
    timeout: timeoutMs,
    maxBuffer: 16 << 20,
    env: { ...process.env, ...env },
  });
  return stdout;
}

// Same rule as kafkactl.sh: KAFKA_LOCAL_PORT_OFFSET shifts every port (a second checkout's brokers beside the first).
const PORT_OFFSET = Number(process.env.KAFKA_LOCAL_PORT_OFFSET ?? 0);
const CLIENT_PORTS: Record<LocalNode, number> = { single: 9092, node1: 19092, node2: 29092, node3: 31092 };

/** The client address (host:port) of one local node. */
export function addressOf(node: LocalNode): string {
  return `127.0.0.1:${CLIENT_PORTS[node] + PORT_OFFSET}`;
}

export const SINGLE_BOOTSTRAP = addressOf('single');
export const CLUSTER_BOOTSTRAP = [addressOf('node1'), addressOf('node2'), addressOf('node3')].join(',');

export function bootstrapOf(target: KafkaTarget): string {
  return target === 'single' ? SINGLE_BOOTSTRAP : CLUSTER_BOOTSTRAP;
}

function parseStatus(out: string): Record<LocalNode, number | null> {
  const pid = (n: string) => {
    const m = new RegExp(`^${n} running pid (\\d+)`, 'm').exec(out);
    return m ? Number(m[1]) : null;
  };
  return { single: pid('single'), node1: pid('node1'), node2: pid('node2'), node3: pid('node3') };
}

/** Which targets/nodes this checkout's launcher runs right now. */
export async function status(): Promise<Record<KafkaTarget | ClusterNode, boolean>> {
  const pids = parseStatus(await kafkactl(['status']));
  const running = (n: LocalNode) => pids[n] !== null;
  return {
    single: running('single'),
    cluster: running('node1') && running('node2') && running('node3'),
    node1: running('node1'),
    node2: running('node2'),
    node3: running('node3'),
  };
}

/** The JVM process id of each node this checkout's launcher runs (null when stopped). */
export async function pids(): Promise<Record<LocalNode, number | null>> {
  return parseStatus(await kafkactl(['status']));
}

/**
 * Fetches jars, formats and starts the target unless it already runs; resolves once it serves. For `single`, a
 * Kafka broker that already answers on the port (another checkout's) is reused.
 */
export async function up(target: KafkaTarget): Promise<string> {
  await kafkactl(['up', target]);
  return bootstrapOf(target);
}

/**
 * SIGTERM (controlled shutdown), SIGKILL after `graceSeconds` (default: STOP_TIMEOUT or 60). A node whose peers
 * are already gone can wait long for a controlled-shutdown approval; throwaway test clusters pass a short grace.
 */
export async function stop(
  target: KafkaTarget | ClusterNode,
  options: { graceSeconds?: number } = {},
): Promise<void> {
  await kafkactl(
    ['stop', target],
    300_000,
    options.graceSeconds === undefined ? {} : { STOP_TIMEOUT: String(options.graceSeconds) },
  );
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

/**
 * Runs one of Kafka's own CLI tools through the launcher's jars (`topics`, `groups`, `quorum`, `txns`, `reassign`
 * for partition reassignments, `elect` for leader elections), e.g.
 * `cli('topics', ['--bootstrap-server', b, '--describe', '--topic', t])`; resolves with its standard output.
 */
export async function cli(
  tool: 'topics' | 'groups' | 'quorum' | 'txns' | 'reassign' | 'elect',
  args: string[],
): Promise<string> {
  return kafkactl([tool, ...args], 120_000);
}
