import { describe, expect, it } from 'vitest';
import { DDSketch, decodeSketch, encodeSketch } from '../../../topologies/monitoring/lib/sketch/index.js';
import { normal, seededRandom } from './random.js';

const ALPHA = 0.01;
const QUANTILES = [0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];
const N = 20_000;

type Distribution = (random: () => number) => number;
const distributions: Record<string, Distribution> = {
  'uniform 0..100': (r) => r() * 100,
  'normal(50, 10)': (r) => normal(r, 50, 10),
  'normal(0, 1), crossing zero': (r) => normal(r, 0, 1),
  'log-normal(0, 2)': (r) => Math.exp(normal(r, 0, 2)),
  'bimodal 10 / 1000': (r) => (r() < 0.7 ? normal(r, 10, 1) : normal(r, 1000, 50)),
  'near zero 1e-9..1e-3': (r) => 1e-9 + r() * 1e-3,
  'negative -100..-1': (r) => -1 - r() * 99,
  'log-uniform 1e-6..1e9': (r) => 10 ** (r() * 15 - 6),
  'a third exact zeros': (r) => (r() < 1 / 3 ? 0 : normal(r, 0, 5)),
};

function sample(distribution: Distribution, seed: number, n = N): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => distribution(random));
}

function sketchOf(values: readonly number[]): DDSketch {
  const sketch = new DDSketch({ relativeAccuracy: ALPHA });
  for (const v of values) sketch.add(v);
  return sketch;
}

/** The exact lower quantile DDSketch approximates: the sample at rank floor(q * (n - 1)). */
function exactQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))];
}

function expectWithinBound(estimate: number, exact: number, what: string): void {
  // 1e-9 relative slack only absorbs floating-point rounding at bin boundaries.
  const bound = ALPHA * Math.abs(exact) * (1 + 1e-9);
  expect(Math.abs(estimate - exact), `${what}: estimate ${estimate}, exact ${exact}`).toBeLessThanOrEqual(
    bound,
  );
}

describe('DDSketch', () => {
  describe.each(Object.entries(distributions))('%s', (_name, distribution) => {
    const values = sample(distribution, 42);
    const sorted = [...values].sort((a, b) => a - b);

    it('every quantile is within 1% (relative) of the exact one', () => {
      const sketch = sketchOf(values);
      for (const q of QUANTILES) expectWithinBound(sketch.quantile(q), exactQuantile(sorted, q), `q=${q}`);
    });

    it('tracks count, sum, min and max exactly', () => {
      const sketch = sketchOf(values);
      expect(sketch.count).toBe(N);
      expect(sketch.min).toBe(sorted[0]);
      expect(sketch.max).toBe(sorted[N - 1]);
      expect(sketch.sum).toBe(values.reduce((a, b) => a + b, 0));
    });

    it('merging sketches of the parts equals the sketch of the whole', () => {
      const random = seededRandom(7);
      const parts = Array.from({ length: 7 }, () => new DDSketch({ relativeAccuracy: ALPHA }));
      for (const v of values) parts[Math.floor(random() * parts.length)].add(v);
      const merged = new DDSketch({ relativeAccuracy: ALPHA });
      for (const part of parts) merged.merge(part);
      const whole = sketchOf(values);
      expect(merged.count).toBe(whole.count);
      expect(merged.min).toBe(whole.min);
      expect(merged.max).toBe(whole.max);
      // Only the summation order differs.
      expect(Math.abs(merged.sum - whole.sum)).toBeLessThanOrEqual(1e-12 * Math.abs(whole.sum) + 1e-12);
      for (const q of QUANTILES) {
        expect(merged.quantile(q), `q=${q}`).toBe(whole.quantile(q));
        expectWithinBound(merged.quantile(q), exactQuantile(sorted, q), `merged q=${q}`);
      }
    });

    it('survives encoding: the decoded sketch answers identically and still merges', () => {
      const sketch = sketchOf(values);
      const decoded = decodeSketch(encodeSketch(sketch));
      expect([decoded.count, decoded.sum, decoded.min, decoded.max]).toEqual([
        sketch.count,
        sketch.sum,
        sketch.min,
        sketch.max,
      ]);
      for (const q of QUANTILES) expect(decoded.quantile(q), `q=${q}`).toBe(sketch.quantile(q));
      decoded.merge(sketchOf(values));
      expect(decoded.count).toBe(2 * N);
      expect(decoded.quantile(0.5)).toBe(sketch.quantile(0.5));
    });
  });

  it('encodes a minute of CPU samples in under 100 bytes', () => {
    const random = seededRandom(1);
    const sketch = sketchOf(Array.from({ length: 60 }, () => 65 + random() * 10));
    expect(encodeSketch(sketch).length).toBeLessThan(100);
  });

  it('an empty sketch answers NaN, encodes and merges as the identity', () => {
    const empty = new DDSketch();
    expect(empty.quantile(0.5)).toBeNaN();
    const decoded = decodeSketch(encodeSketch(empty));
    expect(decoded.count).toBe(0);
    const one = sketchOf([5]);
    one.merge(decoded);
    expect([one.count, one.quantile(0.5)]).toEqual([1, 5]);
  });

  it('bounds memory by collapsing the lowest bins, keeping the upper quantiles within the bound', () => {
    const values = sample(distributions['log-uniform 1e-6..1e9'], 3);
    const sorted = [...values].sort((a, b) => a - b);
    const sketch = new DDSketch({ relativeAccuracy: ALPHA, maxBins: 256 });
    for (const v of values) sketch.add(v);
    expect(sketch.positive.maxIndex - sketch.positive.minIndex + 1).toBeLessThanOrEqual(256);
    expect(sketch.count).toBe(N);
    // 256 bins of 1% cover a factor of ~160 below the maximum: quantiles above 1e9 / 160 stay exact to 1%.
    for (const q of [0.9, 0.95, 0.99, 0.999])
      expectWithinBound(sketch.quantile(q), exactQuantile(sorted, q), `q=${q}`);
    expect(sketch.quantile(0.01)).toBeLessThan(exactQuantile(sorted, 0.9));
  });

  it('rejects what it cannot sketch, naming the problem', () => {
    const sketch = new DDSketch();
    expect(() => sketch.add(Number.NaN)).toThrow('cannot add NaN to a sketch');
    expect(() => sketch.add(Number.POSITIVE_INFINITY)).toThrow(/cannot add Infinity to a sketch/);
    expect(() => sketch.quantile(1.5)).toThrow('quantile must be in [0, 1], got 1.5');
    expect(() => sketch.merge(new DDSketch({ relativeAccuracy: 0.02 }))).toThrow(
      'cannot merge sketches of different relative accuracy (0.01 and 0.02)',
    );
    expect(() => new DDSketch({ relativeAccuracy: 0 })).toThrow('relative accuracy must be in (0, 1), got 0');
    const bytes = encodeSketch(sketchOf([1, 2, 3]));
    expect(() => decodeSketch(bytes.subarray(0, bytes.length - 1))).toThrow('sketch bytes: truncated');
    expect(() => decodeSketch(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(
      'sketch bytes: 1 trailing bytes',
    );
    expect(() => decodeSketch(Buffer.from([9]))).toThrow(
      'sketch bytes: unknown format version 9 (expected 1)',
    );
  });
});
