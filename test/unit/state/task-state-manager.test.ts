import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isPromise } from '../../../common/maybe-promise.js';
import type { RestoreProgress } from '../../../state/api/changelog-reader.js';
import type { StateStore } from '../../../state/api/state-store.js';
import type { StoreBuilder } from '../../../state/api/store-builder.js';
import type { ChangelogRecord, ChangelogWriter, StoreRuntime } from '../../../state/api/store-runtime.js';
import { Stores } from '../../../state/api/stores.js';
import { InMemoryChangelog } from '../../../state/changelog/in-memory-changelog.js';
import {
  CHECKPOINT_FILE,
  formatCheckpoint,
  parseCheckpoint,
  readCheckpoint,
  writeCheckpoint,
} from '../../../state/checkpoint-file.js';
import { TaskStateManager } from '../../../state/task-state-manager.js';
import { collect, jsonSerde, largeBudget, stringSerde, tempDir } from './support/fixtures.js';

const dirs: { remove: () => void }[] = [];

/** A cached key-value store `counts` and a window store `windows`, in memory or on RocksDB. */
function registerCountsAndWindows(m: TaskStateManager, persistent: boolean) {
  const kv = m.register(
    Stores.keyValueStoreBuilder(
      persistent ? Stores.persistentKeyValueStore('counts') : Stores.inMemoryKeyValueStore('counts'),
      stringSerde,
      jsonSerde<number>(),
    ).withCachingEnabled(),
  );
  const windows = { retentionMs: 100_000, windowSizeMs: 1000 };
  const win = m.register(
    Stores.windowStoreBuilder(
      persistent
        ? Stores.persistentWindowStore('windows', windows)
        : Stores.inMemoryWindowStore('windows', windows),
      stringSerde,
      jsonSerde<number>(),
    ),
  );
  return { kv, win };
}

/** A task 0_0 of app `app` on `taskDir`. */
function options(taskDir: string | undefined, changelog: ChangelogWriter, checkpointAfterRecords = 0) {
  return {
    applicationId: 'app',
    taskId: '0_0',
    partition: 0,
    taskDir,
    changelog,
    memory: largeBudget(),
    currentTimestamp: () => 0,
    checkpointAfterRecords,
  };
}
afterEach(() => {
  for (const d of dirs.splice(0)) d.remove();
});
function dir(): string {
  const d = tempDir('tributary-tsm');
  dirs.push(d);
  return d.path;
}

describe('checkpoint file', () => {
  const entries = new Map([
    ['b', { topic: 'app-b-changelog', partition: 3, offset: 42, storeId: 'id-b' }],
    ['a', { topic: 'app-a-changelog', partition: 3, offset: 0, storeId: 'id-a' }],
  ]);

  it('round-trips through an atomic write', async () => {
    const taskDir = join(dir(), 'app', '0_3');
    await writeCheckpoint(taskDir, entries);
    const read = await readCheckpoint(taskDir);
    expect(read).toEqual({ status: 'ok', stores: new Map([...entries].sort()) });
    expect(existsSync(join(taskDir, `${CHECKPOINT_FILE}.tmp`))).toBe(false);
  });

  it('reports a missing file as missing and damaged ones as corrupt', async () => {
    const taskDir = dir();
    expect(await readCheckpoint(taskDir)).toEqual({ status: 'missing' });
    const good = formatCheckpoint(entries);
    const cases: [string, RegExp][] = [
      ['', /not JSON/],
      [good.slice(0, good.length / 2), /not JSON/],
      [good.replace('"offset":42', '"offset":43'), /checksum/],
      [good.replace('"version":1', '"version":2'), /unknown version/],
      ['{"format":"something-else"}', /not a checkpoint/],
    ];
    for (const [text, reason] of cases) {
      const parsed = parseCheckpoint(text);
      expect(parsed.status).toBe('corrupt');
      expect(parsed.status === 'corrupt' && parsed.reason).toMatch(reason);
    }
    writeFileSync(join(taskDir, CHECKPOINT_FILE), good.replace('"offset":0', '"offset":-1'));
    expect((await readCheckpoint(taskDir)).status).toBe('corrupt');
  });
});

describe('TaskStateManager with in-memory stores', () => {
  function manager(changelog: InMemoryChangelog, clock = { time: 0 }) {
    const m = new TaskStateManager({
      applicationId: 'app',
      taskId: '1_2',
      partition: 2,
      taskDir: undefined,
      changelog,
      memory: largeBudget(),
      currentTimestamp: () => clock.time,
    });
    const { kv, win } = registerCountsAndWindows(m, false);
    return { m, kv, win };
  }

  it('commits and rolls back all stores together, and a new task restores exactly the committed state', async () => {
    const changelog = new InMemoryChangelog({ transactional: true });
    const { m, kv, win } = manager(changelog);
    expect([...m.changelogPartitions().values()]).toEqual([
      { topic: 'app-counts-changelog', partition: 2 },
      { topic: 'app-windows-changelog', partition: 2 },
    ]);
    await m.initialize();
    await m.restore(changelog);
    kv.put('a', 1);
    win.put('a', 10, 0);
    await m.flush();
    changelog.commitTransaction();
    await m.commit(changelog.endOffsets(2));
    kv.put('a', 2);
    kv.put('b', 5);
    win.put('a', 20, 1000);
    await m.flush();
    changelog.abortTransaction();
    m.rollback();
    expect(await kv.get('a')).toBe(1);
    kv.put('c', 3);
    await m.flush();
    changelog.commitTransaction();
    await m.commit(changelog.endOffsets(2));
    expect(m.positions()).toEqual(
      new Map([
        ['counts', changelog.nextOffset({ topic: 'app-counts-changelog', partition: 2 })],
        ['windows', changelog.nextOffset({ topic: 'app-windows-changelog', partition: 2 })],
      ]),
    );
    await m.close();

    const progress: RestoreProgress[] = [];
    const again = manager(changelog);
    await again.m.initialize();
    await again.m.restore(changelog, {
      batchSize: 1,
      listener: {
        onRestoreStart: (p) => progress.push({ ...p, storeName: `start:${p.storeName}` }),
        onBatchRestored: (p) => progress.push(p),
        onRestoreEnd: (p) => progress.push({ ...p, storeName: `end:${p.storeName}` }),
      },
    });
    expect(await collect(again.kv.all())).toEqual([
      { key: 'a', value: 1 },
      { key: 'c', value: 3 },
    ]);
    expect(await again.win.fetch('a', 0, 5000)).toEqual([{ windowStart: 0, value: 10 }]);
    const ends = progress.filter((p) => p.storeName.startsWith('end:'));
    expect(ends.map((p) => [p.storeName, p.restored])).toEqual([
      ['end:counts', 2],
      ['end:windows', 1],
    ]);
    // Offsets include transaction markers: the total is an upper bound of the records restored.
    expect(ends[0].total).toBeGreaterThanOrEqual(2);
    expect(progress.every((p) => p.recordsPerSecond >= 0)).toBe(true);
    await again.m.close();
  });

  it('refuses to register after initialize and to register a name twice', async () => {
    const changelog = new InMemoryChangelog();
    const { m } = manager(changelog);
    expect(() =>
      m.register(
        Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('counts'), stringSerde, stringSerde),
      ),
    ).toThrow(/twice/);
    await m.initialize();
    expect(() =>
      m.register(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('late'), stringSerde, stringSerde)),
    ).toThrow(/after initialize/);
  });
});

/** A persistent store whose local state is a list of restored records, to observe the manager's decisions. */
class RecordingStore implements StateStore, StoreRuntime {
  readonly persistent = true;
  inits: boolean[] = [];
  restored: ChangelogRecord[] = [];
  id: string | undefined;
  private static next = 0;

  constructor(
    readonly name: string,
    id?: string,
  ) {
    this.id = id;
  }

  async init({ fresh }: { fresh: boolean }): Promise<void> {
    this.inits.push(fresh);
    if (fresh || this.id === undefined) {
      this.id = `fresh-${RecordingStore.next++}`;
      this.restored = [];
    }
  }
  localStateId(): string | undefined {
    return this.id;
  }
  async restore(records: readonly ChangelogRecord[]): Promise<void> {
    this.restored.push(...records);
  }
  pendingEmits(): undefined {
    return undefined;
  }
  flush(): void {}
  async commit(): Promise<void> {}
  rollback(): void {}
  async close(): Promise<void> {}
}

function builderOf(store: RecordingStore): StoreBuilder<RecordingStore> {
  return {
    name: store.name,
    kind: 'key-value',
    persistent: true,
    keySerde: stringSerde as never,
    valueSerde: stringSerde as never,
    loggingEnabled: true,
    cachingEnabled: false,
    build: () => store,
  } as unknown as StoreBuilder<RecordingStore>;
}

describe('TaskStateManager: resume or start fresh', () => {
  const topic = 'app-s-changelog';
  const tp = { topic, partition: 0 };

  function changelogWith(n: number): InMemoryChangelog {
    const changelog = new InMemoryChangelog();
    for (let i = 0; i < n; i++) {
      changelog.send({ ...tp, key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`), timestamp: i });
    }
    return changelog;
  }

  async function run(taskDir: string, store: RecordingStore, changelog: InMemoryChangelog) {
    const m = new TaskStateManager(options(taskDir, changelog, 0));
    m.register(builderOf(store));
    await m.initialize();
    await m.restore(changelog);
    return m;
  }

  it('without a checkpoint: starts fresh and restores from the beginning, then checkpoints after commit', async () => {
    const taskDir = dir();
    const changelog = changelogWith(5);
    const store = new RecordingStore('s', 'left-over');
    const m = await run(taskDir, store, changelog);
    expect(store.inits).toEqual([true]);
    expect(m.freshReasons.get('s')).toBe('no checkpoint');
    expect(store.restored.map((r) => r.offset)).toEqual([0, 1, 2, 3, 4]);
    expect(existsSync(join(taskDir, CHECKPOINT_FILE))).toBe(false); // nothing committed yet
    changelog.send({ ...tp, key: Buffer.from('k5'), value: null, timestamp: 5 });
    await m.commit(new Map([[topic, 6]]));
    const cp = await readCheckpoint(taskDir);
    expect(cp.status === 'ok' && cp.stores.get('s')).toEqual({ ...tp, offset: 6, storeId: store.id });
  });

  it('with a valid checkpoint for this local state: resumes and replays only the tail', async () => {
    const taskDir = dir();
    const changelog = changelogWith(10);
    await writeCheckpoint(taskDir, new Map([['s', { ...tp, offset: 7, storeId: 'disk-1' }]]));
    const store = new RecordingStore('s', 'disk-1');
    const m = await run(taskDir, store, changelog);
    expect(store.inits).toEqual([false]);
    expect(store.restored.map((r) => r.offset)).toEqual([7, 8, 9]);
    expect(m.positions().get('s')).toBe(10);
  });

  it('starts fresh when the checkpoint describes other local state, is corrupt, or is beyond the changelog', async () => {
    const changelog = changelogWith(4);
    const cases: [string, (taskDir: string) => Promise<void>, RegExp][] = [
      [
        'replaced directory',
        (d) => writeCheckpoint(d, new Map([['s', { ...tp, offset: 2, storeId: 'other' }]])),
        /not the one/,
      ],
      [
        'corrupt file',
        async (d) => writeFileSync(join(d, CHECKPOINT_FILE), '{"format":"tributary-checkpoint","vers'),
        /corrupt checkpoint/,
      ],
      [
        'other partition',
        (d) => writeCheckpoint(d, new Map([['s', { topic, partition: 1, offset: 2, storeId: 'disk-1' }]])),
        /checkpoint is for/,
      ],
      [
        'no entry',
        (d) => writeCheckpoint(d, new Map([['x', { ...tp, offset: 2, storeId: 'disk-1' }]])),
        /no checkpoint entry/,
      ],
      [
        'beyond the end',
        (d) => writeCheckpoint(d, new Map([['s', { ...tp, offset: 99, storeId: 'disk-1' }]])),
        /beyond the changelog end/,
      ],
    ];
    for (const [what, prepare, reason] of cases) {
      const taskDir = dir();
      await prepare(taskDir);
      const store = new RecordingStore('s', 'disk-1');
      store.restored = [{ key: Buffer.from('stale'), value: null, timestamp: 0, offset: 0 }];
      const m = await run(taskDir, store, changelog);
      expect(m.freshReasons.get('s'), what).toMatch(reason);
      expect(store.inits.at(-1), what).toBe(true);
      expect(
        store.restored.map((r) => r.offset),
        what,
      ).toEqual([0, 1, 2, 3]);
    }
  });

  it('checkpoints after enough committed offsets, and always on close', async () => {
    const taskDir = dir();
    const changelog = changelogWith(3);
    const store = new RecordingStore('s');
    const m = new TaskStateManager(options(taskDir, changelog, 10));
    m.register(builderOf(store));
    await m.initialize();
    await m.restore(changelog);
    await m.commit(new Map([[topic, 8]]));
    expect(existsSync(join(taskDir, CHECKPOINT_FILE))).toBe(false); // 5 offsets since the restore
    await m.commit(new Map([[topic, 14]]));
    let cp = await readCheckpoint(taskDir);
    expect(cp.status === 'ok' && cp.stores.get('s')?.offset).toBe(14);
    await m.commit(new Map([[topic, 15]]));
    await m.close();
    cp = await readCheckpoint(taskDir);
    expect(cp.status === 'ok' && cp.stores.get('s')?.offset).toBe(15);
  });

  it('never lets a checkpoint go backwards', async () => {
    const taskDir = dir();
    const changelog = changelogWith(3);
    const m = await run(taskDir, new RecordingStore('s'), changelog);
    // A MaybePromise API: the error is a throw or a rejection depending on the stores; either way it surfaces.
    await expect(Promise.resolve().then(() => m.commit(new Map([[topic, 1]])))).rejects.toThrow(/went back/);
  });
});

describe('TaskStateManager with RocksDB stores', () => {
  function open(taskDir: string, changelog: InMemoryChangelog, memory = largeBudget()) {
    const m = new TaskStateManager({ ...options(taskDir, changelog, 0), memory });
    const { kv, win } = registerCountsAndWindows(m, true);
    return { m, kv, win };
  }

  async function commit(t: ReturnType<typeof open>, changelog: InMemoryChangelog): Promise<void> {
    await t.m.flush();
    changelog.commitTransaction();
    await t.m.commit(changelog.endOffsets(0));
  }

  /** A crash: stores lose what is in memory; nothing else runs (no apply, no checkpoint). */
  async function crash(t: ReturnType<typeof open>): Promise<void> {
    for (const store of t.m.stores.values()) await store.close();
  }

  it('resumes from the checkpoint and replays only what was committed after it', async () => {
    const taskDir = dir();
    const changelog = new InMemoryChangelog({ transactional: true });
    const first = open(taskDir, changelog);
    await first.m.initialize();
    await first.m.restore(changelog);
    first.kv.put('a', 1);
    first.win.put('a', 1, 0);
    await commit(first, changelog);
    // Transaction 2 commits in Kafka, then the process dies before applying it locally.
    first.kv.put('b', 2);
    first.win.put('a', 2, 1000);
    await first.m.flush();
    changelog.commitTransaction();
    // Transaction 3 is written locally (flushed to the buffer) but never committed.
    first.kv.put('c', 3);
    await first.m.flush();
    await crash(first);
    changelog.abortTransaction();

    const second = open(taskDir, changelog);
    await second.m.initialize();
    expect(second.m.freshReasons.size).toBe(0);
    let restored = 0;
    await second.m.restore(changelog, { listener: { onRestoreEnd: (p) => (restored += p.restored) } });
    expect(restored).toBe(2); // only transaction 2's records
    expect(await collect(second.kv.all())).toEqual([
      { key: 'a', value: 1 },
      { key: 'b', value: 2 },
    ]);
    expect(await second.win.fetch('a', 0, 5000)).toEqual([
      { windowStart: 0, value: 1 },
      { windowStart: 1000, value: 2 },
    ]);
    expect(await second.win.fetch('a', 0)).toBe(1); // resumed from disk: the committed time came from local metadata
    await second.m.close();
  });

  it('wipes local state and restores everything when the checkpoint is missing', async () => {
    const taskDir = dir();
    const changelog = new InMemoryChangelog({ transactional: true });
    const first = open(taskDir, changelog);
    await first.m.initialize();
    await first.m.restore(changelog);
    first.kv.put('a', 1);
    await commit(first, changelog);
    await first.m.close();
    rmSync(join(taskDir, CHECKPOINT_FILE));

    // The changelog the task now restores from no longer has `a` (e.g. a reset application): local state must not.
    const empty = new InMemoryChangelog({ transactional: true });
    const second = open(taskDir, empty);
    await second.m.initialize();
    await second.m.restore(empty);
    expect(second.m.freshReasons.get('counts')).toBe('no checkpoint');
    expect(await collect(second.kv.all())).toEqual([]);
    await second.m.close();
  });

  it('prefetched keys are read without a promise', async () => {
    const taskDir = dir();
    const changelog = new InMemoryChangelog({ transactional: true });
    const first = open(taskDir, changelog);
    await first.m.initialize();
    first.kv.put('a', 1);
    first.kv.put('b', 2);
    await commit(first, changelog);
    await first.m.close();

    const second = open(taskDir, changelog);
    await second.m.initialize();
    await second.m.restore(changelog);
    expect(isPromise(second.kv.get('a'))).toBe(true); // a miss goes to RocksDB
    await second.kv.prefetch!(['b', 'missing']);
    expect(second.kv.get('b')).toBe(2);
    expect(second.kv.get('missing')).toBeUndefined();
    await second.m.close();
  });

  // A cached store reads prefetched keys without looking in the cache first: writes made after (or while) the
  // prefetch read must still win over the prefetched bytes, and a key read once stays readable without a promise.
  it.each([
    ['a cache with room', largeBudget()],
    ['a cache budget of 0', { ...largeBudget(), cacheMaxBytes: 0 }],
  ])('prefetched keys of a cached store never hide newer writes (%s)', async (_what, memory) => {
    const taskDir = dir();
    const changelog = new InMemoryChangelog({ transactional: true });
    const first = open(taskDir, changelog, memory);
    await first.m.initialize();
    for (const [k, v] of [
      ['a', 1],
      ['b', 2],
      ['c', 3],
      ['d', 4],
      ['e', 5],
      ['f', 6],
    ] as const)
      first.kv.put(k, v);
    await commit(first, changelog);
    await first.m.close();

    const second = open(taskDir, changelog, memory);
    await second.m.initialize();
    await second.m.restore(changelog);
    const prefetch = second.kv.prefetch!(['a', 'b', 'c', 'd', 'missing']);
    second.kv.put('b', 20); // while the multi-get is in flight
    await prefetch;
    expect(await second.kv.get('b')).toBe(20);
    expect(second.kv.get('a')).toBe(1);
    second.kv.put('a', 10);
    expect(await second.kv.get('a')).toBe(10);
    expect(second.kv.get('c')).toBe(3);
    expect(second.kv.get('c')).toBe(3); // read twice: the second read does not go to RocksDB either
    expect(second.kv.get('missing')).toBeUndefined();
    await second.m.flush(); // with budget 0 the writes were flushed already; now everything is in the buffer
    second.kv.put('d', 40);
    expect(await second.kv.get('d')).toBe(40);
    // Reads of RocksDB in flight: one overtaken by a write of its key, one not.
    const overtaken = second.kv.get('e');
    const plain = second.kv.get('f');
    expect(isPromise(overtaken) && isPromise(plain)).toBe(true);
    second.kv.put('e', 50);
    expect(await overtaken).toBe(50);
    expect(await plain).toBe(6);
    expect(await second.kv.get('e')).toBe(50);
    expect(await second.kv.get('f')).toBe(6);
    await commit(second, changelog);
    expect(await collect(second.kv.all())).toEqual([
      { key: 'a', value: 10 },
      { key: 'b', value: 20 },
      { key: 'c', value: 3 },
      { key: 'd', value: 40 },
      { key: 'e', value: 50 },
      { key: 'f', value: 6 },
    ]);
    await second.m.close();
  });
});
