// State store benchmark: puts, gets and range scans through the store API (in memory, and on RocksDB with and
// without the record cache) beside the raw rocksdb-native binding doing the same work in the same run, then restore
// throughput from an in-memory changelog of 1M records.
//
//   npx tsx bench/state-stores.ts [--records 200000] [--restore 1000000] [--only restore]
//
// Store API figures include what the API adds on top of the binding: key/value serialization, the record cache, the
// transaction buffer and the commit that applies it (puts are counted once committed to RocksDB).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import RocksDB from 'rocksdb-native';
import type { Serde } from '../schemas/serde.js';
import type { KeyValueStore } from '../state/api/key-value-store.js';
import type { MemoryBudget, StoreRuntime } from '../state/api/store-runtime.js';
import { Stores } from '../state/api/stores.js';
import { InMemoryChangelog } from '../state/changelog/in-memory-changelog.js';
import { TaskStateManager } from '../state/task-state-manager.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const N = Number(args.get('records') ?? 200_000);
const RESTORE_N = Number(args.get('restore') ?? 1_000_000);
const COMMIT_EVERY = 10_000;
const PREFETCH_BATCH = 1_000;
const SCAN_PASSES = 3;
/** Record cache budget of the process (Kafka Streams' default statestore.cache.max.bytes is 10 MiB). */
const CACHE_BYTES = Number(args.get('cache-bytes') ?? 32 << 20);

// Bytes in, bytes out: the serdes cost what a real one costs at least (a copy), so that the comparison with the raw
// binding, which is handed ready Buffers, charges the API for producing them.
const keySerde: Serde<string> = {
  name: 'bench-key',
  orderPreserving: true,
  serialize: (_t, s) => Buffer.from(s, 'latin1'),
  deserialize: (_t, b) => b.toString('latin1'),
};
const VALUE = Buffer.alloc(64, 7);
const valueSerde: Serde<Buffer> = {
  name: 'bench-value',
  serialize: (_t, v) => v,
  deserialize: (_t, b) => b,
};

const keys: string[] = [];
const keyBuffers: Buffer[] = [];
for (let i = 0; i < N; i++) {
  const k = `key${String(i).padStart(12, '0')}`;
  keys.push(k);
  keyBuffers.push(Buffer.from(k, 'latin1'));
}
/** A fixed pseudo-random read order, the same for every contender. */
const order = Array.from({ length: N }, (_, i) => i);
for (let i = N - 1; i > 0; i--) {
  const j = (Math.imul(i, 2654435761) >>> 0) % (i + 1);
  [order[i], order[j]] = [order[j], order[i]];
}

interface Row {
  what: string;
  contender: string;
  ops: number;
  seconds: number;
  p50us?: number;
  p99us?: number;
}
const rows: Row[] = [];

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

async function time(
  what: string,
  contender: string,
  ops: number,
  run: (lat: (us: number) => void) => Promise<void> | void,
): Promise<Row> {
  const latencies: number[] = [];
  const start = performance.now();
  await run((us) => latencies.push(us));
  const seconds = (performance.now() - start) / 1000;
  const row: Row = { what, contender, ops, seconds };
  if (latencies.length > 0) {
    const sorted = Float64Array.from(latencies).sort();
    row.p50us = percentile(sorted, 0.5);
    row.p99us = percentile(sorted, 0.99);
  }
  rows.push(row);
  print(row);
  return row;
}

function print(row: Row): void {
  const rate = Math.round(row.ops / row.seconds).toLocaleString('en-US');
  const lat =
    row.p50us !== undefined ? `  p50 ${row.p50us.toFixed(1)} us  p99 ${row.p99us!.toFixed(1)} us` : '';
  console.log(`${row.what.padEnd(34)} ${row.contender.padEnd(26)} ${rate.padStart(12)} ops/s${lat}`);
}

function memory(label: string): void {
  const m = process.memoryUsage();
  console.log(
    `  memory ${label}: rss ${(m.rss / 2 ** 20).toFixed(0)} MiB, heap ${(m.heapUsed / 2 ** 20).toFixed(0)} MiB`,
  );
}

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tributary-bench-'));
  dirs.push(d);
  return d;
}

function budget(cacheMaxBytes: number): MemoryBudget {
  return { cacheMaxBytes, rocksDbMaxBytes: 512 << 20 };
}

async function openStore(
  persistent: boolean,
  caching: boolean,
  memory: MemoryBudget,
): Promise<{ store: KeyValueStore<string, Buffer> & StoreRuntime; changelog: InMemoryChangelog }> {
  const changelog = new InMemoryChangelog();
  const supplier = persistent
    ? Stores.persistentKeyValueStore('bench')
    : Stores.inMemoryKeyValueStore('bench');
  let builder = Stores.keyValueStoreBuilder(supplier, keySerde, valueSerde).withLoggingDisabled();
  if (caching) builder = builder.withCachingEnabled();
  const store = builder.build({
    applicationId: 'bench',
    taskId: '0_0',
    partition: 0,
    taskDir: persistent ? tempDir() : undefined,
    changelogTopic: undefined,
    changelog,
    memory,
    currentTimestamp: () => 0,
  });
  await store.init({ fresh: true });
  return { store, changelog };
}

async function storePuts(store: KeyValueStore<string, Buffer> & StoreRuntime): Promise<void> {
  for (let i = 0; i < N; i++) {
    store.put(keys[i], VALUE);
    if ((i + 1) % COMMIT_EVERY === 0) {
      await store.flush();
      await store.commit();
    }
  }
  await store.flush();
  await store.commit();
}

async function storeScan(store: KeyValueStore<string, Buffer>): Promise<number> {
  let n = 0;
  for (let pass = 0; pass < SCAN_PASSES; pass++) for await (const _ of store.all()) n++;
  return n;
}

async function rawDb(): Promise<RocksDB> {
  const db = new RocksDB(join(tempDir(), 'raw'), {
    writeBufferSize: 16 << 20,
    maxWriteBufferNumber: 2,
    blockCache: true,
    maxBackgroundJobs: 2,
  });
  await db.ready();
  return db;
}

async function main(): Promise<void> {
  console.log(
    `state store benchmark: ${N.toLocaleString('en-US')} keys (16 B), values 64 B, commit every ${COMMIT_EVERY}`,
  );
  console.log(`node ${process.version}, ${new Date().toISOString()}`);

  // ---- raw binding ----
  const db = await rawDb();
  const rawPut = await time('put (committed)', 'raw rocksdb-native', N, async () => {
    for (let i = 0; i < N; i += COMMIT_EVERY) {
      const batch = db.write({ autoDestroy: true, capacity: COMMIT_EVERY });
      for (let j = i; j < Math.min(N, i + COMMIT_EVERY); j++)
        batch.tryPut(Buffer.from(`\u0001${keys[j]}`, 'latin1'), VALUE);
      await batch.flush();
    }
  });
  const rawGet = await time('get, awaited one by one', 'raw rocksdb-native', N / 10, async (lat) => {
    for (let i = 0; i < N / 10; i++) {
      const t = performance.now();
      await db.get(Buffer.from(`\u0001${keys[order[i]]}`, 'latin1'));
      lat((performance.now() - t) * 1000);
    }
  });
  const rawMultiGet = await time(`get, multi-get of ${PREFETCH_BATCH}`, 'raw rocksdb-native', N, async () => {
    for (let i = 0; i < N; i += PREFETCH_BATCH) {
      const batch = db.read({ autoDestroy: true, capacity: PREFETCH_BATCH });
      const reads: Promise<Buffer | null>[] = [];
      for (let j = i; j < Math.min(N, i + PREFETCH_BATCH); j++) {
        reads.push(batch.get(Buffer.from(`\u0001${keys[order[j]]}`, 'latin1')));
      }
      batch.tryFlush();
      await Promise.all(reads);
    }
  });
  const rawScan = await time('range scan (all keys)', 'raw rocksdb-native', N * SCAN_PASSES, async () => {
    for (let pass = 0; pass < SCAN_PASSES; pass++) {
      for await (const entry of db.iterator(
        { gte: Buffer.from([1]), lt: Buffer.from([2]) },
        { capacity: 256 },
      )) {
        entry.key.toString('latin1', 1); // what any caller does with the key
      }
    }
  });
  await db.close();
  memory('after raw');

  // ---- store API on RocksDB ----
  for (const caching of [false, true]) {
    const label = `store API rocksdb${caching ? ' +cache' : ''}`;
    const { store } = await openStore(true, caching, budget(CACHE_BYTES));
    const put = await time('put (committed)', label, N, () => storePuts(store));
    console.log(`    overhead vs raw: ${overhead(put, rawPut)}`);
    await store.close();
    // A cold instance over the same data: reads go to RocksDB.
    const { store: cold } = await reopen(store, caching);
    const get = await time('get, awaited one by one', label, N / 10, async (lat) => {
      for (let i = 0; i < N / 10; i++) {
        const t = performance.now();
        await cold.get(keys[order[i]]);
        lat((performance.now() - t) * 1000);
      }
    });
    console.log(`    overhead vs raw: ${overhead(get, rawGet)}`);
    const prefetched = await time(`get, prefetch ${PREFETCH_BATCH} then get`, label, N, async () => {
      for (let i = 0; i < N; i += PREFETCH_BATCH) {
        const batch = order.slice(i, i + PREFETCH_BATCH).map((j) => keys[j]);
        await cold.prefetch!(batch);
        for (const key of batch) {
          const value = cold.get(key);
          if (value instanceof Promise) await value; // a miss; after a prefetch there are none
        }
      }
    });
    console.log(`    overhead vs raw multi-get: ${overhead(prefetched, rawMultiGet)}`);
    const scan = await time('range scan (all keys)', label, N * SCAN_PASSES, async () => {
      await storeScan(cold);
    });
    console.log(`    overhead vs raw: ${overhead(scan, rawScan)}`);
    if (caching) {
      await time('get, cache hits (warm)', label, N, async (lat) => {
        for (let i = 0; i < N; i++) {
          const t = performance.now();
          const v = cold.get(keys[order[i]]);
          if (v instanceof Promise) await v;
          if (i % 64 === 0) lat((performance.now() - t) * 1000);
        }
      });
    }
    memory(label);
    await cold.close();
  }

  // ---- store API in memory ----
  for (const caching of [false, true]) {
    const label = `store API in-memory${caching ? ' +cache' : ''}`;
    const { store } = await openStore(false, caching, budget(CACHE_BYTES));
    await time('put (committed)', label, N, () => storePuts(store));
    await time('get', label, N, () => {
      for (let i = 0; i < N; i++) store.get(keys[order[i]]);
    });
    await time('range scan (all keys)', label, N * SCAN_PASSES, async () => {
      await storeScan(store);
    });
    memory(label);
    await store.close();
  }

  await restoreBench();
}

async function reopen(
  closed: KeyValueStore<string, Buffer> & StoreRuntime,
  caching: boolean,
): Promise<{ store: KeyValueStore<string, Buffer> & StoreRuntime }> {
  // The closed store's directory is the last one created.
  const taskDir = dirs[dirs.length - 1];
  let builder = Stores.keyValueStoreBuilder(
    Stores.persistentKeyValueStore('bench'),
    keySerde,
    valueSerde,
  ).withLoggingDisabled();
  if (caching) builder = builder.withCachingEnabled();
  void closed;
  const store = builder.build({
    applicationId: 'bench',
    taskId: '0_0',
    partition: 0,
    taskDir,
    changelogTopic: undefined,
    changelog: new InMemoryChangelog(),
    memory: budget(CACHE_BYTES),
    currentTimestamp: () => 0,
  });
  await store.init({ fresh: false });
  return { store };
}

function overhead(api: Row, raw: Row): string {
  const apiRate = api.ops / api.seconds;
  const rawRate = raw.ops / raw.seconds;
  const pct = ((rawRate / apiRate - 1) * 100).toFixed(1);
  return `${pct}% (${Math.round(apiRate).toLocaleString('en-US')} vs ${Math.round(rawRate).toLocaleString('en-US')} ops/s)`;
}

async function restoreBench(): Promise<void> {
  console.log(`\nrestore from an in-memory changelog of ${RESTORE_N.toLocaleString('en-US')} records`);
  const changelog = new InMemoryChangelog();
  const topic = 'bench-restore-changelog';
  for (let i = 0; i < RESTORE_N; i++) {
    changelog.send({
      topic,
      partition: 0,
      key: Buffer.from(`key${String(i % (RESTORE_N / 2)).padStart(12, '0')}`, 'latin1'),
      value: VALUE,
      timestamp: i,
    });
  }
  memory('changelog built');
  for (const persistent of [false, true]) {
    const m = new TaskStateManager({
      applicationId: 'bench',
      taskId: '0_0',
      partition: 0,
      taskDir: persistent ? tempDir() : undefined,
      changelog,
      memory: budget(64 << 20),
      currentTimestamp: () => 0,
    });
    const supplier = persistent
      ? Stores.persistentKeyValueStore('restore')
      : Stores.inMemoryKeyValueStore('restore');
    m.register(Stores.keyValueStoreBuilder(supplier, keySerde, valueSerde));
    await m.initialize();
    let last = 0;
    await time('restore', persistent ? 'rocksdb' : 'in-memory', RESTORE_N, async () => {
      await m.restore(changelog, {
        batchSize: 10_000,
        listener: {
          onRestoreEnd: (p) => {
            last = p.recordsPerSecond;
          },
        },
      });
    });
    console.log(`    progress callback reported ${Math.round(last).toLocaleString('en-US')} records/s`);
    memory(`after restore (${persistent ? 'rocksdb' : 'in-memory'})`);
    await m.close();
  }
}

const ONLY = args.get('only');
try {
  if (ONLY === 'restore') await restoreBench();
  else await main();
} finally {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
