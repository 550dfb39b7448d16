import { DDSketch } from './ddsketch.js';
import type { DenseStore } from './dense-store.js';

/**
 * Tributary sketch format v1 (the `sketch` bytes of a Rollup; docs/schemas.md):
 *   u8 version = 1 | f64 relativeAccuracy | f64 sum | f64 min | f64 max | varint zeroCount
 *   | store positive | store negative
 * store: varint binCount, then (when binCount > 0) zigzag-varint firstIndex and binCount varint counts (empty bins
 * included: a dense run of small integers is one byte per bin). f64 are little-endian. count = sum of all counts.
 */
export const SKETCH_FORMAT_VERSION = 1;

export function encodeSketch(sketch: DDSketch): Buffer {
  const cached = sketch.encoded;
  if (cached !== undefined) return cached;
  const out = writer;
  out.reset();
  out.u8(SKETCH_FORMAT_VERSION);
  out.f64(sketch.relativeAccuracy);
  out.f64(sketch.sum);
  out.f64(sketch.min);
  out.f64(sketch.max);
  out.varint(sketch.zeroCount);
  writeStore(out, sketch.positive);
  writeStore(out, sketch.negative);
  const bytes = out.finish();
  sketch.encoded = bytes;
  return bytes;
}

export function decodeSketch(bytes: Buffer): DDSketch {
  const input = new ByteReader(bytes);
  const version = input.u8();
  if (version !== SKETCH_FORMAT_VERSION) {
    throw new RangeError(
      `sketch bytes: unknown format version ${version} (expected ${SKETCH_FORMAT_VERSION})`,
    );
  }
  const sketch = new DDSketch({ relativeAccuracy: input.f64() });
  const sum = input.f64();
  const min = input.f64();
  const max = input.f64();
  const zeroCount = input.varint();
  readStore(input, sketch.positive);
  readStore(input, sketch.negative);
  if (!input.atEnd()) throw new RangeError(`sketch bytes: ${bytes.length - input.pos} trailing bytes`);
  sketch.zeroCount = zeroCount;
  sketch.count = zeroCount + sketch.positive.total + sketch.negative.total;
  sketch.sum = sum;
  sketch.min = min;
  sketch.max = max;
  return sketch;
}

function writeStore(out: ByteWriter, store: DenseStore): void {
  if (store.total === 0) {
    out.varint(0);
    return;
  }
  // Trim empty bins at both ends (collapsing or merging can leave some).
  let first = store.minIndex;
  let last = store.maxIndex;
  while (store.countAt(first) === 0) first++;
  while (store.countAt(last) === 0) last--;
  out.varint(last - first + 1);
  out.zigzag(first);
  for (let index = first; index <= last; index++) out.varint(store.countAt(index));
}

function readStore(input: ByteReader, store: DenseStore): void {
  const bins = input.varint();
  if (bins === 0) return;
  const first = input.zigzag();
  // Size the store for the whole range once, then fill it.
  store.reserve(first, first + bins - 1);
  for (let i = 0; i < bins; i++) {
    const count = input.varint();
    if (count !== 0) store.add(first + i, count);
  }
}

/** Unsigned LEB128 varints on plain numbers (counts may exceed 2^32), zigzag for signed bin indexes. */
class ByteWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  reset(): void {
    this.pos = 0;
  }

  u8(value: number): void {
    this.ensure(1);
    this.buf[this.pos++] = value;
  }

  f64(value: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }

  varint(value: number): void {
    this.ensure(8);
    while (value >= 0x80) {
      this.buf[this.pos++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    this.buf[this.pos++] = value;
  }

  zigzag(value: number): void {
    this.varint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  /** A copy of what was written (from Node's pool when small): the writer's buffer is used again. */
  finish(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }

  private ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }
}

class ByteReader {
  pos = 0;

  constructor(private readonly buf: Buffer) {}

  atEnd(): boolean {
    return this.pos === this.buf.length;
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }

  f64(): number {
    this.need(8);
    const value = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return value;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const byte = this.u8();
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
      if (scale > 2 ** 56) throw new RangeError('sketch bytes: varint too long');
    }
  }

  zigzag(): number {
    const raw = this.varint();
    return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  }

  private need(bytes: number): void {
    if (this.pos + bytes > this.buf.length) throw new RangeError('sketch bytes: truncated');
  }
}

/** One writer for every encoding (encoding is synchronous): a sketch costs one allocation, its bytes. */
const writer = new ByteWriter(256);
