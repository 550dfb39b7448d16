// The launcher's 3-broker cluster keeps every acknowledged record when a broker dies mid-stream (kill -9) and
// comes back: replication factor 3, min.insync.replicas 2, an idempotent producer with acks=all.
import { beforeAll, describe, expect, it } from 'vitest';
import * as launcher from '../../../docker/kafka-local/launcher.js';
import { consumeToEnd, createTopics, type Kafka, kafkaClient, uniqueName } from '../../support/kafka.js';
import { canRunLocalKafka, useLocalCluster } from '../../support/local-cluster.js';

const PARTITIONS = 3;
const MAX_IN_FLIGHT = 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Produces numbered records one by one (up to MAX_IN_FLIGHT unacknowledged) until stopped; tracks each outcome. */
class RecordStream {
  readonly acked = new Set<string>();
  readonly failed = new Map<string, string>();
  readonly sent = new Set<string>();
  private running = true;
  private done: Promise<void> | undefined;

  constructor(
    private readonly producer: ReturnType<Kafka['producer']>,
    private readonly topic: string,
  ) {}

  start(): void {
    this.done = this.loop();
  }

  private async loop(): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    for (let seq = 0; this.running; seq++) {
      while (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
      const value = `r-${String(seq).padStart(6, '0')}`;
      this.sent.add(value);
      const p: Promise<void> = this.producer
        .send({ topic: this.topic, messages: [{ key: value, value }] })
        .then(
          () => void this.acked.add(value),
          (e: unknown) => void this.failed.set(value, String(e)),
        )
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
      await sleep(2);
    }
    await Promise.all(inFlight);
  }

  /** Resolves once `n` more records than `from` are acknowledged; fails after `timeoutMs`. */
  async waitForAcks(from: number, n: number, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.acked.size < from + n) {
      if (Date.now() > deadline)
        throw new Error(
          `${what}: only ${this.acked.size - from} of ${n} records acknowledged in ${timeoutMs} ms ` +
            `(${this.failed.size} failed, e.g. ${[...this.failed.values()][0] ?? '-'})`,
        );
      await sleep(100);
    }
  }

  /** Stops producing and waits until every record sent has its outcome. */
  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

async function partitionsOf(kafka: Kafka, topic: string) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [metadata] = await admin.fetchTopicMetadata({ topics: [topic] });
    return metadata.partitions;
  } finally {
    await admin.disconnect();
  }
}

async function waitForFullIsr(kafka: Kafka, topic: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const partitions = await partitionsOf(kafka, topic).catch(() => []);
    if (partitions.length === PARTITIONS && partitions.every((p) => p.isr.length === 3)) return;
    if (Date.now() > deadline)
      throw new Error(
        `ISR of ${topic} did not return to 3 replicas in ${timeoutMs} ms: ${JSON.stringify(partitions.map((p) => p.isr))}`,
      );
    await sleep(1_000);
  }
}

describe.skipIf(!canRunLocalKafka)('3-broker cluster: kill -9 of one broker mid-stream', () => {
  const cluster = useLocalCluster();
  const topic = uniqueName('foundation-failover');
  let kafka: Kafka;

  beforeAll(async () => {
    kafka = kafkaClient(cluster.bootstrap);
    await createTopics(kafka, [
      {
        topic,
        numPartitions: PARTITIONS,
        replicationFactor: 3,
        configs: { 'min.insync.replicas': '2' },
      },
    ]);
  });

  it('creates the topic with 3 in-sync replicas per partition and min.insync.replicas=2', async () => {
    const partitions = await partitionsOf(kafka, topic);
    expect(partitions).toHaveLength(PARTITIONS);
    for (const p of partitions) {
      expect([...p.replicas].sort()).toEqual([1, 2, 3]);
      expect([...p.isr].sort()).toEqual([1, 2, 3]);
    }
    const described = await launcher.cli('topics', [
      '--bootstrap-server',
      cluster.bootstrap,
      '--describe',
      '--topic',
      topic,
    ]);
    expect(described).toMatch(/min\.insync\.replicas=2/);
  });

  // The phases have their own, shorter deadlines; this bound only has to exceed their sum.
  it('every acknowledged record is read back exactly once after a broker is killed and restarted', {
    timeout: 720_000,
  }, async () => {
    const producer = kafka.producer({
      'enable.idempotence': true,
      acks: -1,
      'linger.ms': 5,
      // Long enough to ride out leader election and ISR shrink; acknowledged means written to >= 2 replicas.
      'message.timeout.ms': 180_000,
    });
    await producer.connect();
    const stream = new RecordStream(producer, topic);
    const phases: string[] = [];
    try {
      stream.start();
      await stream.waitForAcks(0, 300, 60_000, 'before the kill');

      // Kill the leader of partition 0 (so a leader fails over, not just a follower), with records in flight.
      const leaderId = (await partitionsOf(kafka, topic)).find((p) => p.partitionId === 0)!.leader;
      const victim = `node${leaderId}` as launcher.ClusterNode;
      await launcher.kill(victim);
      expect((await launcher.status())[victim]).toBe(false);
      const ackedAtKill = stream.acked.size;
      const killedAt = Date.now();

      // With one broker of three gone, acks=all writes must go on (min.insync.replicas=2).
      await stream.waitForAcks(ackedAtKill, 300, 150_000, `while ${victim} is down`);
      phases.push(
        `killed ${victim} at ${ackedAtKill} acks; 300 more acked ${Date.now() - killedAt} ms later`,
      );
      const restartAt = Date.now();
      await launcher.restart(victim);
      phases.push(`${victim} restarted in ${Date.now() - restartAt} ms`);
      expect((await launcher.status())[victim]).toBe(true);
      await stream.waitForAcks(stream.acked.size, 300, 120_000, `after ${victim} restarted`);
    } finally {
      await stream.stop();
      await producer.disconnect();
    }
    await waitForFullIsr(kafka, topic, 120_000);

    const values = (await consumeToEnd(kafka, topic, { timeoutMs: 120_000 })).map((r) => r.value!);
    const seen = new Set(values);
    expect(values.length).toBe(seen.size); // no duplicates
    for (const v of values) expect(stream.sent.has(v)).toBe(true); // nothing we did not send
    const lost = [...stream.acked].filter((v) => !seen.has(v));
    expect(lost).toEqual([]); // every acknowledged record is there
    expect(stream.acked.size).toBeGreaterThanOrEqual(900);
    console.log(
      `[failover] ${phases.join('; ')}; sent ${stream.sent.size}, acknowledged ${stream.acked.size}, failed ${stream.failed.size}, read back ${values.length}`,
    );
  });
});
