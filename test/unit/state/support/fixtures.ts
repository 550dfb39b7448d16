import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Serde } from '../../../../schemas/serde.js';
import type { MemoryBudget, StoreContext } from '../../../../state/api/store-runtime.js';
import { InMemoryChangelog } from '../../../../state/changelog/in-memory-changelog.js';

export const stringSerde: Serde<string> = {
  name: 'test-string',
  orderPreserving: true,
  serialize: (_topic, data) => Buffer.from(data, 'utf8'),
  deserialize: (_topic, data) => data.toString('utf8'),
};

/** 4-byte big-endian unsigned: order-preserving for non-negative ints. */
export const uintSerde: Serde<number> = {
  name: 'test-uint',
  orderPreserving: true,
  serialize: (_topic, data) => {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(data, 0);
    return b;
  },
  deserialize: (_topic, data) => data.readUInt32BE(0),
};

export function jsonSerde<T>(): Serde<T> {
  return {
    name: 'test-json',
    serialize: (_topic, data) => Buffer.from(JSON.stringify(data), 'utf8'),
    deserialize: (_topic, data) => JSON.parse(data.toString('utf8')) as T,
  };
}

/** Counts (de)serializations, to check what the cache saves. */
export function countingSerde<T>(inner: Serde<T>): Serde<T> & { serialized: number; deserialized: number } {
  const counting = {
    name: inner.name,
    serialized: 0,
    deserialized: 0,
    serialize(topic: string, data: T) {
      counting.serialized++;
      return inner.serialize(topic, data);
    },
    deserialize(topic: string, data: Buffer) {
      counting.deserialized++;
      return inner.deserialize(topic, data);
    },
  };
  return counting;
}

export interface TestTask {
  readonly context: StoreContext;
  readonly changelog: InMemoryChangelog;
  /** Sets the event time the stores see as the current record's. */
  time: number;
}

export function largeBudget(): MemoryBudget {
  return { cacheMaxBytes: 64 * 1024 * 1024, rocksDbMaxBytes: 64 * 1024 * 1024 };
}

export function testTask(
  options: {
    memory?: MemoryBudget;
    changelog?: InMemoryChangelog;
    taskDir?: string;
    taskId?: string;
    applicationId?: string;
    partition?: number;
  } = {},
): TestTask {
  const changelog = options.changelog ?? new InMemoryChangelog({ transactional: true });
  const task: { context: StoreContext; changelog: InMemoryChangelog; time: number } = {
    changelog,
    time: 0,
    context: undefined as never,
  };
  task.context = {
    applicationId: options.applicationId ?? 'app',
    taskId: options.taskId ?? '0_0',
    partition: options.partition ?? 0,
    taskDir: options.taskDir,
    changelogTopic: undefined,
    changelog,
    memory: options.memory ?? largeBudget(),
    currentTimestamp: () => task.time,
  };
  return task;
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** A temporary directory removed by the returned cleanup function. */
export function tempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
