// Kafka input and output of the proof tests, with the runtime's own clients: input written with the murmur2
// partitioner (as any Tributary producer), committed output read to its end (read_committed, up to the last stable
// offset), and "the application has processed everything": no committed record left after the group's committed
// offsets on any source topic, repartition topics included.
import { internalTopicName, type Topology } from '../../../../operators/graph/topology.js';
import { kafkaJsClient } from '../../../../runtime/kafka/client-config.js';
import type { ConsumedRecord } from '../../../../runtime/kafka/records.js';
import { RestoreConsumer, type RestoreStart } from '../../../../runtime/kafka/restore-consumer.js';
import { StreamProducer } from '../../../../runtime/kafka/stream-producer.js';
import { TopicAdmin } from '../../../../runtime/kafka/topic-admin.js';
import { bootstrapServers } from '../../../support/kafka.js';

export interface InputRecord {
  readonly topic: string;
  readonly key: string | null;
  readonly value: string | null;
  readonly timestamp: number;
}

const bytes = (s: string | null) => (s === null ? null : Buffer.from(s));

/** Writes the records in order (one idempotent producer: per partition in that order); resolves once acknowledged. */
export async function produceInput(
  records: Iterable<InputRecord>,
  options: { bootstrap?: string; flushEvery?: number } = {},
): Promise<number> {
  const producer = await StreamProducer.create({
    bootstrapServers: options.bootstrap ?? bootstrapServers(),
    lingerMs: 5,
  });
  const flushEvery = options.flushEvery ?? 50_000;
  let n = 0;
  try {
    for (const r of records) {
      producer.send({
        topic: r.topic,
        key: bytes(r.key),
        value: bytes(r.value),
        timestamp: r.timestamp,
        headers: {},
      });
      if (++n % flushEvery === 0) await producer.flush();
    }
    await producer.flush();
  } finally {
    await producer.close();
  }
  return n;
}

/**
 * Writes `records` in order at about `perSecond` while the test does other things (kills workers, adds some):
 * input that keeps arriving during processing. `done` resolves once every record is acknowledged.
 */
export class PacedProducer {
  produced = 0;
  readonly done: Promise<void>;

  constructor(records: readonly InputRecord[], perSecond: number, options: { bootstrap?: string } = {}) {
    this.done = this.#run(records, perSecond, options.bootstrap ?? bootstrapServers());
  }

  async #run(records: readonly InputRecord[], perSecond: number, bootstrap: string): Promise<void> {
    const producer = await StreamProducer.create({ bootstrapServers: bootstrap, lingerMs: 5 });
    const started = Date.now();
    try {
      while (this.produced < records.length) {
        const due = Math.min(records.length, Math.ceil(((Date.now() - started) / 1000) * perSecond) + 1);
        for (; this.produced < due; this.produced++) {
          const r = records[this.produced];
          producer.send({
            topic: r.topic,
            key: bytes(r.key),
            value: bytes(r.value),
            timestamp: r.timestamp,
            headers: {},
          });
        }
        await producer.flush();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await producer.close();
    }
  }
}

export async function createTopics(
  topics: ReadonlyArray<{
    name: string;
    partitions: number;
    replicationFactor?: number;
    config?: Record<string, string>;
  }>,
  bootstrap: string = bootstrapServers(),
): Promise<void> {
  const admin = kafkaJsClient({ bootstrapServers: bootstrap }).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: topics.map((t) => ({
        topic: t.name,
        numPartitions: t.partitions,
        ...(t.replicationFactor ? { replicationFactor: t.replicationFactor } : {}),
        ...(t.config
          ? { configEntries: Object.entries(t.config).map(([name, value]) => ({ name, value })) }
          : {}),
      })),
    });
  } finally {
    await admin.disconnect();
  }
  // Every broker must know them before a worker starts (a fresh cluster's metadata takes a moment to spread).
  const names = topics.map((t) => t.name);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const seen = await Promise.all(
      bootstrap.split(',').map(async (broker) => {
        const one = await TopicAdmin.connect({ bootstrapServers: broker });
        try {
          return (await one.partitionCounts(names)).size;
        } catch {
          return -1; // listed but not described yet (UNKNOWN_TOPIC_OR_PART): not ready
        } finally {
          await one.close();
        }
      }),
    );
    if (seen.every((n) => n === names.length)) return;
    if (Date.now() > deadline)
      throw new Error(`topics not visible on every broker after 30 s: ${names.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Reads committed records of `starts` up to each partition's last stable offset as of now. Returns the records
 * read, per partition in offset order.
 */
async function readCommittedFrom(
  starts: readonly RestoreStart[],
  bootstrap: string,
  timeoutMs: number,
): Promise<ConsumedRecord[]> {
  const consumer = await RestoreConsumer.create({
    bootstrapServers: bootstrap,
    groupId: 'tributary-proof-reader',
  });
  const out: ConsumedRecord[] = [];
  try {
    await consumer.assign(starts);
    const deadline = Date.now() + timeoutMs;
    while (consumer.active > 0) {
      if (Date.now() > deadline)
        throw new Error(
          `reading committed records: not at the end after ${timeoutMs} ms: ${JSON.stringify(consumer.progress())}`,
        );
      const batch = await consumer.poll(200);
      for (const p of batch.records) out.push(...p.records);
    }
  } finally {
    await consumer.close();
  }
  return out;
}

async function partitionsOf(
  topics: readonly string[],
  bootstrap: string,
): Promise<Array<{ topic: string; partition: number }>> {
  const admin = await TopicAdmin.connect({ bootstrapServers: bootstrap });
  try {
    const counts = await admin.partitionCounts(topics);
    return topics.flatMap((topic) => {
      const n = counts.get(topic);
      if (n === undefined) throw new Error(`topic ${topic} does not exist`);
      return Array.from({ length: n }, (_, partition) => ({ topic, partition }));
    });
  } finally {
    await admin.close();
  }
}

/** Every committed record of `topic` (read_committed, to the last stable offset), per partition in offset order. */
export async function readCommitted(
  topic: string,
  options: { bootstrap?: string; timeoutMs?: number } = {},
): Promise<ConsumedRecord[]> {
  const bootstrap = options.bootstrap ?? bootstrapServers();
  const partitions = await partitionsOf([topic], bootstrap);
  return readCommittedFrom(
    partitions.map((p) => ({ ...p, from: 'beginning' as const })),
    bootstrap,
    options.timeoutMs ?? 120_000,
  );
}

/** The physical topics the application's tasks read: its input topics and repartition topics. */
export function sourceTopicsOf(topology: Topology, applicationId: string): string[] {
  return [
    ...topology.sourceTopics(),
    ...topology.internalTopics
      .filter((t) => t.type === 'repartition')
      .map((t) => internalTopicName(applicationId, t.name)),
  ];
}

/** Committed records after the group's committed offsets (from the beginning where it has none), per topic. */
export async function pendingRecords(
  applicationId: string,
  topics: readonly string[],
  bootstrap: string = bootstrapServers(),
): Promise<Map<string, number>> {
  const admin = kafkaJsClient({ bootstrapServers: bootstrap }).admin();
  await admin.connect();
  let committed: Map<string, number>;
  try {
    const offsets = await admin.fetchOffsets({ groupId: applicationId, topics: [...topics] });
    committed = new Map(
      offsets.flatMap((t) =>
        t.partitions.map((p) => [`${t.topic}:${p.partition}`, Number(p.offset)] as const),
      ),
    );
  } finally {
    await admin.disconnect();
  }
  const partitions = await partitionsOf(topics, bootstrap);
  const starts = partitions.map((p): RestoreStart => {
    const offset = committed.get(`${p.topic}:${p.partition}`);
    return { ...p, from: offset !== undefined && offset >= 0 ? offset : 'beginning' };
  });
  const pending = new Map<string, number>(topics.map((t) => [t, 0]));
  for (const r of await readCommittedFrom(starts, bootstrap, 60_000))
    pending.set(r.topic, (pending.get(r.topic) ?? 0) + 1);
  return pending;
}

/**
 * Waits until the application has processed every committed record of its source topics (two checks in a row
 * agree, so that records a commit just made visible on a repartition topic are not missed); returns the wait in ms.
 */
export async function awaitProcessed(
  applicationId: string,
  topics: readonly string[],
  options: {
    bootstrap?: string;
    timeoutMs?: number;
    describe?: () => string;
    /** False once no worker can make progress any more (all exited): fail at once instead of at the timeout. */
    alive?: () => boolean;
  } = {},
): Promise<number> {
  const started = Date.now();
  const deadline = started + (options.timeoutMs ?? 180_000);
  let clean = 0;
  let last = new Map<string, number>();
  while (clean < 2) {
    last = await pendingRecords(applicationId, topics, options.bootstrap);
    clean = [...last.values()].every((n) => n === 0) ? clean + 1 : 0;
    if (clean >= 2) break;
    if (options.alive && !options.alive())
      throw new Error(
        `${applicationId}: every worker exited before processing its input; pending: ${JSON.stringify(Object.fromEntries(last))}${options.describe ? `\n${options.describe()}` : ''}`,
      );
    if (Date.now() > deadline)
      throw new Error(
        `${applicationId} has not processed its input after ${Date.now() - started} ms; pending: ${JSON.stringify(Object.fromEntries(last))}${options.describe ? `\n${options.describe()}` : ''}`,
      );
    await new Promise((resolve) => setTimeout(resolve, clean > 0 ? 300 : 1_000));
  }
  return Date.now() - started;
}

/** Per partition: the last stable offset (read_committed end) and the high watermark, for failure reports. */
export async function partitionEnds(
  topic: string,
  bootstrap: string = bootstrapServers(),
): Promise<Array<{ partition: number; stable: number; high: number }>> {
  const admin = await TopicAdmin.connect({ bootstrapServers: bootstrap });
  try {
    const [stable, high] = await Promise.all([
      admin.endOffsets(topic, { readCommitted: true }),
      admin.endOffsets(topic, { readCommitted: false }),
    ]);
    return stable
      .map((s) => ({
        partition: s.partition,
        stable: s.offset,
        high: high.find((h) => h.partition === s.partition)?.offset ?? -1,
      }))
      .sort((a, b) => a.partition - b.partition);
  } finally {
    await admin.close();
  }
}
