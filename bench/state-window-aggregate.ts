// What a windowed aggregation asks of its store per record: read the window's aggregate, write the new one (get +
// put through the record cache), a flush with emits and a commit every COMMIT_EVERY records. Measures the store's
// share of the driver's per-record budget (the driver target is 500k records/s end to end).
//
//   npx tsx bench/state-window-aggregate.ts [--records 1000000] [--keys 1000] [--persistent]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ValueAndTimestamp } from '../operators/api/record.js';
import type { Serde } from '../schemas/serde.js';
import { Stores } from '../state/api/stores.js';
import { InMemoryChangelog } from '../state/changelog/in-memory-changelog.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i++) {
  const name = process.argv[i].replace(/^--/, '');
  const value = process.argv[i + 1];
  if (value === undefined || value.startsWith('--')) args.set(name, 'true');
  else args.set(name, process.argv[++i]);
}
const N = Number(args.get('records') ?? 1_000_000);
const KEYS = Number(args.get('keys') ?? 1000);
const PERSISTENT = args.get('persistent') === 'true';
const COMMIT_EVERY = 10_000;
const WINDOW_MS = 1000;
/** Records per millisecond of event time: each key sees ~KEYS/RATE ms between its records. */
const RECORDS_PER_MS = 10;

const stringSerde: Serde<string> = {
  name: 'string',
  orderPreserving: true,
  serialize: (_t, s) => Buffer.from(s, 'utf8'),
  deserialize: (_t, b) => b.toString('utf8'),
};
interface Agg {
  count: number;
  sum: number;
}
const aggSerde: Serde<Agg> = {
  name: 'agg-json',
  serialize: (_t, a) => Buffer.from(JSON.stringify(a)),
  deserialize: (_t, b) => JSON.parse(b.toString()) as Agg,
};

async function run(round: number): Promise<void> {
  const dir = PERSISTENT ? mkdtempSync(join(tmpdir(), 'tributary-wagg-')) : undefined;
  const changelog = new InMemoryChangelog();
  let now = 0;
  const supplier = PERSISTENT
    ? Stores.persistentTimestampedWindowStore('agg', { retentionMs: 60_000, windowSizeMs: WINDOW_MS })
    : Stores.inMemoryWindowStore('agg', { retentionMs: 60_000, windowSizeMs: WINDOW_MS });
  const store = Stores.timestampedWindowStoreBuilder(supplier, stringSerde, aggSerde)
    .withCachingEnabled()
    .build({
      applicationId: 'bench',
      taskId: '0_0',
      partition: 0,
      taskDir: dir,
      changelogTopic: 'bench-agg-changelog',
      changelog,
      memory: { cacheMaxBytes: 10 << 20, rocksDbMaxBytes: 256 << 20 },
      currentTimestamp: () => now,
    });
  await store.init({ fresh: true });
  let emitted = 0;
  store.setFlushListener!(() => {
    emitted++;
  }, false);
  const keys = Array.from({ length: KEYS }, (_, i) => `host-${i}`);
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < N; i++) {
    now = Math.floor(i / RECORDS_PER_MS);
    const key = keys[i % KEYS];
    const windowStart = now - (now % WINDOW_MS);
    let current = store.fetch(key, windowStart) as
      | ValueAndTimestamp<Agg>
      | undefined
      | Promise<ValueAndTimestamp<Agg> | undefined>;
    if (current instanceof Promise) current = await current;
    const agg = current?.value ?? { count: 0, sum: 0 };
    store.put(key, { value: { count: agg.count + 1, sum: agg.sum + i }, timestamp: now }, windowStart);
    const pending = store.pendingEmits();
    if (pending !== undefined) await pending;
    if ((i + 1) % COMMIT_EVERY === 0) {
      await store.flush();
      await store.commit();
    }
  }
  await store.flush();
  await store.commit();
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  const mem = process.memoryUsage();
  console.log(
    `round ${round}: ${Math.round(N / seconds).toLocaleString('en-US')} records/s ` +
      `(${Math.round(N / ((used.user + used.system) / 1e6)).toLocaleString('en-US')} per CPU-s), ` +
      `${emitted.toLocaleString('en-US')} emits, ${changelog.committed({ topic: 'bench-agg-changelog', partition: 0 }).length.toLocaleString('en-US')} changelog records, ` +
      `rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB`,
  );
  await store.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
}

console.log(
  `windowed aggregate through a cached ${PERSISTENT ? 'RocksDB' : 'in-memory'} timestamped window store: ` +
    `${N.toLocaleString('en-US')} records, ${KEYS} keys, ${WINDOW_MS} ms windows, commit every ${COMMIT_EVERY}`,
);
for (let round = 1; round <= 3; round++) await run(round);
