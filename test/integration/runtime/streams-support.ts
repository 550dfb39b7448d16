// Helpers of the KafkaStreams integration tests: workers with their own state directories, input written with the
// runtime's partitioner, waiting for states and outputs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaStreams, type KafkaStreamsState, type StreamsConfig, type Topology } from 'tributary';
import { StreamProducer } from '../../../runtime/kafka/stream-producer.js';
import { bootstrapServers, type ConsumedRecord, consumeAll, type Kafka } from '../../support/kafka.js';
import { withTimeout } from '../../support/timeout.js';

export interface InputRecord {
  readonly key: string | null;
  readonly value: string | Buffer | null;
  readonly partition?: number;
  readonly timestamp?: number;
  readonly headers?: Record<string, string>;
}

/** Writes records (keyed ones partitioned by murmur2, as every Tributary producer does); acknowledged on return. */
export async function produce(topic: string, records: readonly InputRecord[]): Promise<void> {
  const producer = await StreamProducer.create({ bootstrapServers: bootstrapServers() });
  try {
    const now = Date.now();
    for (const r of records) {
      producer.send({
        topic,
        ...(r.partition !== undefined ? { partition: r.partition } : {}),
        key: r.key === null ? null : Buffer.from(r.key),
        value: r.value === null ? null : typeof r.value === 'string' ? Buffer.from(r.value) : r.value,
        timestamp: r.timestamp ?? now,
        headers: r.headers ?? {},
      });
    }
    await producer.flush();
  } finally {
    await producer.close();
  }
}

/** Temporary state directories, one per worker; removed by `cleanup()`. */
export class StateDirs {
  readonly #dirs: string[] = [];

  create(): string {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-streams-'));
    this.#dirs.push(dir);
    return dir;
  }

  cleanup(): void {
    for (const dir of this.#dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

/** Every state a KafkaStreams instance went through, for assertions and waiting. */
export class Worker {
  readonly states: KafkaStreamsState[] = ['CREATED'];
  readonly errors: Error[] = [];
  readonly streams: KafkaStreams;
  #waiters: Array<() => void> = [];

  constructor(topology: Topology, config: StreamsConfig) {
    this.streams = new KafkaStreams(topology, {
      bootstrapServers: bootstrapServers(),
      // Short session and poll intervals keep rebalances quick in tests.
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 1_000,
      ...config,
    });
    this.streams.setStateListener((state) => {
      this.states.push(state);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.streams.setUncaughtExceptionHandler((error) => this.errors.push(error));
  }

  async start(): Promise<this> {
    await this.streams.start();
    return this;
  }

  /** Resolves when the state is `state` (now or later); rejects on ERROR or after `timeoutMs`. */
  async waitFor(state: KafkaStreamsState, timeoutMs = 30_000): Promise<void> {
    const reached = async () => {
      for (;;) {
        const current = this.streams.state();
        if (current === state) return;
        if (current === 'ERROR' && state !== 'ERROR') {
          throw new Error(`worker went to ERROR while waiting for ${state}: ${this.streams.error?.message}`);
        }
        await new Promise<void>((resolve) => {
          this.#waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    };
    await withTimeout(reached(), timeoutMs, `state ${state} (now ${this.streams.state()})`);
  }

  async close(): Promise<void> {
    await withTimeout(this.streams.close(), 60_000, 'KafkaStreams.close()');
  }
}

/** Waits until `topic` holds at least `count` committed records (read_committed), then returns them. */
export async function awaitOutput(
  kafka: Kafka,
  topic: string,
  count: number,
  timeoutMs = 40_000,
): Promise<ConsumedRecord[]> {
  const records = await consumeAll(kafka, topic, { count, timeoutMs });
  if (records.length < count) {
    throw new Error(`${topic}: ${records.length} of ${count} records within ${timeoutMs} ms`);
  }
  return records;
}

/** Values per key, in the order the topic holds them (per partition; a key lives in one partition). */
export function valuesByKey(records: readonly ConsumedRecord[]): Map<string, (string | null)[]> {
  const out = new Map<string, (string | null)[]>();
  const sorted = [...records].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  for (const r of sorted) {
    const key = r.key ?? '<null>';
    const list = out.get(key) ?? [];
    list.push(r.value);
    out.set(key, list);
  }
  return out;
}

export function restoreCounter() {
  const restored = new Map<string, number>();
  const listener = {
    onRestoreEnd(p: { storeName: string; partition: number; restored: number }) {
      const key = `${p.storeName}/${p.partition}`;
      restored.set(key, (restored.get(key) ?? 0) + p.restored);
    },
  };
  const total = () => [...restored.values()].reduce((a, b) => a + b, 0);
  return { restored, listener, total };
}

/** A counter of the worker summed over its tags (e.g. every task's `skipped-records-total`). */
export function metric(worker: Worker, name: string): number {
  return worker.streams
    .metrics()
    .filter((m) => m.name === name)
    .reduce((sum, m) => sum + m.value, 0);
}
