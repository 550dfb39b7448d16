// Runs a one-sub-topology topology as a single StreamTask with exactly-once bookkeeping, so tests can abort a
// transaction: outputs since the last commit are discarded on rollback() and the input since then is replayed, as
// the Kafka runtime does after an aborted transaction.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logger } from '../../../../common/logger.js';
import { isPromise } from '../../../../common/maybe-promise.js';
import type { Topology } from '../../../../operators/graph/topology.js';
import { DriverState } from '../../../../runtime/driver/driver-state.js';
import { StreamsMetrics } from '../../../../runtime/engine/metrics.js';
import type { RawRecord } from '../../../../runtime/engine/raw-record.js';
import type { OutputRecord } from '../../../../runtime/engine/record-collector.js';
import { StreamTask, taskId } from '../../../../runtime/engine/stream-task.js';
import type { Serde } from '../../../../schemas/serde.js';

// biome-ignore lint/suspicious/noExplicitAny: input serdes of any type.
type Inputs = Record<string, { key: Serde<any>; value: Serde<any> }>;

export interface Harness {
  pipe(topic: string, key: unknown, value: unknown, timestamp: number): Promise<void>;
  commit(): Promise<void>;
  /** Aborts: drops uncommitted state and output, then replays the input consumed since the last commit. */
  abortAndReplay(): Promise<void>;
  /** Committed output of `topic`, decoded. */
  committed<KO, VO>(topic: string, key: Serde<KO>, value: Serde<VO>): Array<[KO | null, VO | null, number]>;
  close(): Promise<void>;
}

export async function taskHarness(topology: Topology, inputs: Inputs): Promise<Harness> {
  if (topology.subtopologies.length !== 1) throw new Error('taskHarness runs one sub-topology');
  const st = topology.subtopologies[0];
  const dir = mkdtempSync(join(tmpdir(), 'tributary-harness-'));
  const state = new DriverState('app', dir, 10 * 1024 * 1024);
  const ref: { task?: StreamTask } = {};
  const taskState = await state.open('0_0', st, () => ref.task?.currentTimestampMs() ?? -1);
  let pending: OutputRecord[] = [];
  const committedOutput: OutputRecord[] = [];
  const task = new StreamTask({
    id: taskId(0, 0),
    applicationId: 'app',
    subtopology: st,
    state: taskState,
    collector: { send: (r) => pending.push(r), partitionsFor: () => 1 },
    clock: { nowMs: () => 0 },
    errors: {},
    metrics: new StreamsMetrics(),
    logger,
  });
  ref.task = task;
  await task.initialize();
  let offset = 0;
  let uncommittedInput: RawRecord[] = [];
  const process = async (raw: RawRecord) => {
    task.addRecords([raw]);
    const r = task.process();
    if (isPromise(r)) await r;
  };
  return {
    async pipe(topic, key, value, timestamp) {
      const serdes = inputs[topic];
      const raw: RawRecord = {
        topic,
        partition: 0,
        offset: offset++,
        key: key == null ? null : serdes.key.serialize(topic, key),
        value: value == null ? null : serdes.value.serialize(topic, value),
        timestamp,
        headers: {},
      };
      uncommittedInput.push(raw);
      await process(raw);
    },
    async commit() {
      await task.prepareCommit();
      await task.postCommit(new Map());
      committedOutput.push(...pending);
      pending = [];
      uncommittedInput = [];
    },
    async abortAndReplay() {
      pending = [];
      await task.rollback();
      const replay = uncommittedInput;
      for (const raw of replay) await process(raw);
    },
    committed(topic, key, value) {
      return committedOutput
        .filter((r) => r.topic === topic)
        .map((r) => [
          r.key === null ? null : key.deserialize(topic, r.key),
          r.value === null ? null : value.deserialize(topic, r.value),
          r.timestamp,
        ]);
    },
    async close() {
      await task.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
