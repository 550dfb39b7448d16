// The behaviour every store implementation must show identically: run by stores.memory.test.ts and
// stores.rocksdb.test.ts against in-memory and RocksDB-backed local state.
import { afterEach, describe, expect, it } from 'vitest';
import type { ValueAndTimestamp, Windowed } from '../../../../operators/api/record.js';
import type { StateStore } from '../../../../state/api/state-store.js';
import type { StoreBuilder } from '../../../../state/api/store-builder.js';
import type { ChangelogRecord, StoreRuntime } from '../../../../state/api/store-runtime.js';
import { Stores } from '../../../../state/api/stores.js';
import type { InMemoryChangelog } from '../../../../state/changelog/in-memory-changelog.js';
import {
  collect,
  countingSerde,
  jsonSerde,
  stringSerde,
  type TestTask,
  tempDir,
  testTask,
  uintSerde,
} from './fixtures.js';

export interface Implementation {
  readonly name: string;
  readonly persistent: boolean;
  /** RocksDB budget of the test process (small enough, and window stores get no segment mirror). */
  readonly rocksDbMaxBytes?: number;
}

type Runtime<S> = S & StoreRuntime & StateStore;

export function describeStoreContract(impl: Implementation): void {
  const dirs: { remove: () => void }[] = [];
  const opened: StoreRuntime[] = [];

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close().catch(() => {});
    for (const dir of dirs.splice(0)) dir.remove();
  });

  function task(options: Parameters<typeof testTask>[0] = {}): TestTask {
    let taskDir: string | undefined;
    if (impl.persistent) {
      const dir = tempDir('tributary-store');
      dirs.push(dir);
      taskDir = dir.path;
    }
    const memory = {
      cacheMaxBytes: 64 << 20,
      rocksDbMaxBytes: impl.rocksDbMaxBytes ?? 64 << 20,
      ...options.memory,
    };
    return testTask({ taskDir, ...options, memory });
  }

  async function open<S extends StateStore>(
    builder: StoreBuilder<S>,
    t: TestTask,
    fresh = true,
  ): Promise<Runtime<S>> {
    const store = builder.build({ ...t.context, changelogTopic: `app-${builder.name}-changelog` });
    opened.push(store);
    await store.init({ fresh });
    return store as Runtime<S>;
  }

  /** Exact in memory; RocksDB only estimates (its metadata keys and deletes blur the figure). */
  function expectCount(count: number, exact: number): void {
    if (impl.persistent) expect(count).toBeGreaterThanOrEqual(0);
    else expect(count).toBe(exact);
  }

  /** One commit cycle as the task runs it: flush, Kafka commit, apply. */
  async function commitCycle(store: StoreRuntime, t: TestTask): Promise<void> {
    await store.flush();
    t.changelog.commitTransaction();
    await store.commit();
  }

  async function restoreInto(
    store: StoreRuntime,
    changelog: InMemoryChangelog,
    topic: string,
  ): Promise<void> {
    const records: ChangelogRecord[] = changelog.committed({ topic, partition: 0 });
    await store.restore(records);
  }

  const kvSupplier = (name: string) =>
    impl.persistent ? Stores.persistentKeyValueStore(name) : Stores.inMemoryKeyValueStore(name);
  const windowSupplier = (name: string, options: Parameters<typeof Stores.inMemoryWindowStore>[1]) =>
    impl.persistent ? Stores.persistentWindowStore(name, options) : Stores.inMemoryWindowStore(name, options);
  const sessionSupplier = (name: string, retentionMs: number) =>
    impl.persistent
      ? Stores.persistentSessionStore(name, { retentionMs })
      : Stores.inMemorySessionStore(name, { retentionMs });

  describe(`${impl.name}: key-value store`, () => {
    for (const caching of [true, false]) {
      const kv = (t: TestTask) => {
        const b = Stores.keyValueStoreBuilder(kvSupplier('kv'), stringSerde, jsonSerde<number>());
        return open(caching ? b.withCachingEnabled() : b, t);
      };

      it(`reads its own uncommitted writes and keeps them through commit (caching ${caching})`, async () => {
        const t = task();
        const store = await kv(t);
        store.put('a', 1);
        store.put('b', 2);
        store.put('b', 3);
        expect(await store.get('a')).toBe(1);
        expect(await store.get('b')).toBe(3);
        expect(await store.get('zz')).toBeUndefined();
        await store.flush();
        expect(await store.get('b')).toBe(3);
        t.changelog.commitTransaction();
        await store.commit();
        expect(await store.get('b')).toBe(3);
        expect(await store.delete('a')).toBe(1);
        expect(await store.get('a')).toBeUndefined();
        expect(await store.putIfAbsent('b', 9)).toBe(3);
        expect(await store.putIfAbsent('c', 9)).toBeUndefined();
        store.putAll([
          { key: 'd', value: 4 },
          { key: 'c', value: null },
        ]);
        await commitCycle(store, t);
        expect(await store.get('b')).toBe(3);
        expect(await store.get('c')).toBeUndefined();
        expect(await store.get('d')).toBe(4);
        expectCount(await store.approximateNumEntries(), 2);
      });

      it(`rollback drops flushed and unflushed writes (caching ${caching})`, async () => {
        const t = task();
        const store = await kv(t);
        store.put('a', 1);
        store.put('b', 2);
        await commitCycle(store, t);
        store.put('a', 10);
        store.put('c', 30);
        await store.flush(); // flushed into the transaction, which then aborts
        store.put('b', 20); // not even flushed
        store.delete('a');
        t.changelog.abortTransaction();
        store.rollback();
        expect(await store.get('a')).toBe(1);
        expect(await store.get('b')).toBe(2);
        expect(await store.get('c')).toBeUndefined();
        expect((await collect(store.all())).map((e) => `${e.key}=${e.value}`)).toEqual(['a=1', 'b=2']);
        expectCount(await store.approximateNumEntries(), 2);
      });

      it(`ranges merge uncommitted writes over committed state in byte order (caching ${caching})`, async () => {
        const t = task();
        const store = await kv(t);
        for (const k of ['b', 'd', 'f', 'h', 'ab', 'a\u00e9']) store.put(k, k.length);
        await commitCycle(store, t);
        store.put('c', 3); // new, in cache or buffer
        store.put('d', 40); // overwrite
        store.delete('f'); // delete of a committed key
        await store.flush();
        store.put('e', 5); // after the flush
        store.put('h', null);
        const keys = async (it: AsyncIterable<{ key: string; value: number }>) =>
          (await collect(it)).map((e) => `${e.key}=${e.value}`);
        expect(await keys(store.all())).toEqual(['ab=2', 'aé=2', 'b=1', 'c=3', 'd=40', 'e=5']);
        expect(await keys(store.reverseAll())).toEqual(['e=5', 'd=40', 'c=3', 'b=1', 'aé=2', 'ab=2']);
        expect(await keys(store.range('b', 'e'))).toEqual(['b=1', 'c=3', 'd=40', 'e=5']);
        expect(await keys(store.reverseRange('b', 'd'))).toEqual(['d=40', 'c=3', 'b=1']);
        expect(await keys(store.range(undefined, 'b'))).toEqual(['ab=2', 'aé=2', 'b=1']);
        expect(await keys(store.range('d', undefined))).toEqual(['d=40', 'e=5']);
        expect(await keys(store.range('e', 'b'))).toEqual([]);
        expect(await keys(store.prefixScan('a', stringSerde))).toEqual(['ab=2', 'aé=2']);
        await commitCycle(store, t);
        expect(await keys(store.all())).toEqual(['ab=2', 'aé=2', 'b=1', 'c=3', 'd=40', 'e=5']);
      });

      it(`logs updates to the changelog and restores from it (caching ${caching})`, async () => {
        const t = task();
        const store = await kv(t);
        t.time = 1000;
        store.put('a', 1);
        store.put('a', 2);
        store.put('b', 1);
        await commitCycle(store, t);
        store.delete('b');
        await commitCycle(store, t);
        const records = t.changelog.committed({ topic: 'app-kv-changelog', partition: 0 });
        // With caching the two writes of `a` were deduplicated into one record.
        expect(records.map((r) => `${r.key}=${r.value}`)).toEqual(
          caching ? ['a=2', 'b=1', 'b=null'] : ['a=1', 'a=2', 'b=1', 'b=null'],
        );
        expect(records[0].timestamp).toBe(1000);

        const t2 = task({ changelog: t.changelog });
        const restored = await kv(t2);
        await restoreInto(restored, t.changelog, 'app-kv-changelog');
        expect(await collect(restored.all())).toEqual([{ key: 'a', value: 2 }]);
      });
    }

    it('scans long ranges in chunks, merging uncommitted writes, and can stop early', async () => {
      const t = task();
      const store = await open(Stores.keyValueStoreBuilder(kvSupplier('long'), uintSerde, uintSerde), t);
      const model = new Map<number, number>();
      for (let i = 0; i < 5000; i += 2) {
        store.put(i, i);
        model.set(i, i);
      }
      await commitCycle(store, t);
      for (let i = 0; i < 5000; i += 7) {
        if (i % 2 === 0 && i % 3 === 0) {
          store.delete(i);
          model.delete(i);
        } else {
          store.put(i, i + 1);
          model.set(i, i + 1);
        }
      }
      const expected = [...model.entries()].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}=${v}`);
      const all = (await collect(store.all())).map((e) => `${e.key}=${e.value}`);
      expect(all).toEqual(expected);
      const reverse = (await collect(store.reverseRange(1000, 3999))).map((e) => `${e.key}=${e.value}`);
      expect(reverse).toEqual(
        expected.filter((e) => Number(e.split('=')[0]) >= 1000 && Number(e.split('=')[0]) <= 3999).reverse(),
      );
      let seen = 0;
      for await (const _ of store.all()) if (++seen === 10) break;
      expect(seen).toBe(10);
    });

    it('keeps every commit readable while its write cannot land (no yield between commits), then lands them all', async () => {
      const t = task();
      const builder = Stores.keyValueStoreBuilder(kvSupplier('stuck'), uintSerde, uintSerde);
      const store = await open(builder, t);
      const model = new Map<number, number>();
      for (let k = 0; k < 25_000; k += 3) {
        store.put(k, 1_000_000);
        model.set(k, 1_000_000);
      }
      await commitCycle(store, t);
      await store.persistLocalState?.(); // landed: deletes of these keys below must still hide them
      // 40 commits of 1000 writes, more than one RocksDB batch takes (10k), with no macrotask in between.
      for (let c = 0; c < 40; c++) {
        for (let j = 0; j < 1000; j++) {
          const k = (c * 1000 + j * 7) % 25_000;
          if ((c + j) % 5 === 0) {
            store.delete(k);
            model.delete(k);
          } else {
            store.put(k, c);
            model.set(k, c);
          }
        }
        await commitCycle(store, t);
      }
      const expected = [...model.entries()].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}=${v}`);
      for (const k of [0, 7, 12_345, 24_999]) expect(await store.get(k)).toBe(model.get(k));
      expect((await collect(store.all())).map((e) => `${e.key}=${e.value}`)).toEqual(expected);
      if (!impl.persistent) return;
      await store.close(); // waits for every write
      const reopened = await open(builder, t, false);
      expect((await collect(reopened.all())).map((e) => `${e.key}=${e.value}`)).toEqual(expected);
    });

    it('a delete hides a put that has not landed yet, in flight or waiting, while writes cannot land', async () => {
      const t = task();
      const store = await open(Stores.keyValueStoreBuilder(kvSupplier('hide'), uintSerde, uintSerde), t);
      store.put(1, 1); // this commit's write goes in flight and stays there (no yield below)
      await commitCycle(store, t);
      for (let k = 100; k < 10_100; k++) store.put(k, k); // a full batch waiting
      await commitCycle(store, t);
      store.put(20_000, 1); // a second waiting batch: reads now go through one view of both
      await commitCycle(store, t);
      expect(await store.get(1)).toBe(1);
      store.delete(1); // put in flight
      store.delete(105); // put in a waiting batch
      store.delete(30_000); // never put
      await commitCycle(store, t);
      expect(await store.get(1)).toBeUndefined();
      expect(await store.get(105)).toBeUndefined();
      expect(await store.get(106)).toBe(106);
      const keys = (await collect(store.all())).map((e) => e.key);
      expect(keys.length).toBe(10_000);
      expect(keys.includes(1) || keys.includes(105)).toBe(false);
    });

    it('deletes at once even when the old value it returns needs a read (cold store)', async () => {
      const t = task();
      const store = await open(
        Stores.keyValueStoreBuilder(kvSupplier('cold'), stringSerde, jsonSerde<number>()),
        t,
      );
      store.put('a', 1);
      await commitCycle(store, t);
      const t2 = task({ changelog: t.changelog });
      const cold = await open(
        Stores.keyValueStoreBuilder(kvSupplier('cold'), stringSerde, jsonSerde<number>()),
        t2,
      );
      await restoreInto(cold, t.changelog, 'app-cold-changelog');
      const old = cold.delete('a'); // not awaited: the delete must not wait for the read
      expect(await cold.get('a')).toBeUndefined();
      expect(await old).toBe(1);
      await commitCycle(cold, t2);
      expect(await collect(cold.all())).toEqual([]);
    });

    it('a range opened before a commit sees the writes that commit moves into local state', async () => {
      const t = task();
      const store = await open(
        Stores.keyValueStoreBuilder(kvSupplier('snap'), stringSerde, jsonSerde<number>()),
        t,
      );
      store.put('gone', 0);
      await commitCycle(store, t);
      store.put('new', 1);
      store.delete('gone');
      await store.flush();
      const opened = store.all(); // not read yet
      t.changelog.commitTransaction();
      await store.commit();
      expect(await collect(opened)).toEqual([{ key: 'new', value: 1 }]);
    });

    // Store keys of every length around the RocksDB store's short-key copy (32 chars), with multi-byte UTF-8 chars:
    // read back from committed local state (on RocksDB after a reopen, so not from memory), and in byte order.
    it('keeps keys of any length and charset exactly in committed state', async () => {
      const t = task();
      const builder = () => Stores.keyValueStoreBuilder(kvSupplier('keys'), stringSerde, jsonSerde<number>());
      const keys = [''];
      for (let n = 1; n <= 70; n++) keys.push('k'.repeat(n - 1) + String.fromCharCode(0x61 + (n % 26)));
      keys.push('caf\u00e9', '\u00e9'.repeat(20), '\u{1F600}'.repeat(9), 'z\u0000z');
      const store = await open(builder(), t);
      for (let i = 0; i < keys.length; i++) store.put(keys[i], i);
      await commitCycle(store, t);
      let reopened = store; // in memory, committed state lives as long as the store
      if (impl.persistent) {
        await store.close();
        reopened = await open(builder(), t, false);
      }
      for (let i = 0; i < keys.length; i++) expect(await reopened.get(keys[i])).toBe(i);
      const byBytes = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      expect((await collect(reopened.all())).map((e) => e.key)).toEqual(byBytes);
    });

    it('orders keys by serialized bytes (order-preserving uint serde)', async () => {
      const t = task();
      const store = await open(Stores.keyValueStoreBuilder(kvSupplier('nums'), uintSerde, stringSerde), t);
      for (const n of [300, 2, 70000, 1, 256]) store.put(n, String(n));
      await commitCycle(store, t);
      expect((await collect(store.all())).map((e) => e.key)).toEqual([1, 2, 256, 300, 70000]);
      expect((await collect(store.range(2, 300))).map((e) => e.key)).toEqual([2, 256, 300]);
    });

    it('timestamped stores keep ValueAndTimestamp and stamp the changelog with the value time', async () => {
      const t = task();
      const store = await open(
        Stores.timestampedKeyValueStoreBuilder(kvSupplier('tkv'), stringSerde, jsonSerde<{ n: number }>()),
        t,
      );
      t.time = 5;
      store.put('a', { value: { n: 1 }, timestamp: 1234 });
      await commitCycle(store, t);
      expect(await store.get('a')).toEqual({ value: { n: 1 }, timestamp: 1234 });
      const [record] = t.changelog.committed({ topic: 'app-tkv-changelog', partition: 0 });
      expect(record.timestamp).toBe(1234);
      expect(record.value!.readUInt32BE(4)).toBe(1234);
      expect(record.value!.subarray(8).toString()).toBe('{"n":1}');
    });

    it('does not log when logging is disabled', async () => {
      const t = task();
      const store = await open(
        Stores.keyValueStoreBuilder(kvSupplier('quiet'), stringSerde, stringSerde).withLoggingDisabled(),
        t,
      );
      store.put('a', 'x');
      await commitCycle(store, t);
      expect(t.changelog.committed({ topic: 'app-quiet-changelog', partition: 0 })).toEqual([]);
      expect(await store.get('a')).toBe('x');
    });
  });

  describe(`${impl.name}: record cache semantics`, () => {
    const cached = (t: TestTask, name = 'agg') =>
      open(
        Stores.keyValueStoreBuilder(kvSupplier(name), stringSerde, jsonSerde<number>()).withCachingEnabled(),
        t,
      );

    it('emits each key once per flush with the value before the cycle as old value', async () => {
      const t = task();
      const store = await cached(t);
      const emitted: string[] = [];
      expect(
        store.setFlushListener!((k, n, o, ts) => {
          emitted.push(`${k}:${o}->${n}@${ts}`);
        }, true),
      ).toBe(true);
      t.time = 1;
      store.put('a', 1);
      t.time = 2;
      store.put('a', 2);
      store.put('b', 1);
      expect(emitted).toEqual([]);
      await commitCycle(store, t);
      expect(emitted).toEqual(['a:null->2@2', 'b:null->1@2']);
      emitted.length = 0;
      t.time = 3;
      store.put('a', 3);
      store.put('a', 4);
      store.delete('b');
      store.delete('never-existed');
      await commitCycle(store, t);
      expect(emitted).toEqual(['a:2->4@3', 'b:1->null@3']);
    });

    it('reports the right old value when a value read from the store was mutated and put back', async () => {
      const t = task();
      const store = await open(
        Stores.keyValueStoreBuilder(
          kvSupplier('mut'),
          stringSerde,
          jsonSerde<{ n: number }>(),
        ).withCachingEnabled(),
        t,
      );
      const emitted: string[] = [];
      store.setFlushListener!((_k, n, o) => {
        emitted.push(`${JSON.stringify(o)}->${JSON.stringify(n)}`);
      });
      store.put('a', { n: 1 });
      await commitCycle(store, t);
      const value = (await store.get('a'))!;
      value.n = 2; // an aggregator that mutates its accumulator
      store.put('a', value);
      await commitCycle(store, t);
      expect(emitted).toEqual(['null->{"n":1}', '{"n":1}->{"n":2}']);
    });

    it('passes old values by default, null ones when told not to', async () => {
      const t = task();
      const store = await cached(t);
      store.put('a', 1);
      await commitCycle(store, t);
      const emitted: string[] = [];
      store.setFlushListener!((k, n, o) => {
        emitted.push(`${k}:${o}->${n}`);
      });
      store.put('a', 3);
      await commitCycle(store, t);
      store.setFlushListener!((k, n, o) => {
        emitted.push(`${k}:${o}->${n}`);
      }, false);
      store.put('a', 2);
      await commitCycle(store, t);
      expect(emitted).toEqual(['a:1->3', 'a:null->2']);
    });

    it('knows the old value of a key it never read (looked up at flush)', async () => {
      const t = task();
      const first = await cached(t);
      first.put('a', 1);
      await commitCycle(first, t);
      // A second instance over the same committed state, whose cache is cold.
      const t2 = task({ changelog: t.changelog });
      const store = await cached(t2, 'agg');
      await restoreInto(store, t.changelog, 'app-agg-changelog');
      const emitted: string[] = [];
      store.setFlushListener!((k, n, o) => {
        emitted.push(`${k}:${o}->${n}`);
      }, true);
      store.put('a', 5);
      await commitCycle(store, t2);
      expect(emitted).toEqual(['a:1->5']);
    });

    it('returns false from setFlushListener without caching; then the store never emits', async () => {
      const t = task();
      const store = await open(Stores.keyValueStoreBuilder(kvSupplier('plain'), stringSerde, stringSerde), t);
      expect(store.setFlushListener!(() => {})).toBe(false);
    });

    it('evicts within a byte budget shared by the stores of a process, emitting dirty entries from put', async () => {
      const memory = { cacheMaxBytes: 2000, rocksDbMaxBytes: 64 << 20 };
      const t1 = task({ memory, taskId: '0_0' });
      const t2 = task({ memory, taskId: '0_1' });
      const a = await cached(t1, 'a');
      const b = await cached(t2, 'b');
      const emittedA: string[] = [];
      const emittedB: string[] = [];
      a.setFlushListener!((k, n) => {
        emittedA.push(`${k}=${n}`);
      });
      b.setFlushListener!((k, n) => {
        emittedB.push(`${k}=${n}`);
      });
      b.put('b0', 0); // dirty in b: never evicted by writes to a
      for (let i = 0; i < 40; i++) {
        a.put(`k${i}`, i);
        await a.pendingEmits(); // as the task does after each record (RocksDB reads old values asynchronously)
      }
      // Each entry counts ~100 bytes: a could not hold all 40, so it emitted its oldest writes.
      expect(emittedA.length).toBeGreaterThan(0);
      expect(emittedA[0]).toBe('k0=0');
      expect(emittedB).toEqual([]);
      // Evicted entries are still readable: they went to the transaction buffer.
      expect(await a.get('k0')).toBe(0);
      await commitCycle(a, t1);
      await commitCycle(b, t2);
      expect(emittedB).toEqual(['b0=0']);
      expect(new Set(emittedA).size).toBe(40);
    });

    it('emits every update when the cache budget is 0', async () => {
      const t = task({ memory: { cacheMaxBytes: 0, rocksDbMaxBytes: 64 << 20 } });
      const store = await cached(t);
      const emitted: string[] = [];
      store.setFlushListener!((k, n) => {
        emitted.push(`${k}=${n}`);
      });
      store.put('a', 1);
      store.put('a', 2);
      await store.pendingEmits();
      expect(emitted).toEqual(['a=1', 'a=2']);
    });

    it('keeps eviction emits in order when a listener returns a promise, and flush waits for them', async () => {
      const t = task({ memory: { cacheMaxBytes: 0, rocksDbMaxBytes: 64 << 20 } });
      const store = await cached(t);
      const emitted: string[] = [];
      store.setFlushListener!(async (k, n) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        emitted.push(`${k}=${n}`);
      });
      store.put('a', 1);
      store.put('b', 2);
      const pending = store.pendingEmits();
      expect(pending).toBeInstanceOf(Promise);
      expect(emitted).toEqual([]);
      await store.flush();
      expect(emitted).toEqual(['a=1', 'b=2']);
      expect(store.pendingEmits()).toBeUndefined();
    });

    it('flushes sequentially when the listener is asynchronous', async () => {
      const t = task();
      const store = await cached(t);
      const log: string[] = [];
      store.setFlushListener!(async (k) => {
        log.push(`start ${k}`);
        await new Promise((resolve) => setTimeout(resolve, 2));
        log.push(`end ${k}`);
      });
      store.put('a', 1);
      store.put('b', 1);
      await store.flush();
      expect(log).toEqual(['start a', 'end a', 'start b', 'end b']);
    });

    it('serves repeated reads and writes without (de)serializing per access', async () => {
      const t = task();
      const values = countingSerde(jsonSerde<number>());
      const store = await open(
        Stores.keyValueStoreBuilder(kvSupplier('counted'), stringSerde, values).withCachingEnabled(),
        t,
      );
      store.put('a', 0);
      await commitCycle(store, t);
      values.serialized = values.deserialized = 0;
      for (let i = 1; i <= 100; i++) store.put('a', ((await store.get('a')) as number) + 1);
      expect(values.deserialized).toBe(0);
      expect(values.serialized).toBe(0);
      await commitCycle(store, t);
      expect(values.serialized).toBe(1);
      expect(await store.get('a')).toBe(100);
    });
  });

  describe(`${impl.name}: window store`, () => {
    const windows = (t: TestTask, options: { retainDuplicates?: boolean; caching?: boolean } = {}) => {
      const b = Stores.windowStoreBuilder(
        windowSupplier('win', {
          retentionMs: 1000,
          windowSizeMs: 100,
          retainDuplicates: options.retainDuplicates,
        }),
        stringSerde,
        jsonSerde<number>(),
      );
      return open(options.caching ? b.withCachingEnabled() : b, t);
    };
    const pairs = (found: { windowStart: number; value: number }[]) =>
      found.map((w) => `${w.windowStart}:${w.value}`);

    for (const caching of [true, false]) {
      it(`puts, fetches one window and time ranges forward and backward (caching ${caching})`, async () => {
        const t = task();
        const store = await windows(t, { caching });
        store.put('a', 1, 0);
        store.put('a', 2, 100);
        store.put('a', 3, 200);
        store.put('ab', 9, 100); // a key that extends 'a' must not show up in a's windows
        store.put('b', 4, 100);
        await commitCycle(store, t);
        store.put('a', 20, 100); // uncommitted overwrite
        store.put('a', 4, 300);
        expect(await store.fetch('a', 100)).toBe(20);
        expect(await store.fetch('a', 150)).toBeUndefined();
        expect(pairs(await store.fetch('a', 0, 250))).toEqual(['0:1', '100:20', '200:3']);
        expect(pairs(await store.backwardFetch('a', 100, 300))).toEqual(['300:4', '200:3', '100:20']);
        const all = await collect(store.fetchAll(100, 200));
        expect(all.map((e) => `${e.key.key}@${e.key.window.start}-${e.key.window.end}=${e.value}`)).toEqual([
          'a@100-200=20',
          'ab@100-200=9',
          'b@100-200=4',
          'a@200-300=3',
        ]);
        const backward = await collect(store.backwardFetchAll(100, 200));
        expect(backward.map((e) => `${e.key.key}@${e.key.window.start}`)).toEqual([
          'a@200',
          'b@100',
          'ab@100',
          'a@100',
        ]);
        store.put('a', null, 0);
        expect(await store.fetch('a', 0)).toBeUndefined();
        await commitCycle(store, t);
        expect(pairs(await store.fetch('a', 0, 1000))).toEqual(['100:20', '200:3', '300:4']);
        expect((await collect(store.all())).length).toBe(5);
      });
    }

    it('drops windows older than the retention period relative to the newest window start', async () => {
      const t = task();
      const store = await windows(t);
      store.put('a', 1, 0);
      store.put('a', 2, 500);
      await commitCycle(store, t);
      store.put('a', 3, 1000); // observed = 1000: window 0 is now expired (0 <= 1000 - 1000)
      expect(await store.fetch('a', 0)).toBeUndefined();
      expect(pairs(await store.fetch('a', 0, 2000))).toEqual(['500:2', '1000:3']);
      store.put('b', 5, 0); // an expired put is dropped
      expect(await store.fetch('b', 0)).toBeUndefined();
      await commitCycle(store, t);
      expect((await collect(store.all())).map((e) => e.value)).toEqual([2, 3]);
    });

    it('forgets whole expired segments once stream time moves past them', async () => {
      const t = task();
      const supplier = windowSupplier('seg', { retentionMs: 60_000, windowSizeMs: 1000 });
      const store = await open(Stores.windowStoreBuilder(supplier, stringSerde, jsonSerde<number>()), t);
      for (let i = 0; i < 50; i++) store.put(`k${i}`, i, 1000);
      await commitCycle(store, t);
      store.put('late', 1, 200_000); // 3+ segments later: the first segment expires
      await commitCycle(store, t);
      expect((await collect(store.all())).map((e) => e.key.key)).toEqual(['late']);
      expect(await store.fetch('k1', 1000)).toBeUndefined();
    });

    it('rolls back the observed stream time with the aborted writes', async () => {
      const t = task();
      const store = await windows(t);
      store.put('a', 1, 0);
      await commitCycle(store, t);
      store.put('a', 2, 5000); // would expire window 0
      store.rollback();
      expect(await store.fetch('a', 0)).toBe(1);
    });

    it('retains duplicates in put order, with distinct changelog keys, and continues numbering after restore', async () => {
      const t = task();
      const store = await windows(t, { retainDuplicates: true });
      store.put('a', 1, 100);
      store.put('a', 2, 100);
      store.put('a', 3, 50);
      store.put('a', null, 100); // ignored in a buffer of duplicates
      expect(pairs(await store.fetch('a', 0, 200))).toEqual(['50:3', '100:1', '100:2']);
      expect(await store.fetch('a', 100)).toBe(1);
      await commitCycle(store, t);
      const records = t.changelog.committed({ topic: 'app-win-changelog', partition: 0 });
      expect(new Set(records.map((r) => r.key.toString('hex'))).size).toBe(3);

      const t2 = task({ changelog: t.changelog });
      const restored = await windows(t2, { retainDuplicates: true });
      await restoreInto(restored, t.changelog, 'app-win-changelog');
      await restoreInto(restored, t.changelog, 'app-win-changelog'); // replaying twice changes nothing
      restored.put('a', 4, 100);
      expect(pairs(await restored.fetch('a', 0, 200))).toEqual(['50:3', '100:1', '100:2', '100:4']);
    });

    it('refuses caching on a store that retains duplicates', () => {
      const b = Stores.windowStoreBuilder(
        windowSupplier('dups', { retentionMs: 10, windowSizeMs: 10, retainDuplicates: true }),
        stringSerde,
        stringSerde,
      );
      expect(() => b.withCachingEnabled()).toThrow(/duplicates/);
    });

    it('emits Windowed keys from its cache', async () => {
      const t = task();
      const store = await windows(t, { caching: true });
      const emitted: string[] = [];
      store.setFlushListener!((k, n, o) => {
        const w = k as Windowed<string>;
        emitted.push(`${w.key}@${w.window.start}-${w.window.end}:${o}->${n}`);
      }, true);
      store.put('a', 1, 100);
      store.put('a', 2, 100);
      await commitCycle(store, t);
      store.put('a', 3, 100);
      await commitCycle(store, t);
      expect(emitted).toEqual(['a@100-200:null->2', 'a@100-200:2->3']);
    });

    it('restores windows from the changelog, skipping expired ones', async () => {
      const t = task();
      const store = await windows(t);
      store.put('a', 1, 0);
      store.put('a', 2, 600);
      await commitCycle(store, t);
      store.put('b', 3, 1200);
      await commitCycle(store, t);
      const t2 = task({ changelog: t.changelog });
      const restored = await windows(t2);
      await restoreInto(restored, t.changelog, 'app-win-changelog');
      expect((await collect(restored.all())).map((e) => `${e.key.key}@${e.key.window.start}`)).toEqual([
        'a@600',
        'b@1200',
      ]);
      // Point and range reads of committed windows go to local state (cold cache), newer ones need not.
      expect(await restored.fetch('a', 600)).toBe(2);
      expect(await restored.fetch('b', 1200)).toBe(3);
      expect(pairs(await restored.fetch('a', 0, 2000))).toEqual(['600:2']);
      restored.put('a', 4, 1300);
      expect(pairs(await restored.fetch('a', 0, 2000))).toEqual(['600:2', '1300:4']);
    });

    it('timestamped window stores keep ValueAndTimestamp', async () => {
      const t = task();
      const store = await open(
        Stores.timestampedWindowStoreBuilder(
          windowSupplier('twin', { retentionMs: 1000, windowSizeMs: 100 }),
          stringSerde,
          jsonSerde<number>(),
        ),
        t,
      );
      store.put('a', { value: 7, timestamp: 150 }, 100);
      await commitCycle(store, t);
      expect((await store.fetch('a', 100)) as ValueAndTimestamp<number>).toEqual({
        value: 7,
        timestamp: 150,
      });
      expect(t.changelog.committed({ topic: 'app-twin-changelog', partition: 0 })[0].timestamp).toBe(150);
    });

    it('rejects negative window starts', async () => {
      const store = await windows(task());
      expect(() => store.put('a', 1, -1)).toThrow(/non-negative/);
    });
  });

  describe(`${impl.name}: session store`, () => {
    const sessions = (t: TestTask, caching = false) => {
      const b = Stores.sessionStoreBuilder(sessionSupplier('sess', 1000), stringSerde, jsonSerde<number>());
      return open(caching ? b.withCachingEnabled() : b, t);
    };
    const s = (key: string, start: number, end: number): Windowed<string> => ({
      key,
      window: { start, end },
    });
    const show = (found: { key: Windowed<string>; value: number }[]) =>
      found.map((e) => `${e.key.key}[${e.key.window.start},${e.key.window.end}]=${e.value}`);

    for (const caching of [true, false]) {
      it(`finds the sessions a new event could merge with (caching ${caching})`, async () => {
        const t = task();
        const store = await sessions(t, caching);
        store.put(s('a', 0, 10), 1);
        store.put(s('a', 100, 150), 2);
        store.put(s('a', 300, 300), 3);
        store.put(s('ab', 100, 150), 9);
        await commitCycle(store, t);
        store.put(s('a', 500, 520), 4);
        // An event at 140 with gap 20 merges with sessions ending >= 120 and starting <= 160.
        expect(show(await store.findSessions('a', 120, 160))).toEqual(['a[100,150]=2']);
        expect(show(await store.findSessions('a', 0, 1000))).toEqual([
          'a[0,10]=1',
          'a[100,150]=2',
          'a[300,300]=3',
          'a[500,520]=4',
        ]);
        expect(show(await store.backwardFindSessions('a', 150, 400))).toEqual([
          'a[300,300]=3',
          'a[100,150]=2',
        ]);
        expect(await store.fetchSession('a', 100, 150)).toBe(2);
        expect(await store.fetchSession('a', 100, 151)).toBeUndefined();
        store.remove(s('a', 100, 150));
        expect(show(await store.fetch('a'))).toEqual(['a[0,10]=1', 'a[300,300]=3', 'a[500,520]=4']);
        await commitCycle(store, t);
        expect(show(await collect(store.all()))).toEqual([
          'a[0,10]=1',
          'ab[100,150]=9',
          'a[300,300]=3',
          'a[500,520]=4',
        ]);
      });
    }

    it('drops sessions that ended before the retention period', async () => {
      const t = task();
      const store = await sessions(t);
      store.put(s('a', 0, 10), 1);
      store.put(s('a', 500, 600), 2);
      await commitCycle(store, t);
      store.put(s('b', 1005, 1010), 3); // observed end 1010: sessions ending <= 10 expire
      expect(show(await store.fetch('a'))).toEqual(['a[500,600]=2']);
      store.put(s('c', 0, 5), 1); // expired on arrival
      expect(await store.fetchSession('c', 0, 5)).toBeUndefined();
      await commitCycle(store, t);
      const t2 = task({ changelog: t.changelog });
      const restored = await sessions(t2);
      await restoreInto(restored, t.changelog, 'app-sess-changelog');
      expect(show(await collect(restored.all()))).toEqual(['a[500,600]=2', 'b[1005,1010]=3']);
      expect(await restored.fetchSession('b', 1005, 1010)).toBe(3);
      expect(show(await restored.findSessions('b', 1000, 1020))).toEqual(['b[1005,1010]=3']);
    });

    it('emits Windowed session keys from its cache', async () => {
      const t = task();
      const store = await sessions(t, true);
      const emitted: string[] = [];
      store.setFlushListener!((k, n, o) => {
        const w = k as Windowed<string>;
        emitted.push(`${w.key}[${w.window.start},${w.window.end}]:${o}->${n}`);
      }, true);
      store.put(s('a', 0, 10), 1);
      store.put(s('a', 0, 10), 2);
      await commitCycle(store, t);
      store.remove(s('a', 0, 10));
      await commitCycle(store, t);
      expect(emitted).toEqual(['a[0,10]:null->2', 'a[0,10]:2->null']);
    });
  });

  describe(`${impl.name}: builders`, () => {
    it('describe their changelog topic configs', () => {
      const kv = Stores.keyValueStoreBuilder(kvSupplier('x'), stringSerde, stringSerde);
      expect(kv.changelogConfig()).toEqual({ 'cleanup.policy': 'compact' });
      expect(kv.withLoggingEnabled({ 'min.insync.replicas': '2' }).changelogConfig()).toEqual({
        'cleanup.policy': 'compact',
        'min.insync.replicas': '2',
      });
      const w = Stores.windowStoreBuilder(
        windowSupplier('w', { retentionMs: 1000, windowSizeMs: 10 }),
        stringSerde,
        stringSerde,
      );
      expect(w.changelogConfig()).toEqual({ 'cleanup.policy': 'compact,delete', 'retention.ms': '86401000' });
      expect(w.kind).toBe('window');
      expect(w.retentionMs).toBe(1000);
      expect(w.persistent).toBe(impl.persistent);
    });

    it('are immutable: with* returns a new builder', () => {
      const kv = Stores.keyValueStoreBuilder(kvSupplier('x'), stringSerde, stringSerde);
      const cachedKv = kv.withCachingEnabled().withLoggingDisabled();
      expect([kv.cachingEnabled, kv.loggingEnabled]).toEqual([false, true]);
      expect([cachedKv.cachingEnabled, cachedKv.loggingEnabled]).toEqual([true, false]);
    });

    it('reject names that cannot be part of a topic name, and windows longer than retention', () => {
      expect(() => kvSupplier('bad name')).toThrow(/not valid/);
      expect(() => windowSupplier('w', { retentionMs: 10, windowSizeMs: 100 })).toThrow(
        /at least windowSizeMs/,
      );
    });
  });
}
