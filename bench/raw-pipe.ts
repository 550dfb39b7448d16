// The ceiling for issue 5's figures: a consume -> produce pipe with no processing, on the same client and the same
// runtime/kafka modules the Kafka runtime uses (StreamConsumer, StreamProducer), against the local broker.
//   (a) at-least-once: idempotent producer, offsets committed after a flush every commitIntervalMs;
//   (b) exactly-once v2: one transaction per commit interval (100 ms) with sendOffsets + read_committed reads.
// Two measurements per mode:
//   throughput: RECORDS small records (10k keys) are loaded first, then piped; records/s from the first poll to the
//               last commit;
//   latency:    a separate process (the driver) produces at LATENCY_RATE records/s for LATENCY_SECONDS while the
//               pipe runs, and reads the output read_committed: end-to-end latency = input timestamp (set when the
//               driver sent it; the pipe copies it) -> output consumed by the driver. p50/p99.
// Run: npx tsx bench/raw-pipe.ts   (env: RECORDS=1000000 PARTITIONS=4 LATENCY_RATE=20000 LATENCY_SECONDS=10
//      MAX_POLL_RECORDS=1000 FETCH_WAIT_MS=500 MODES=at_least_once,exactly_once_v2 BOOTSTRAP=127.0.0.1:9092; LATENCY_SECONDS=0 skips
//      the latency runs)
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StreamConsumer } from '../runtime/kafka/stream-consumer.js';
import { StreamProducer } from '../runtime/kafka/stream-producer.js';
import { TopicAdmin } from '../runtime/kafka/topic-admin.js';
import { type Figure, percentile, printFigures } from './support/report.js';

const BOOTSTRAP = process.env.BOOTSTRAP ?? process.env.KAFKA_BOOTSTRAP_SERVERS ?? '127.0.0.1:9092';
const RECORDS = Number(process.env.RECORDS ?? 1_000_000);
const PARTITIONS = Number(process.env.PARTITIONS ?? 4);
const LATENCY_RATE = Number(process.env.LATENCY_RATE ?? 20_000);
const LATENCY_SECONDS = Number(process.env.LATENCY_SECONDS ?? 10);
const MAX_POLL_RECORDS = Number(process.env.MAX_POLL_RECORDS ?? 1000);
const MODES = (process.env.MODES ?? 'at_least_once,exactly_once_v2').split(',') as Mode[];
const FETCH_WAIT_MS = Number(process.env.FETCH_WAIT_MS ?? 500);
const TRACE = process.env.LATENCY_TRACE === '1';
const KEYS = 10_000;
const connection = { bootstrapServers: BOOTSTRAP };
const noopListener = { onPartitionsRevoked() {}, onPartitionsAssigned() {}, onPartitionsLost() {} };

export type Mode = 'at_least_once' | 'exactly_once_v2';
export const COMMIT_INTERVAL_MS: Record<Mode, number> = { at_least_once: 1000, exactly_once_v2: 100 };

function value(i: number): Buffer {
  return Buffer.from(`{"host":"h${i % KEYS}","metric":"cpu.user","value":${(i % 1000) / 10}}`);
}

/** Peak RSS/heap of this process, sampled every 100 ms while `measure` runs. */
export async function withMemory<T>(
  measure: () => Promise<T>,
): Promise<{ result: T; rssMb: number; heapMb: number }> {
  let rss = 0;
  let heap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  };
  const timer = setInterval(sample, 100);
  try {
    const result = await measure();
    sample();
    return { result, rssMb: rss / 2 ** 20, heapMb: heap / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

export async function load(topic: string, count: number): Promise<number> {
  const producer = await StreamProducer.create({ ...connection, lingerMs: 20 });
  const started = performance.now();
  try {
    for (let i = 0; i < count; i++) {
      producer.send({ topic, key: Buffer.from(`k${i % KEYS}`), value: value(i), timestamp: Date.now() });
      if (i % 100_000 === 99_999) await producer.flush();
    }
    await producer.flush();
  } finally {
    await producer.close();
  }
  return count / ((performance.now() - started) / 1000);
}

/**
 * Pipes `expected` records from input to output, committing every commit interval. Returns seconds from the first
 * record polled to the last commit.
 */
export async function pipe(
  mode: Mode,
  input: string,
  output: string,
  expected: number,
  trackDeliveredOffsets = false,
  onAssigned: () => void = () => {},
): Promise<number> {
  const consumer = await StreamConsumer.create({
    ...connection,
    groupId: `raw-pipe-${randomUUID()}`,
    topics: [input],
    listener: { ...noopListener, onPartitionsAssigned: () => onAssigned() },
    maxPollRecords: MAX_POLL_RECORDS,
    overrides: { 'fetch.wait.max.ms': FETCH_WAIT_MS },
  });
  const eos = mode === 'exactly_once_v2';
  const producer = await StreamProducer.create({
    ...connection,
    ...(eos ? { transactionalId: `raw-pipe-${randomUUID()}`, trackDeliveredOffsets } : {}),
  });
  const next = new Map<number, number>();
  const offsets = () => [...next].map(([partition, offset]) => ({ topic: input, partition, offset }));
  let piped = 0;
  let first = 0;
  let lastCommit = performance.now();
  const commit = async () => {
    if (eos) {
      await producer.commitTransaction({ consumer, offsets: offsets() });
      if (piped < expected) await producer.beginTransaction();
    } else {
      await producer.flush();
      await consumer.commitOffsets(offsets());
    }
    lastCommit = performance.now();
  };
  try {
    if (eos) await producer.beginTransaction();
    while (piped < expected) {
      const batches = await consumer.poll(eos ? 10 : 100);
      for (const batch of batches) {
        if (first === 0) first = performance.now();
        for (const r of batch.records) {
          producer.send({ topic: output, key: r.key, value: r.value, timestamp: r.timestamp });
        }
        piped += batch.records.length;
        next.set(batch.partition, batch.records[batch.records.length - 1].offset + 1);
      }
      if (performance.now() - lastCommit >= COMMIT_INTERVAL_MS[mode] || piped >= expected) await commit();
    }
    return (performance.now() - first) / 1000;
  } finally {
    await producer.close();
    await consumer.close();
  }
}

export async function createTopics(admin: TopicAdmin, names: string[]) {
  await admin.ensureInternalTopics(
    names.map((name) => ({ name, partitions: PARTITIONS, type: 'repartition' })),
  );
}

/** Runs the driver process: paced input, read_committed output reader. Resolves with its latencies summary. */
export function runDriver(
  input: string,
  output: string,
  total: number,
): Promise<{ p50: number; p99: number; max: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        fileURLToPath(import.meta.url),
        '--driver',
        JSON.stringify({ input, output, total }),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) reject(new Error(`driver exited with ${code}: ${out}`));
      else resolve(JSON.parse(line));
    });
  });
}

async function driver(args: { input: string; output: string; total: number }) {
  const reader = await StreamConsumer.create({
    ...connection,
    groupId: `raw-pipe-reader-${randomUUID()}`,
    topics: [args.output],
    listener: noopListener,
    autoOffsetReset: 'latest',
    maxPollRecords: 10_000,
    // librdkafka's default 500 ms: a read_committed fetch parked on the broker may wait that long after the commit
    // marker before it returns.
    overrides: { 'fetch.wait.max.ms': FETCH_WAIT_MS },
  });
  // Join before producing: the reader must own the output partitions when the first record arrives.
  while (reader.assignment().length < PARTITIONS) await reader.poll(100);
  const producer = await StreamProducer.create({ ...connection, lingerMs: 1 });
  const latencies: number[] = [];
  const trace: Array<[number, number]> = [];
  let sent = 0;
  const perTick = LATENCY_RATE / 100;
  const started = Date.now();
  const pacer = setInterval(() => {
    const due = Math.min(args.total, Math.round(((Date.now() - started) / 10) * perTick));
    for (; sent < due; sent++) {
      producer.send({
        topic: args.input,
        key: Buffer.from(`k${sent % KEYS}`),
        value: value(sent),
        timestamp: Date.now(),
      });
    }
    if (sent >= args.total) clearInterval(pacer);
  }, 10);
  const deadline = Date.now() + LATENCY_SECONDS * 1000 + 60_000;
  while (latencies.length < args.total && Date.now() < deadline) {
    for (const batch of await reader.poll(50)) {
      const now = Date.now();
      for (const r of batch.records) {
        latencies.push(now - r.timestamp);
        if (TRACE) trace.push([r.timestamp - started, now - r.timestamp]);
      }
    }
  }
  clearInterval(pacer);
  await producer.flush();
  await producer.close();
  await reader.close();
  if (TRACE) {
    // Latency per second of the run (by send time), to tell warm-up from periodic stalls.
    for (let second = 0; second * 1000 < LATENCY_SECONDS * 1000 + 1000; second++) {
      const window = trace
        .filter(([at]) => at >= second * 1000 && at < (second + 1) * 1000)
        .map(([, l]) => l)
        .sort((a, b) => a - b);
      if (window.length > 0) {
        process.stderr.write(
          `  second ${second}: p50 ${percentile(window, 50)} ms p99 ${percentile(window, 99)} ms max ${window.at(-1)} ms\n`,
        );
      }
    }
  }
  latencies.sort((a, b) => a - b);
  process.stdout.write(
    `${JSON.stringify({ p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1), count: latencies.length })}\n`,
  );
}

async function main() {
  const admin = await TopicAdmin.connect(connection);
  const figures: Figure[] = [];
  const run = randomUUID().slice(0, 8);
  const created: string[] = [];
  try {
    const source = `raw-pipe-${run}-source`;
    await createTopics(admin, [source]);
    created.push(source);
    const loadStarted = performance.now();
    const loadRate = await load(source, RECORDS);
    figures.push({
      name: 'load (idempotent producer, linger 20 ms)',
      records: RECORDS,
      seconds: (performance.now() - loadStarted) / 1000,
      recordsPerSecond: loadRate,
      rssMb: process.memoryUsage().rss / 2 ** 20,
    });

    for (const mode of MODES) {
      const output = `raw-pipe-${run}-${mode}-out`;
      await createTopics(admin, [output]);
      created.push(output);
      const { result: seconds, rssMb, heapMb } = await withMemory(() => pipe(mode, source, output, RECORDS));
      figures.push({
        name: `pipe ${mode} (commit every ${COMMIT_INTERVAL_MS[mode]} ms)`,
        records: RECORDS,
        seconds,
        recordsPerSecond: RECORDS / seconds,
        rssMb,
        note: `heap ${heapMb.toFixed(0)} MB`,
      });

      if (mode === 'exactly_once_v2') {
        // The same pipe with a delivery report per record (what trackDeliveredOffsets costs).
        const tracked = `raw-pipe-${run}-${mode}-tracked-out`;
        await createTopics(admin, [tracked]);
        created.push(tracked);
        const run2 = await withMemory(() => pipe(mode, source, tracked, RECORDS, true));
        figures.push({
          name: `pipe ${mode} + delivery report per record`,
          records: RECORDS,
          seconds: run2.result,
          recordsPerSecond: RECORDS / run2.result,
          rssMb: run2.rssMb,
          note: `heap ${run2.heapMb.toFixed(0)} MB`,
        });
      }

      if (LATENCY_SECONDS <= 0) continue;
      const latencyIn = `raw-pipe-${run}-${mode}-lat-in`;
      const latencyOut = `raw-pipe-${run}-${mode}-lat-out`;
      await createTopics(admin, [latencyIn, latencyOut]);
      created.push(latencyIn, latencyOut);
      const total = LATENCY_RATE * LATENCY_SECONDS;
      // The driver starts producing once the pipe owns its input partitions: joining the group is not latency.
      let driverDone: Promise<{ p50: number; p99: number; max: number }> | undefined;
      const measured = await withMemory(() =>
        pipe(mode, latencyIn, latencyOut, total, false, () => {
          driverDone ??= runDriver(latencyIn, latencyOut, total);
        }),
      );
      if (!driverDone) throw new Error('the pipe never got its partitions');
      const latency = await driverDone;
      figures.push({
        name: `latency ${mode} at ${LATENCY_RATE.toLocaleString('en-US')} records/s`,
        records: total,
        seconds: measured.result,
        recordsPerSecond: total / measured.result,
        rssMb: measured.rssMb,
        p50Ms: latency.p50,
        p99Ms: latency.p99,
        note: `max ${latency.max} ms`,
      });
    }
  } finally {
    await admin.deleteTopics(created).catch(() => {});
    await admin.close();
  }
  printFigures(
    `raw consume->produce pipe, ${RECORDS.toLocaleString('en-US')} records, ${PARTITIONS} partitions, ` +
      `max.poll.records ${MAX_POLL_RECORDS}, broker ${BOOTSTRAP}`,
    figures,
  );
}

// Run as a script (or as the latency driver it spawns), not when bench/e2e-kafka.ts imports the pipe.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const driverArg = process.argv.indexOf('--driver');
  if (driverArg >= 0) {
    await driver(JSON.parse(process.argv[driverArg + 1]));
  } else {
    await main();
  }
}
