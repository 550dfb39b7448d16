// TopicAdmin against the real broker: internal topics created idempotently with their configs, partition counts and
// co-partitioning errors, offsets by position and timestamp, and purging records.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CopartitionMismatchError } from '../../../runtime/kafka/copartitioning.js';
import type { InternalTopicSpec } from '../../../runtime/kafka/internal-topic-config.js';
import { StreamProducer } from '../../../runtime/kafka/stream-producer.js';
import { InternalTopicMismatchError, TopicAdmin } from '../../../runtime/kafka/topic-admin.js';
import { bootstrapServers, uniqueName } from '../../support/kafka.js';
import { connection, createTopic, sleep, withAdmin, writeInput } from './kafka-helpers.js';

/** Topic configs as the broker reports them, through Kafka's own TopicCommand (this client cannot describe configs). */
async function describeConfigs(topicPattern: string): Promise<Map<string, string>> {
  const { stdout } = await promisify(execFile)('bash', [
    'docker/kafka-local/bin/kafkactl.sh',
    'topics',
    '--bootstrap-server',
    bootstrapServers(),
    '--describe',
    '--topic',
    topicPattern,
  ]);
  const configs = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const topic = /^Topic: (\S+)\s+TopicId/.exec(line)?.[1];
    const config = /Configs: (.*)$/.exec(line)?.[1];
    if (topic && config !== undefined) configs.set(topic, config.trim());
  }
  return configs;
}

describe('TopicAdmin', () => {
  it('creates internal topics with partition counts and configs, idempotently and concurrently', async () => {
    const app = uniqueName('app');
    const specs: InternalTopicSpec[] = [
      { name: `${app}-by-host-repartition`, partitions: 3, type: 'repartition' },
      { name: `${app}-counts-changelog`, partitions: 3, type: 'changelog' },
      { name: `${app}-windows-changelog`, partitions: 3, type: 'windowed-changelog', retentionMs: 600_000 },
    ];
    const [first, second] = await Promise.all([
      TopicAdmin.connect(connection()),
      TopicAdmin.connect(connection()),
    ]);
    try {
      // Two workers of the same application starting at once.
      await Promise.all([first.ensureInternalTopics(specs), second.ensureInternalTopics(specs)]);
      expect(await first.ensureInternalTopics(specs)).toEqual([]);
      expect(await first.partitionCounts([...specs.map((s) => s.name), `${app}-absent`])).toEqual(
        new Map(specs.map((s) => [s.name, 3])),
      );
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
    const configs = await describeConfigs(`${app}-.*`);
    expect(configs.get(specs[0].name)).toContain('cleanup.policy=delete');
    expect(configs.get(specs[0].name)).toContain('retention.ms=-1');
    expect(configs.get(specs[1].name)).toContain('cleanup.policy=compact');
    expect(configs.get(specs[2].name)).toContain('cleanup.policy=compact,delete');
    expect(configs.get(specs[2].name)).toContain(`retention.ms=${600_000 + 86_400_000}`);
  });

  it('refuses an existing internal topic with another partition count, naming both counts', async () => {
    const name = `${uniqueName('app')}-store-changelog`;
    await createTopic(name, 2);
    await withAdmin(async (admin) => {
      const error = await admin
        .ensureInternalTopics([{ name, partitions: 4, type: 'changelog' }])
        .catch((e) => e);
      expect(error).toBeInstanceOf(InternalTopicMismatchError);
      expect(error.message).toContain(
        `internal topic ${name} exists with 2 partitions but the topology needs 4`,
      );
    });
  });

  it('reports co-partitioned topics with different partition counts (or missing) by name and count', async () => {
    const orders = uniqueName('orders');
    const customers = uniqueName('customers');
    const missing = uniqueName('missing');
    await createTopic(orders, 3);
    await createTopic(customers, 4);
    await withAdmin(async (admin) => {
      await expect(admin.verifyCopartitioned([[orders, orders]])).resolves.toBeUndefined();
      const error = await admin.verifyCopartitioned([[orders, customers], [missing]]).catch((e) => e);
      expect(error).toBeInstanceOf(CopartitionMismatchError);
      expect(error.message).toContain(`${orders} (3 partitions), ${customers} (4 partitions)`);
      expect(error.message).toContain(`${missing} (missing)`);
    });
  });

  it('finds offsets by position and timestamp (read_committed ends before open transactions) and purges records', async () => {
    const topic = uniqueName('offsets');
    await createTopic(topic, 1);
    const t0 = Date.now() - 60_000;
    await writeInput(topic, 1, 5, t0); // offsets 0..4, timestamps t0..t0+4
    const producer = await StreamProducer.create({
      ...connection(),
      transactionalId: uniqueName('offsets-tx'),
    });
    try {
      await producer.beginTransaction();
      producer.send({ topic, key: null, value: Buffer.from('open-1'), timestamp: t0 + 10 });
      producer.send({ topic, key: null, value: Buffer.from('open-2'), timestamp: t0 + 11 });
      await withAdmin(async (admin) => {
        const deadline = Date.now() + 10_000;
        while ((await admin.endOffsets(topic, { readCommitted: false }))[0].offset < 7) {
          if (Date.now() > deadline) throw new Error('open transaction records never reached the log');
          await sleep(50);
        }
        expect(await admin.beginningOffsets(topic)).toEqual([{ topic, partition: 0, offset: 0 }]);
        expect(await admin.endOffsets(topic)).toEqual([{ topic, partition: 0, offset: 5 }]);
        expect(await admin.endOffsets(topic, { readCommitted: false })).toEqual([
          { topic, partition: 0, offset: 7 },
        ]);
        expect(await admin.offsetsForTimestamp(topic, t0 + 2)).toEqual([{ topic, partition: 0, offset: 2 }]);
        expect(await admin.offsetsForTimestamp(topic, t0 - 1000)).toEqual([
          { topic, partition: 0, offset: 0 },
        ]);

        await admin.deleteRecordsBefore([{ topic, partition: 0, offset: 3 }]);
        expect(await admin.beginningOffsets(topic)).toEqual([{ topic, partition: 0, offset: 3 }]);
      });
      await producer.abortTransaction();
    } finally {
      await producer.close();
    }
  });
});
