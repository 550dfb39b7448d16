import { type Serde, SerializationError } from '../../../../schemas/serde.js';
import { type RuleBucket, type RuleSeriesWindow, ruleBucket } from './rule-window.js';
import type { AlertPhase, SeriesAlertState } from './series-alert-state.js';

// Binary store serdes of the alerting topology's per-(rule, series) values. They are written at every commit (in the
// test driver: after every record), so JSON's cost showed: fixed-width little-endian doubles instead. A leading
// version byte lets a later format be read alongside this one.
const VERSION = 1;
const BUCKET_BYTES = 6 * 8;
const PHASES: readonly AlertPhase[] = ['INACTIVE', 'PENDING', 'FIRING', 'NODATA'];
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
let scratch = new Float64Array(64);
/** The scratch doubles as bytes, to copy out without making a view per call. */
let scratchBytes = Buffer.from(scratch.buffer);

/**
 * `f64 version | f64 evaluatedUntil | f64 n | n x (f64 start, count, sum, min, max, lastAt)`, little-endian: all
 * doubles, so that a Float64Array builds it (Buffer.writeDoubleLE per value cost more than the rest of a commit).
 */
export const ruleSeriesWindowSerde: Serde<RuleSeriesWindow> = {
  name: 'rule-series-window',
  serialize: (_topic, window) => {
    const length = 3 + window.buckets.length * 6;
    if (scratch.length < length) {
      scratch = new Float64Array(Math.max(length, scratch.length * 2));
      scratchBytes = Buffer.from(scratch.buffer);
    }
    const f = scratch;
    f[0] = VERSION;
    f[1] = window.evaluatedUntil;
    f[2] = window.buckets.length;
    let at = 3;
    for (const b of window.buckets) {
      f[at] = b.start;
      f[at + 1] = b.count;
      f[at + 2] = b.sum;
      f[at + 3] = b.min;
      f[at + 4] = b.max;
      f[at + 5] = b.lastAt;
      at += 6;
    }
    const out = Buffer.allocUnsafe(length * 8);
    scratchBytes.copy(out, 0, 0, length * 8);
    if (!LITTLE_ENDIAN) for (let i = 0; i < out.length; i += 8) out.subarray(i, i + 8).reverse();
    return out;
  },
  deserialize: (topic, data) => {
    if (data.length < 24 || data.length % 8 !== 0) {
      fail('rule-series-window', topic, `expected a multiple of 8 bytes, at least 24, got ${data.length}`);
    }
    const version = data.readDoubleLE(0);
    if (version !== VERSION)
      fail('rule-series-window', topic, `unknown format version ${version} (expected ${VERSION})`);
    const n = data.readDoubleLE(16);
    if (data.length !== 24 + n * BUCKET_BYTES) {
      fail(
        'rule-series-window',
        topic,
        `expected ${24 + n * BUCKET_BYTES} bytes for ${n} buckets, got ${data.length}`,
      );
    }
    const buckets: RuleBucket[] = new Array(n);
    for (let i = 0, at = 24; i < n; i++, at += BUCKET_BYTES) {
      buckets[i] = ruleBucket(
        data.readDoubleLE(at),
        data.readDoubleLE(at + 8),
        data.readDoubleLE(at + 16),
        data.readDoubleLE(at + 24),
        data.readDoubleLE(at + 32),
        data.readDoubleLE(at + 40),
      );
    }
    return { evaluatedUntil: data.readDoubleLE(8), buckets };
  },
};

/** `u8 version | u8 phase | f64 activeAt (NaN: null) | f64 lastEvaluatedAt | f64 lastDataAt`. */
export const seriesAlertStateSerde: Serde<SeriesAlertState> = {
  name: 'series-alert-state',
  serialize: (_topic, state) => {
    const out = Buffer.allocUnsafe(26);
    out.writeUInt8(VERSION, 0);
    out.writeUInt8(PHASES.indexOf(state.phase), 1);
    out.writeDoubleLE(state.activeAt ?? Number.NaN, 2);
    out.writeDoubleLE(state.lastEvaluatedAt, 10);
    out.writeDoubleLE(state.lastDataAt, 18);
    return out;
  },
  deserialize: (topic, data) => {
    checkVersion('series-alert-state', topic, data, 26);
    if (data.length !== 26) fail('series-alert-state', topic, `expected 26 bytes, got ${data.length}`);
    const phase = PHASES[data.readUInt8(1)];
    if (phase === undefined) fail('series-alert-state', topic, `unknown phase ${data.readUInt8(1)}`);
    const activeAt = data.readDoubleLE(2);
    return {
      phase,
      activeAt: Number.isNaN(activeAt) ? null : activeAt,
      lastEvaluatedAt: data.readDoubleLE(10),
      lastDataAt: data.readDoubleLE(18),
    };
  },
};

function checkVersion(serde: string, topic: string, data: Buffer, minLength: number): void {
  if (data.length < minLength) fail(serde, topic, `expected at least ${minLength} bytes, got ${data.length}`);
  if (data[0] !== VERSION) fail(serde, topic, `unknown format version ${data[0]} (expected ${VERSION})`);
}

function fail(serde: string, topic: string, what: string): never {
  throw new SerializationError(`${serde} serde (topic '${topic}'): ${what}`, serde);
}
