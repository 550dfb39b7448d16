// The task the crash tests run in a child process and recover in the test: persistent key-value (cached), window
// (duplicates) and session stores, and a deterministic transaction i whose committed effects are easy to predict.
import type { Windowed } from '../../../../operators/api/record.js';
import { Stores } from '../../../../state/api/stores.js';
import { TaskStateManager } from '../../../../state/task-state-manager.js';
import type { FileChangelog } from './file-changelog.js';
import { collect, jsonSerde, stringSerde } from './fixtures.js';

export const KEYS = Array.from({ length: 20 }, (_, i) => `k${i}`);
const WINDOW_KEYS = KEYS.slice(0, 5);

export function openTask(taskDir: string, changelog: FileChangelog, clock = { time: 0 }) {
  const m = new TaskStateManager({
    applicationId: 'crash',
    taskId: '0_0',
    partition: 0,
    taskDir,
    changelog,
    memory: { cacheMaxBytes: 1 << 20, rocksDbMaxBytes: 64 << 20 },
    currentTimestamp: () => clock.time,
    checkpointAfterRecords: Number(process.env.CHECKPOINT_AFTER_RECORDS ?? 0),
  });
  const counts = m.register(
    Stores.keyValueStoreBuilder(
      Stores.persistentKeyValueStore('counts'),
      stringSerde,
      jsonSerde<number>(),
    ).withCachingEnabled(),
  );
  const joins = m.register(
    Stores.windowStoreBuilder(
      Stores.persistentWindowStore('joins', { retentionMs: 1e9, windowSizeMs: 10, retainDuplicates: true }),
      stringSerde,
      jsonSerde<number>(),
    ),
  );
  const sessions = m.register(
    Stores.sessionStoreBuilder(
      Stores.persistentSessionStore('sessions', { retentionMs: 1e9 }),
      stringSerde,
      jsonSerde<number>(),
    ).withCachingEnabled(),
  );
  return { m, counts, joins, sessions, clock };
}

export type Task = ReturnType<typeof openTask>;

/** The writes of transaction i (1-based). */
export async function runTransaction(task: Task, i: number): Promise<void> {
  task.clock.time = i;
  for (const key of KEYS) task.counts.put(key, ((await task.counts.get(key)) ?? 0) + 1);
  if (i % 2 === 1) task.counts.put('odd', i);
  else await task.counts.delete('odd');
  for (const key of WINDOW_KEYS) task.joins.put(key, i, i * 10);
  for (const key of WINDOW_KEYS) {
    if (i > 1) task.sessions.remove({ key, window: { start: 0, end: i - 1 } });
    task.sessions.put({ key, window: { start: 0, end: i } }, i);
  }
}

export interface State {
  counts: [string, number][];
  joins: string[];
  sessions: string[];
}

export async function readState(task: Task): Promise<State> {
  const counts = (await collect(task.counts.all())).map((e): [string, number] => [e.key, e.value]);
  const joins = (await collect(task.joins.all())).map((e) => `${e.key.key}@${e.key.window.start}=${e.value}`);
  const sessions = (await collect(task.sessions.all())).map(
    (e: { key: Windowed<string>; value: number }) =>
      `${e.key.key}[${e.key.window.start},${e.key.window.end}]=${e.value}`,
  );
  return { counts, joins, sessions };
}

/** What the stores hold after transactions 1..n committed. */
export function expectedState(n: number): State {
  const counts: [string, number][] = n === 0 ? [] : KEYS.map((k): [string, number] => [k, n]);
  if (n % 2 === 1) counts.push(['odd', n]);
  counts.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const joins: string[] = [];
  for (let i = 1; i <= n; i++) for (const k of WINDOW_KEYS) joins.push(`${k}@${i * 10}=${i}`);
  const sessions = n === 0 ? [] : WINDOW_KEYS.map((k) => `${k}[0,${n}]=${n}`);
  return { counts, joins, sessions };
}

export const TOPICS = ['crash-counts-changelog', 'crash-joins-changelog', 'crash-sessions-changelog'];

/** One full commit cycle: flush, "Kafka commit" (append to the file), apply and checkpoint. */
export async function commitCycle(task: Task, changelog: FileChangelog): Promise<void> {
  await task.m.flush();
  changelog.commitTransaction();
  await task.m.commit(changelog.endOffsets(TOPICS));
}
