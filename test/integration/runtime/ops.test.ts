// The operations endpoint of a worker (runtime/ops): health and readiness follow the KafkaStreams state, /metrics
// exports the runtime's counters for Prometheus, and interactive queries read the local stores - through
// `streams.store(name)` and over HTTP, with 4xx answers that say what is wrong.
import type { ReadOnlyKeyValueStore, ReadOnlyWindowStore } from 'tributary';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpsServer, startOpsServer } from '../../../runtime/ops/http-server.js';
import { StoreNotQueryableError, UnknownStoreError } from '../../../runtime/ops/queryable-store.js';
import { uniqueName } from '../../support/kafka.js';
import { Worker } from './streams-support.js';
import { awaitProcessed, createTopics, produceInput, sourceTopicsOf } from './support/kafka-io.js';
import { buildTopology } from './support/proof.js';
import { TempDirs } from './support/workloads.js';

const dirs = new TempDirs();
const base = uniqueName('ops');
const input = `${base}-lines`;
const output = `${base}-counts`;
const applicationId = `${base}-app`;
const now = Date.now();
const LINES = ['alpha beta gamma', 'alpha beta', 'alpha', 'delta epsilon alpha'];

let worker: Worker;
let server: OpsServer;
let readyBeforeStart: { status: number; body: unknown };

async function get(path: string): Promise<{ status: number; body: unknown; text: string }> {
  const res = await fetch(`${server.url}${path}`);
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
}

beforeAll(async () => {
  await createTopics([
    { name: input, partitions: 2 },
    { name: output, partitions: 2 },
  ]);
  await produceInput(
    LINES.map((line, i) => ({ topic: input, key: `line-${i}`, value: line, timestamp: now - 1_000 + i })),
  );
  const topology = await buildTopology('words', { input, output });
  worker = new Worker(topology, { applicationId, stateDir: dirs.create(), cacheMaxBytes: 0 });
  server = await startOpsServer(worker.streams, topology, {
    port: 0,
    host: '127.0.0.1',
    defaultMetrics: true,
  });
  const r = await get('/health/ready');
  readyBeforeStart = { status: r.status, body: r.body };
  await worker.start();
  await worker.waitFor('RUNNING');
  await awaitProcessed(applicationId, sourceTopicsOf(topology, applicationId));
}, 120_000);

afterAll(async () => {
  await worker?.close();
  await server?.close();
  dirs.cleanup();
});

describe('health and readiness', () => {
  it('is live from the start, ready only once RUNNING (tasks assigned and restored)', async () => {
    expect(readyBeforeStart).toEqual({
      status: 503,
      body: { state: 'CREATED', tasks: { running: 0, restoring: 0 } },
    });
    const ready = await get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ state: 'RUNNING', tasks: { restoring: 0 } });
    expect((ready.body as { tasks: { running: number } }).tasks.running).toBeGreaterThan(0);
    expect((await get('/health/live')).status).toBe(200);
  });
});

describe('Prometheus metrics', () => {
  it('exports the state, the tasks and the runtime counters with their tags as labels', async () => {
    const { status, text } = await get('/metrics');
    expect(status).toBe(200);
    expect(text).toContain('tributary_state{state="RUNNING"} 1');
    expect(text).toContain('tributary_state{state="REBALANCING"} 0');
    expect(text).toMatch(/^tributary_tasks\{status="running"\} [1-9]/m);
    expect(text).toMatch(/^# TYPE tributary_process_total counter$/m);
    // 4 lines, then their 9 words through each of the three repartition topics: 31 records processed.
    const processed = [...text.matchAll(/^tributary_process_total\{task="[0-9_]+"\} (\d+)$/gm)].reduce(
      (sum, m) => sum + Number(m[1]),
      0,
    );
    expect(processed).toBe(LINES.length + 3 * 9);
    expect(text).toMatch(/^tributary_commit_total [1-9]/m);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
  });
});

describe('interactive queries: streams.store()', () => {
  it('reads a key-value store across the local tasks', async () => {
    const counts = worker.streams.store<ReadOnlyKeyValueStore<string, number>>('word-counts');
    expect(await counts.get('alpha')).toBe(4);
    expect(await counts.get('zeta')).toBeUndefined();
    const all = new Map<string, number>();
    for await (const { key, value } of counts.all()) all.set(key, value);
    expect(all).toEqual(
      new Map([
        ['alpha', 4],
        ['beta', 2],
        ['gamma', 1],
        ['delta', 1],
        ['epsilon', 1],
      ]),
    );
    // An estimate (RocksDB's), summed over the tasks' stores.
    expect(await counts.approximateNumEntries()).toBeGreaterThanOrEqual(5);
  });

  it('reads window stores with plain values', async () => {
    const windows = worker.streams.store<ReadOnlyWindowStore<string, number>>('word-windows');
    const start = now - 1_000 - ((now - 1_000) % 60_000);
    // All lines fall into one or two 1-minute windows; summed over them, alpha was seen 4 times.
    const list = await windows.fetch('alpha', 0, now);
    expect(list.reduce((sum, w) => sum + w.value, 0)).toBe(4);
    expect(list[0].windowStart).toBeLessThanOrEqual(start + 60_000);
  });

  it('throws for a store the topology does not have, naming the stores it has', () => {
    expect(() => worker.streams.store('nope')).toThrow(UnknownStoreError);
    expect(() => worker.streams.store('nope')).toThrow(
      "no state store named 'nope' in this application; its stores: word-counts, length-counts, word-windows",
    );
  });
});

describe('interactive queries over HTTP', () => {
  it('lists the stores', async () => {
    const { status, body } = await get('/stores');
    expect(status).toBe(200);
    expect(
      (body as { stores: Array<{ name: string; kind: string }> }).stores.map((s) => [s.name, s.kind]),
    ).toEqual([
      ['word-counts', 'timestamped-key-value'],
      ['length-counts', 'timestamped-key-value'],
      ['word-windows', 'timestamped-window'],
    ]);
  });

  it('answers a key with its value and timestamp, parsing the key for the store key serde', async () => {
    const alpha = await get('/stores/word-counts/keys/alpha');
    expect(alpha.status).toBe(200);
    expect(alpha.body).toEqual({ store: 'word-counts', key: 'alpha', value: 4, timestamp: now - 1_000 + 3 });
    // 'alpha', 'gamma', 'delta': three words of five letters, six times in all.
    const five = await get('/stores/length-counts/keys/5');
    expect(five.status).toBe(200);
    expect(five.body).toMatchObject({ store: 'length-counts', key: 5, value: 6 });
  });

  it('answers windows of a window store', async () => {
    const { status, body } = await get(`/stores/word-windows/keys/beta?from=0&to=${now}`);
    expect(status).toBe(200);
    const windows = (body as { windows: Array<{ windowStart: number; windowEnd: number; value: number }> })
      .windows;
    expect(windows.reduce((sum, w) => sum + w.value, 0)).toBe(2);
    for (const w of windows) expect(w.windowEnd - w.windowStart).toBe(60_000);
  });

  it('pages through entries', async () => {
    const { status, body } = await get('/stores/word-counts/entries?limit=2');
    expect(status).toBe(200);
    expect((body as { entries: unknown[]; more: boolean }).entries).toHaveLength(2);
    expect((body as { more: boolean }).more).toBe(true);
  });

  it('answers 4xx with a message for unknown stores, keys this worker does not hold and unparsable input', async () => {
    const unknownStore = await get('/stores/nope/keys/alpha');
    expect(unknownStore.status).toBe(404);
    expect(unknownStore.body).toEqual({
      error:
        "no state store named 'nope' in this application; its stores: word-counts, length-counts, word-windows",
    });
    const unknownKey = await get('/stores/word-counts/keys/zeta');
    expect(unknownKey.status).toBe(404);
    expect((unknownKey.body as { error: string }).error).toMatch(
      /^key 'zeta' not found in store 'word-counts' on this worker \(running tasks: .+\); another worker may hold its partition$/,
    );
    const badKey = await get('/stores/length-counts/keys/five');
    expect(badKey.status).toBe(400);
    expect(badKey.body).toEqual({
      error: "key 'five' of store 'length-counts' (key serde long): expected an integer",
    });
    const badLimit = await get('/stores/word-counts/entries?limit=0');
    expect(badLimit.status).toBe(400);
    expect((badLimit.body as { error: string }).error).toMatch(
      /^query parameter limit=0: expected an integer from 1 to/,
    );
    const noRoute = await get('/nope');
    expect(noRoute.status).toBe(404);
  });
});

describe('after close', () => {
  it('is neither live nor ready, and stores are not queryable (503)', async () => {
    const counts = worker.streams.store<ReadOnlyKeyValueStore<string, number>>('word-counts');
    await worker.close();
    expect((await get('/health/live')).status).toBe(503);
    expect((await get('/health/ready')).body).toMatchObject({ state: 'NOT_RUNNING' });
    await expect(async () => counts.get('alpha')).rejects.toThrow(StoreNotQueryableError);
    const q = await get('/stores/word-counts/keys/alpha');
    expect(q.status).toBe(503);
    expect(q.body).toEqual({ error: "store 'word-counts' cannot be queried in state NOT_RUNNING" });
  });
});
