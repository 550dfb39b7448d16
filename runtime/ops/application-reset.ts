// Replay and backfill (Kafka's kafka-streams-application-reset, for Tributary applications): with every worker of
// the application stopped, sets the group's committed offsets on the input topics to the earliest or latest
// offsets, a given offset, or the first record at or after a timestamp; deletes the internal topics (changelogs and
// repartition topics, so that state is rebuilt from the replayed input rather than added to); and optionally wipes this
// machine's local state of the application. The next `tributary run` reprocesses from the new offsets.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { internalTopicName, type Topology } from '../../operators/graph/topology.js';
import { type KafkaConnectionOptions, kafkaJsClient, librdkafkaConfig } from '../kafka/client-config.js';
import type { PartitionOffset } from '../kafka/delivery-tracker.js';
import { call, connect, createNativeConsumer, disconnect, type NativeConsumer } from '../kafka/rdkafka.js';
import { StateDirectory } from '../kafka/state-directory.js';
import { TopicAdmin } from '../kafka/topic-admin.js';

export type ResetTarget =
  | { readonly to: 'earliest' }
  | { readonly to: 'latest' }
  | { readonly to: 'offset'; readonly offset: number }
  | { readonly to: 'timestamp'; readonly timestamp: number };

export interface ResetOptions extends KafkaConnectionOptions {
  readonly applicationId: string;
  readonly topology: Topology;
  readonly target: ResetTarget;
  /** Default: the topology's source topics (global-store topics excluded: those are always read whole). */
  readonly inputTopics?: readonly string[];
  /** Default true: a reprocessed input must not be aggregated onto the state it already produced. */
  readonly deleteInternalTopics?: boolean;
  /** Deletes `<stateDir>/<applicationId>` task state here (refused while a worker holds its lock). */
  readonly wipeLocalStateDir?: string;
  readonly dryRun?: boolean;
}

export interface ResetPlan {
  /** The offsets committed (or, in a dry run, that would be) per input partition, and the ones before. */
  readonly offsets: ReadonlyArray<PartitionOffset & { readonly previous: number | undefined }>;
  readonly deletedTopics: readonly string[];
  readonly wipedStateDir: string | undefined;
}

/** The application still has workers in its group: resetting under them would be undone by their next commit. */
export class ApplicationActiveError extends Error {
  constructor(
    readonly applicationId: string,
    readonly members: readonly string[],
  ) {
    super(
      `application '${applicationId}' has ${members.length} active worker(s) in its consumer group (${members.join(', ')}): stop every worker before resetting (or wait for their session timeout)`,
    );
    this.name = 'ApplicationActiveError';
  }
}

async function activeMembers(options: ResetOptions): Promise<string[]> {
  const admin = kafkaJsClient(options).admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([options.applicationId]);
    return (groups[0]?.members ?? []).map((m) => `${m.clientId} on ${m.clientHost}`);
  } finally {
    await admin.disconnect();
  }
}

async function targetOffsets(
  admin: TopicAdmin,
  topic: string,
  target: ResetTarget,
): Promise<PartitionOffset[]> {
  switch (target.to) {
    case 'earliest':
      return admin.beginningOffsets(topic);
    case 'latest':
      return admin.endOffsets(topic);
    case 'timestamp':
      return admin.offsetsForTimestamp(topic, target.timestamp);
    case 'offset': {
      // Clamped into what the log holds, as Kafka's tool does.
      const [begin, end] = await Promise.all([admin.beginningOffsets(topic), admin.endOffsets(topic)]);
      return begin.map((b) => {
        const e = end.find((x) => x.partition === b.partition)?.offset ?? b.offset;
        return { topic, partition: b.partition, offset: Math.min(Math.max(target.offset, b.offset), e) };
      });
    }
  }
}

/** A consumer of the application's group that never joins it: it reads and commits offsets as a non-member. */
async function withGroupConsumer<T>(
  options: ResetOptions,
  work: (consumer: NativeConsumer) => Promise<T>,
): Promise<T> {
  const consumer = createNativeConsumer(
    librdkafkaConfig(options, {
      'group.id': options.applicationId,
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
    }),
  );
  await connect(consumer, 10_000);
  try {
    return await work(consumer);
  } finally {
    await disconnect(consumer);
  }
}

/** The group's committed offset per `topic:partition` (undefined where it has none). */
async function committedOffsets(
  consumer: NativeConsumer,
  partitions: readonly PartitionOffset[],
): Promise<Map<string, number | undefined>> {
  const committed = await call<Array<{ topic: string; partition: number; offset?: number }>>((cb) =>
    consumer.committed(
      partitions.map((p) => ({ topic: p.topic, partition: p.partition })),
      10_000,
      cb,
    ),
  );
  return new Map(
    committed.map((p) => [
      `${p.topic}:${p.partition}`,
      p.offset !== undefined && p.offset >= 0 ? p.offset : undefined,
    ]),
  );
}

/** Topic deletion completes in the background; the next start must not find them half-deleted. */
async function awaitDeleted(admin: TopicAdmin, topics: readonly string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = [...(await admin.partitionCounts(topics)).keys()];
    if (left.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(`internal topics still exist ${timeoutMs} ms after deletion: ${left.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Deletes the task state of the application in `stateDir` (keeping the worker id), holding its lock meanwhile. */
function wipeLocalState(stateDir: string, applicationId: string): string {
  const dir = StateDirectory.lock(stateDir, applicationId);
  try {
    for (const entry of readdirSync(dir.appDir)) {
      if (entry === '.lock' || entry === 'worker-id') continue;
      rmSync(join(dir.appDir, entry), { recursive: true, force: true });
    }
  } finally {
    dir.release();
  }
  return dir.appDir;
}

export async function resetApplication(options: ResetOptions): Promise<ResetPlan> {
  const members = await activeMembers(options);
  if (members.length > 0) throw new ApplicationActiveError(options.applicationId, members);
  const admin = await TopicAdmin.connect(options);
  try {
    const inputs = [...new Set(options.inputTopics ?? options.topology.sourceTopics())];
    const counts = await admin.partitionCounts(inputs);
    const missing = inputs.filter((t) => !counts.has(t));
    if (missing.length > 0) throw new Error(`input topic(s) do not exist: ${missing.join(', ')}`);
    const offsets = (await Promise.all(inputs.map((t) => targetOffsets(admin, t, options.target)))).flat();
    const internal = options.topology.internalTopics.map((t) =>
      internalTopicName(options.applicationId, t.name),
    );
    const existingInternal =
      options.deleteInternalTopics === false ? [] : [...(await admin.partitionCounts(internal)).keys()];

    const previous = await withGroupConsumer(options, async (consumer) => {
      const before = await committedOffsets(consumer, offsets);
      if (!options.dryRun && offsets.length > 0) consumer.commitSync(offsets.map((o) => ({ ...o })));
      return before;
    });
    if (!options.dryRun && existingInternal.length > 0) {
      await admin.deleteTopics(existingInternal);
      await awaitDeleted(admin, existingInternal);
    }
    let wiped: string | undefined;
    if (options.wipeLocalStateDir !== undefined) {
      wiped = options.dryRun
        ? join(options.wipeLocalStateDir, options.applicationId)
        : wipeLocalState(options.wipeLocalStateDir, options.applicationId);
    }
    return {
      offsets: offsets.map((o) => ({ ...o, previous: previous.get(`${o.topic}:${o.partition}`) })),
      deletedTopics: existingInternal,
      wipedStateDir: wiped,
    };
  } finally {
    await admin.close();
  }
}
