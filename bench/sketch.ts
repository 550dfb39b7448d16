// DDSketch throughput: inserts (one sketch; 10k sketches as 10k series would), merges (60 one-minute sketches into an
// hour, and large sketches), encode/decode. Prints ops/s, p50/p99 latency per batch, memory.
// Run: npx tsx bench/sketch.ts
import { DDSketch, decodeSketch, encodeSketch } from '../topologies/monitoring/lib/sketch/index.js';

const BATCH = 1000;

function timeBatches(
  label: string,
  batches: number,
  opsPerBatch: number,
  runBatch: (b: number) => void,
): void {
  const latencies: number[] = [];
  const start = process.hrtime.bigint();
  for (let b = 0; b < batches; b++) {
    const t0 = process.hrtime.bigint();
    runBatch(b);
    latencies.push(Number(process.hrtime.bigint() - t0) / opsPerBatch);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  const rate = Math.round((batches * opsPerBatch) / seconds).toLocaleString('en-US');
  console.log(
    `${label.padEnd(44)} ${rate.padStart(12)} ops/s   p50 ${pct(0.5).toFixed(0)} ns/op   p99 ${pct(0.99).toFixed(0)} ns/op`,
  );
}

// Pre-generated CPU-like samples: normal(68, 5) by Box-Muller.
const SAMPLES = new Float64Array(1 << 20);
for (let i = 0; i < SAMPLES.length; i++) {
  SAMPLES[i] = 68 + 5 * Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
}
const MASK = SAMPLES.length - 1;

function warmUp(): void {
  const sketch = new DDSketch();
  for (let i = 0; i < 200_000; i++) sketch.add(SAMPLES[i & MASK]);
}

warmUp();
console.log(`DDSketch, relative accuracy 1%, node ${process.version}`);

const one = new DDSketch();
timeBatches('insert, one sketch', 5000, BATCH, (b) => {
  for (let i = 0; i < BATCH; i++) one.add(SAMPLES[(b * BATCH + i) & MASK]);
});

const SERIES = 10_000;
const heapBefore = process.memoryUsage().heapUsed;
const perSeries = Array.from({ length: SERIES }, () => new DDSketch());
timeBatches(`insert, round-robin over ${SERIES} sketches`, 2000, BATCH, (b) => {
  for (let i = 0; i < BATCH; i++) {
    const n = b * BATCH + i;
    perSeries[n % SERIES].add(SAMPLES[n & MASK]);
  }
});
const heapPerSketch = (process.memoryUsage().heapUsed - heapBefore) / SERIES;

// One-minute sketches of 60 samples, merged 60 at a time into an hour (the 1h rollup from 1m rollups).
const minutes = Array.from({ length: 600 }, (_, m) => {
  const sketch = new DDSketch();
  for (let i = 0; i < 60; i++) sketch.add(SAMPLES[(m * 60 + i) & MASK]);
  return sketch;
});
timeBatches('merge, 1-minute sketch (60 samples) into hour', 500, 60, (b) => {
  const hour = new DDSketch();
  for (let m = 0; m < 60; m++) hour.merge(minutes[(b * 60 + m) % minutes.length]);
});

const big = Array.from({ length: 16 }, (_, k) => {
  const sketch = new DDSketch();
  for (let i = 0; i < 100_000; i++) sketch.add(Math.exp(SAMPLES[(k * 100_000 + i) & MASK] / 10));
  return sketch;
});
timeBatches(
  `merge, wide sketch (${big[0].positive.maxIndex - big[0].positive.minIndex + 1} bins)`,
  200,
  16,
  () => {
    const total = new DDSketch();
    for (const sketch of big) total.merge(sketch);
  },
);

const encoded = minutes.map(encodeSketch);
timeBatches('encode, 1-minute sketch', 200, minutes.length, () => {
  for (const sketch of minutes) encodeSketch(sketch);
});
timeBatches('decode, 1-minute sketch', 200, encoded.length, () => {
  for (const bytes of encoded) decodeSketch(bytes);
});
timeBatches('quantile p50+p95+p99, 1-minute sketch', 200, minutes.length, () => {
  for (const sketch of minutes) sketch.quantile(0.5) + sketch.quantile(0.95) + sketch.quantile(0.99);
});

const avgBytes = encoded.reduce((n, b) => n + b.length, 0) / encoded.length;
console.log(
  `memory: ${(heapPerSketch / 1024).toFixed(2)} KiB heap per series sketch (${SERIES} sketches, ~${Math.round(
    (2000 * BATCH) / SERIES,
  )} samples each); encoded 1-minute sketch ${avgBytes.toFixed(0)} bytes; rss ${(
    process.memoryUsage().rss / 2 ** 20
  ).toFixed(0)} MiB`,
);
