// What windowed operators ask of their store per record, with a flush and a commit every COMMIT_EVERY records:
//   aggregate: read the window's aggregate, write the new one (get + put through the record cache);
//   session:   find the sessions a record merges with, remove them, put the merged one (a range read per record);
//   join:      buffer the record in a window store with duplicates and read the other side's window (a range read).
// Measures the store's share of the per-record budget (the driver target is 500k records/s end to end).
//
//   npx tsx bench/state-window-aggregate.ts [--pattern aggregate|session|join] [--records N] [--keys 1000] [--persistent]
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
const PATTERN = args.get('pattern') ?? 'aggregate';
const SESSION_GAP_MS = 5000;
const JOIN_WINDOW_MS = 1000;
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

function report(round: number, seconds: number, cpu: NodeJS.CpuUsage, detail: string): void {
  const mem = process.memoryUsage();
  console.log(
    `round ${round}: ${Math.round(N / seconds).toLocaleString('en-US')} records/s ` +
      `(${Math.round(N / ((cpu.user + cpu.system) / 1e6)).toLocaleString('en-US')} per CPU-s), ${detail}, ` +
      `rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB`,
  );
}

function context(dir: string | undefined, changelog: InMemoryChangelog, now: () => number) {
  return {
    applicationId: 'bench',
    taskId: '0_0',
    partition: 0,
    taskDir: dir,
    changelogTopic: undefined,
    changelog,
    memory: { cacheMaxBytes: 10 << 20, rocksDbMaxBytes: 256 << 20 },
    currentTimestamp: now,
  };
}

async function aggregate(round: number): Promise<void> {
  const dir = PERSISTENT ? mkdtempSync(join(tmpdir(), 'tributary-wagg-')) : undefined;
  const changelog = new InMemoryChangelog();
  let now = 0;
  const supplier = PERSISTENT
    ? Stores.persistentTimestampedWindowStore('agg', { retentionMs: 60_000, windowSizeMs: WINDOW_MS })
    : Stores.inMemoryWindowStore('agg', { retentionMs: 60_000, windowSizeMs: WINDOW_MS });
  const store = Stores.timestampedWindowStoreBuilder(supplier, stringSerde, aggSerde)
    .withCachingEnabled()
    .build({ ...context(dir, changelog, () => now), changelogTopic: 'bench-agg-changelog' });
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
  const records = changelog.committed({ topic: 'bench-agg-changelog', partition: 0 }).length;
  report(round, seconds, process.cpuUsage(cpu), `${emitted} emits, ${records} changelog records`);
  await store.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
}

async function sessions(round: number): Promise<void> {
  const dir = PERSISTENT ? mkdtempSync(join(tmpdir(), 'tributary-wsess-')) : undefined;
  let now = 0;
  const supplier = PERSISTENT
    ? Stores.persistentSessionStore('sess', { retentionMs: 60_000 })
    : Stores.inMemorySessionStore('sess', { retentionMs: 60_000 });
  const store = Stores.sessionStoreBuilder(supplier, stringSerde, aggSerde)
    .withCachingEnabled()
    .build(context(dir, new InMemoryChangelog(), () => now));
  await store.init({ fresh: true });
  const keys = Array.from({ length: KEYS }, (_, i) => `host-${i}`);
  let merges = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < N; i++) {
    now = Math.floor(i / RECORDS_PER_MS);
    const key = keys[i % KEYS];
    let found = store.findSessions(key, now - SESSION_GAP_MS, now + SESSION_GAP_MS);
    if (found instanceof Promise) found = await found;
    let startTime = now;
    let endTime = now;
    let count = 1;
    for (const session of found) {
      startTime = Math.min(startTime, session.key.window.start);
      endTime = Math.max(endTime, session.key.window.end);
      count += session.value.count;
      store.remove(session.key);
      merges++;
    }
    store.put({ key, window: { start: startTime, end: endTime } }, { count, sum: i });
    const pending = store.pendingEmits();
    if (pending !== undefined) await pending;
    if ((i + 1) % COMMIT_EVERY === 0) {
      await store.flush();
      await store.commit();
    }
  }
  const seconds = (performance.now() - start) / 1000;
  report(round, seconds, process.cpuUsage(cpu), `${merges} merges`);
  await store.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
}

async function joins(round: number): Promise<void> {
  const dir = PERSISTENT ? mkdtempSync(join(tmpdir(), 'tributary-wjoin-')) : undefined;
  let now = 0;
  const options = {
    retentionMs: 2 * JOIN_WINDOW_MS + 1,
    windowSizeMs: 2 * JOIN_WINDOW_MS + 1,
    retainDuplicates: true,
  };
  const buffers = ['left', 'right'].map((side) =>
    Stores.windowStoreBuilder(
      PERSISTENT ? Stores.persistentWindowStore(side, options) : Stores.inMemoryWindowStore(side, options),
      stringSerde,
      aggSerde,
    ).build(context(dir, new InMemoryChangelog(), () => now)),
  );
  for (const b of buffers) await b.init({ fresh: true });
  const keys = Array.from({ length: KEYS }, (_, i) => `host-${i}`);
  let matches = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < N; i++) {
    now = Math.floor(i / RECORDS_PER_MS);
    const key = keys[i % KEYS];
    // Each key alternates sides from one pass over the keys to the next.
    const [mine, other] = Math.floor(i / KEYS) % 2 === 0 ? buffers : [buffers[1], buffers[0]];
    mine.put(key, { count: 1, sum: i }, now);
    let found = other.fetch(key, now - JOIN_WINDOW_MS, now + JOIN_WINDOW_MS);
    if (found instanceof Promise) found = await found;
    matches += found.length;
    if ((i + 1) % COMMIT_EVERY === 0) {
      for (const b of buffers) {
        await b.flush();
        await b.commit();
      }
    }
  }
  const seconds = (performance.now() - start) / 1000;
  report(round, seconds, process.cpuUsage(cpu), `${matches} matches`);
  for (const b of buffers) await b.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
}

const run = PATTERN === 'session' ? sessions : PATTERN === 'join' ? joins : aggregate;
console.log(
  `${PATTERN} on ${PERSISTENT ? 'RocksDB' : 'in-memory'} stores: ${N.toLocaleString('en-US')} records, ` +
    `${KEYS} keys, ${RECORDS_PER_MS} records per ms of event time, commit every ${COMMIT_EVERY}`,
);
for (let round = 1; round <= 3; round++) await run(round);
