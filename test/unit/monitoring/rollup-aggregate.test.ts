import { describe, expect, it } from 'vitest';
import {
  addSample,
  emptyRollupAggregate,
  mergeRollupAggregates,
  rollupAggregateOf,
  rollupAggregateSerde,
  toRollup,
} from '../../../topologies/monitoring/lib/rollup/rollup-aggregate.js';
import { seriesKey } from '../../../topologies/monitoring/lib/series/series-key.js';
import { normal, seededRandom } from './random.js';

const NOON = Date.UTC(2026, 10, 28, 12, 0, 0);
const MINUTE = 60_000;
const series = { name: 'cpu_usage', labels: { host: 'server-1' } };

/** Exact lower quantile: the sample at rank floor(q * (n - 1)), which the sketch approximates within 1%. */
const exact = (sorted: number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))];

describe('rollup aggregate', () => {
  it('seed example: 60 samples of cpu_usage{host="server-1"} in 12:00:00-12:00:59 -> one rollup at 12:00', () => {
    // min 65.2 and max 75.1 as in the design document; the other 58 pair up around their mean so the sum is 4080.5.
    const samples = [65.2, 75.1];
    const mean = (4080.5 - 65.2 - 75.1) / 58;
    for (let i = 0; i < 58; i++) samples.push(mean + (i % 2 === 0 ? 1.5 + i / 100 : -1.5 - (i - 1) / 100));
    const aggregate = emptyRollupAggregate();
    for (const v of samples) addSample(aggregate, v);

    const rollup = toRollup(series, { start: NOON, end: NOON + MINUTE }, aggregate);
    expect(seriesKey(rollup.name, rollup.labels)).toBe('cpu_usage{host="server-1"}');
    expect([rollup.windowStart, rollup.windowEnd]).toEqual([NOON, NOON + MINUTE]);
    expect(rollup.count).toBe(60);
    expect(rollup.sum).toBeCloseTo(4080.5, 9);
    expect(rollup.avg).toBeCloseTo(68.0, 1);
    expect([rollup.min, rollup.max]).toEqual([65.2, 75.1]);
    const sorted = [...samples].sort((a, b) => a - b);
    for (const [q, value] of [
      [0.5, rollup.p50],
      [0.95, rollup.p95],
      [0.99, rollup.p99],
    ]) {
      expect(Math.abs(value - exact(sorted, q)), `p${q * 100}`).toBeLessThanOrEqual(0.01 * exact(sorted, q));
    }
  });

  it('5-minute rollups merged from 1-minute rollups equal the direct computation on the raw samples', () => {
    const random = seededRandom(9);
    const raw = Array.from({ length: 5 * 60 }, (_, i) => ({
      timestamp: NOON + i * 1000,
      value: Math.exp(normal(random, 4, 0.5)),
    }));
    // 1-minute rollups, as the 1m topology would publish them.
    const minutes = [0, 1, 2, 3, 4].map((m) => {
      const aggregate = emptyRollupAggregate();
      for (const s of raw) if (Math.floor((s.timestamp - NOON) / MINUTE) === m) addSample(aggregate, s.value);
      return toRollup(series, { start: NOON + m * MINUTE, end: NOON + (m + 1) * MINUTE }, aggregate);
    });
    const merged = emptyRollupAggregate();
    for (const rollup of minutes) mergeRollupAggregates(merged, rollupAggregateOf(rollup));
    const fromMinutes = toRollup(series, { start: NOON, end: NOON + 5 * MINUTE }, merged);

    const direct = emptyRollupAggregate();
    for (const s of raw) addSample(direct, s.value);
    const fromRaw = toRollup(series, { start: NOON, end: NOON + 5 * MINUTE }, direct);

    // Identical but for the summation order of `sum` (also inside the sketch bytes).
    const { sum, avg, sketch, ...rest } = fromMinutes;
    expect(rest).toEqual({ ...fromRaw, sum: undefined, avg: undefined, sketch: undefined });
    expect(sum).toBeCloseTo(fromRaw.sum, 9);
    expect(avg).toBeCloseTo(fromRaw.avg, 9);
    const [a, b] = [rollupAggregateOf(fromMinutes), rollupAggregateOf(fromRaw)];
    for (const q of [0, 0.1, 0.5, 0.9, 0.99, 1]) expect(a.quantile(q)).toBe(b.quantile(q));
    const sorted = raw.map((s) => s.value).sort((a, b) => a - b);
    expect(Math.abs(fromMinutes.p99 - exact(sorted, 0.99))).toBeLessThanOrEqual(0.01 * exact(sorted, 0.99));
  });

  it('skips NaN (staleness markers) and infinities', () => {
    const aggregate = emptyRollupAggregate();
    for (const v of [1, Number.NaN, Number.POSITIVE_INFINITY, 3, Number.NEGATIVE_INFINITY])
      addSample(aggregate, v);
    expect([aggregate.count, aggregate.sum, aggregate.min, aggregate.max]).toEqual([2, 4, 1, 3]);
  });

  it('round-trips through the store serde and reports corrupt bytes with the topic', () => {
    const aggregate = emptyRollupAggregate();
    for (const v of [68.1, 70.2, 65.3]) addSample(aggregate, v);
    const copy = rollupAggregateSerde.deserialize('t', rollupAggregateSerde.serialize('t', aggregate));
    expect([copy.count, copy.sum, copy.min, copy.max, copy.quantile(0.5)]).toEqual([
      3,
      aggregate.sum,
      65.3,
      70.2,
      aggregate.quantile(0.5),
    ]);
    expect(() => rollupAggregateSerde.deserialize('app-rollup-1m-changelog', Buffer.from([1, 2]))).toThrow(
      "ddsketch serde (topic 'app-rollup-1m-changelog'): sketch bytes: truncated",
    );
  });
});
