import type { Headers, Windowed } from '../operators/api/record.js';
import { type AvroSerdeOptions, avroSerde } from './avro/avro-serde.js';
import type { AvroSchema } from './avro/avro-type.js';
import type { RegistryClient } from './avro/registry-client.js';
import { type Serde, SerializationError } from './serde.js';

const TWO_POW_32 = 4294967296;

function fail(serde: string, topic: string, what: string): never {
  throw new SerializationError(`${serde} serde (topic '${topic}'): ${what}`, serde);
}

function expectLength(serde: string, topic: string, data: Buffer, length: number): void {
  if (data.length !== length) fail(serde, topic, `expected ${length} bytes, got ${data.length}`);
}

/**
 * Up to this length, an ASCII key is copied into a Buffer char by char: ~50 ns for a 10-char key against ~100 ns for
 * Buffer.from's native call (Node 20, measured); the loop costs ~3 ns a char.
 */
const ASCII_COPY_MAX = 24;
/**
 * The same for JSON texts: those of small aggregates are 20-40 chars, and up to this length the loop costs less than
 * Buffer.byteLength plus a native write (measured, Node 20).
 */
const ASCII_JSON_MAX = 64;

/**
 * `prefix` unwritten bytes, then the UTF-8 bytes of `text`, in one Buffer (the bytes Buffer.from writes). ASCII texts up
 * to `asciiCopyMax` chars are copied char by char, which is faster for the short strings keys and aggregates are.
 */
function utf8After(prefix: number, text: string, asciiCopyMax: number): Buffer {
  const n = text.length;
  if (n <= asciiCopyMax) {
    const out = Buffer.allocUnsafe(prefix + n);
    let i = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c > 0x7f) break;
      out[prefix + i++] = c;
    }
    if (i === n) return out;
  }
  const length = Buffer.byteLength(text, 'utf8');
  const out = Buffer.allocUnsafe(prefix + length);
  out.write(text, prefix, length, 'utf8');
  return out;
}

/** UTF-8 bytes of a string after `prefix` bytes; anything else is treated (and refused) as Buffer.from does. */
function utf8(prefix: number, data: string): Buffer {
  if (typeof data === 'string') return utf8After(prefix, data, ASCII_COPY_MAX);
  const bytes = Buffer.from(data, 'utf8');
  if (prefix === 0) return bytes;
  const out = Buffer.allocUnsafe(prefix + bytes.length);
  out.set(bytes, prefix);
  return out;
}

/** Serializes after `prefix` bytes the caller fills in; see `prefixedSerializer`. */
type PrefixedSerialize<T> = (prefix: number, topic: string, data: T) => Buffer;

/** Built-in serdes that write their bytes straight after a prefix. */
const prefixed = new WeakMap<object, PrefixedSerialize<never>>();

function withPrefixed<T>(serde: Serde<T>, serialize: PrefixedSerialize<T>): Serde<T> {
  prefixed.set(serde, serialize as PrefixedSerialize<never>);
  return serde;
}

/**
 * @internal A serializer of `serde` whose Buffers start with `prefix` bytes for the caller to fill (timestamped
 * store values: an 8-byte timestamp before the value). Built-in serdes write their bytes after the prefix directly;
 * any other serde's bytes are copied behind it. One Buffer per value instead of two: timestamped stores serialize
 * every flushed update.
 */
export function prefixedSerializer<T>(
  serde: Serde<T>,
  prefix: number,
): (topic: string, data: T, headers?: Headers) => Buffer {
  const direct = prefixed.get(serde) as PrefixedSerialize<T> | undefined;
  if (direct !== undefined) return (topic, data) => direct(prefix, topic, data);
  return (topic, data, headers) => {
    const value = serde.serialize(topic, data, headers);
    const out = Buffer.allocUnsafe(prefix + value.length);
    out.set(value, prefix); // a little cheaper than Buffer#copy for the small values stores usually hold
    return out;
  };
}

/**
 * @internal Whether `serde` is the built-in string serde: for an ASCII string its bytes are the string's char codes,
 * which lets stores derive their keys without a serde call (state/internals/key-encoder.ts).
 */
export function isStringSerde(serde: unknown): boolean {
  return serde === stringSerde;
}

/**
 * The last string the string serde wrote or read with one char per byte: ASCII, or U+FFFD for a byte that is not
 * UTF-8. Bytes equal to its char codes are ASCII and decode to it, so reading them again takes a comparison instead
 * of a decode (~10 ns instead of ~50 ns for a 10-char key). The test driver serializes each key it pipes and its
 * source reads the same bytes right after; a consumer reading a run of one key benefits alike. Exact whatever the
 * bytes: U+FFFD equals no byte, and a Buffer changed since it was written no longer matches.
 */
let lastOneBytePerChar = '';

function decodeUtf8(data: Buffer): string {
  const last = lastOneBytePerChar;
  const n = data.length;
  if (n === last.length && n <= ASCII_COPY_MAX) {
    let i = 0;
    while (i < n && data[i] === last.charCodeAt(i)) i++;
    if (i === n) return last;
  }
  // toString() without an encoding is UTF-8 and skips the encoding lookup.
  const text = data.toString();
  if (text.length === n) lastOneBytePerChar = text;
  return text;
}

const stringSerde: Serde<string> = withPrefixed<string>(
  {
    name: 'string',
    orderPreserving: true,
    serialize: (_topic, data) => {
      const bytes = utf8(0, data);
      if (bytes.length === data.length && typeof data === 'string') lastOneBytePerChar = data; // ASCII
      return bytes;
    },
    deserialize: (_topic, data) => decodeUtf8(data),
  },
  (prefix, _topic, data) => utf8(prefix, data),
);

/** The bytes of one double in the host's order (little-endian on every platform Node supports but a few). */
const doubleBits = new Float64Array(1);
const doubleBytes = new Uint8Array(doubleBits.buffer);
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Writes `value` as 8 big-endian bytes at `at`, as Buffer#writeDoubleBE does, without its argument checks (the
 * Buffer was just allocated to fit): ~20% fewer instructions per double serialized (measured, Node 20).
 */
function writeDoubleBE(out: Buffer, value: number, at: number): void {
  if (!LITTLE_ENDIAN_HOST) {
    out.writeDoubleBE(value, at);
    return;
  }
  doubleBits[0] = value;
  out[at] = doubleBytes[7];
  out[at + 1] = doubleBytes[6];
  out[at + 2] = doubleBytes[5];
  out[at + 3] = doubleBytes[4];
  out[at + 4] = doubleBytes[3];
  out[at + 5] = doubleBytes[2];
  out[at + 6] = doubleBytes[1];
  out[at + 7] = doubleBytes[0];
}

// 8-byte big-endian IEEE 754, as Kafka's DoubleSerializer writes it.
function doubleAfter(prefix: number, topic: string, data: number): Buffer {
  if (typeof data !== 'number') fail('double', topic, `expected a number, got ${typeof data}`);
  const out = Buffer.allocUnsafe(prefix + 8);
  writeDoubleBE(out, data, prefix);
  return out;
}

const doubleSerde: Serde<number> = withPrefixed<number>(
  {
    name: 'double',
    serialize: (topic, data) => doubleAfter(0, topic, data),
    deserialize: (topic, data) => {
      expectLength('double', topic, data, 8);
      return data.readDoubleBE(0);
    },
  },
  doubleAfter,
);

// 8-byte big-endian two's complement, as Kafka's LongSerializer writes it; JavaScript numbers hold safe integers only.
function longAfter(prefix: number, topic: string, data: number): Buffer {
  if (!Number.isSafeInteger(data)) fail('long', topic, `expected a safe integer, got ${String(data)}`);
  const out = Buffer.allocUnsafe(prefix + 8);
  out.writeInt32BE(Math.floor(data / TWO_POW_32), prefix);
  out.writeUInt32BE(data >>> 0, prefix + 4);
  return out;
}

const longSerde: Serde<number> = withPrefixed<number>(
  {
    name: 'long',
    serialize: (topic, data) => longAfter(0, topic, data),
    deserialize: (topic, data) => {
      expectLength('long', topic, data, 8);
      const value = data.readInt32BE(0) * TWO_POW_32 + data.readUInt32BE(4);
      if (!Number.isSafeInteger(value)) fail('long', topic, 'value exceeds Number.MAX_SAFE_INTEGER');
      return value;
    },
  },
  longAfter,
);

// 4-byte big-endian two's complement, as Kafka's IntegerSerializer writes it.
function intAfter(prefix: number, topic: string, data: number): Buffer {
  if (!Number.isInteger(data) || data < -2147483648 || data > 2147483647) {
    fail('int', topic, `expected a 32-bit integer, got ${String(data)}`);
  }
  const out = Buffer.allocUnsafe(prefix + 4);
  out.writeInt32BE(data, prefix);
  return out;
}

const intSerde: Serde<number> = withPrefixed<number>(
  {
    name: 'int',
    serialize: (topic, data) => intAfter(0, topic, data),
    deserialize: (topic, data) => {
      expectLength('int', topic, data, 4);
      return data.readInt32BE(0);
    },
  },
  intAfter,
);

const bytesSerde: Serde<Buffer> = {
  name: 'bytes',
  orderPreserving: true,
  serialize: (_topic, data) => data,
  deserialize: (_topic, data) => data,
};

function jsonText(topic: string, data: unknown): string {
  const text = JSON.stringify(data);
  if (text === undefined) fail('json', topic, `cannot serialize ${typeof data}`);
  return text;
}

function jsonSerde<T>(): Serde<T> {
  return withPrefixed<T>(
    {
      name: 'json',
      serialize: (topic, data) => utf8After(0, jsonText(topic, data), ASCII_JSON_MAX),
      deserialize: (topic, data) => {
        try {
          return JSON.parse(data.toString('utf8')) as T;
        } catch (e) {
          throw new SerializationError(`json serde (topic '${topic}'): ${(e as Error).message}`, 'json', {
            cause: e,
          });
        }
      },
    },
    (prefix, topic, data) => utf8After(prefix, jsonText(topic, data), ASCII_JSON_MAX),
  );
}

function writeLong(out: Buffer, value: number, offset: number): void {
  out.writeInt32BE(Math.floor(value / TWO_POW_32), offset);
  out.writeUInt32BE(value >>> 0, offset + 4);
}

function readLong(data: Buffer, offset: number): number {
  return data.readInt32BE(offset) * TWO_POW_32 + data.readUInt32BE(offset + 4);
}

/** Inner key bytes followed by fixed-size window fields; `encode`/`decode` say which fields and in what order. */
function windowedSerde<K>(
  name: string,
  inner: Serde<K>,
  suffixLength: number,
  encode: (window: Windowed<K>['window'], out: Buffer, offset: number) => void,
  decode: (data: Buffer, offset: number) => Windowed<K>['window'],
): Serde<Windowed<K>> {
  return {
    name: `${name}(${inner.name})`,
    // Schema-registry serdes resolve their ids before processing: the wrapper must pass preparation on.
    ...(inner.prepare ? { prepare: (target) => inner.prepare?.(target) ?? Promise.resolve() } : {}),
    serialize: (topic, data) => {
      const key = inner.serialize(topic, data.key);
      const out = Buffer.allocUnsafe(key.length + suffixLength);
      key.copy(out, 0);
      encode(data.window, out, key.length);
      return out;
    },
    deserialize: (topic, data) => {
      if (data.length < suffixLength)
        fail(name, topic, `expected at least ${suffixLength} bytes, got ${data.length}`);
      const keyLength = data.length - suffixLength;
      return { key: inner.deserialize(topic, data.subarray(0, keyLength)), window: decode(data, keyLength) };
    },
  };
}

/**
 * @internal Whether reading a value costs next to nothing (fixed-width numbers, raw bytes): stores then do not
 * remember decoded values (state/internals/store-core.ts), which would cost more than decoding again.
 */
export function deserializesCheaply(serde: unknown): boolean {
  return serde === doubleSerde || serde === longSerde || serde === intSerde || serde === bytesSerde;
}

/** Built-in serdes (Kafka's `Serdes`), byte-compatible with the Java ones where Java has an equivalent. */
export const Serdes = {
  /** UTF-8. Order-preserving. */
  string: (): Serde<string> => stringSerde,
  /** 8-byte IEEE 754 big-endian (Java `Double`). */
  double: (): Serde<number> => doubleSerde,
  /** 8-byte big-endian integer (Java `Long`), safe integers only. Order-preserving for non-negative values only. */
  long: (): Serde<number> => longSerde,
  /** 4-byte big-endian integer (Java `Integer`). Order-preserving for non-negative values only. */
  int: (): Serde<number> => intSerde,
  /** Raw bytes, unchanged. Order-preserving. */
  bytes: (): Serde<Buffer> => bytesSerde,
  /** UTF-8 JSON; the type parameter is trusted, not validated. */
  json: <T>(): Serde<T> => jsonSerde<T>(),
  /**
   * Avro in Confluent's wire format (magic byte, 4-byte schema id, Avro binary). Schema ids are resolved once per
   * topic in `prepare()` (the runtime and the driver call it); records are encoded with avsc, no registry call per
   * record. `registry` is a schema-registry client (`lazySchemaRegistryClient(url)`, or the registry package's
   * MockClient in tests).
   */
  avro: <T>(schema: AvroSchema, registry: RegistryClient, options?: AvroSerdeOptions): Serde<T> =>
    avroSerde<T>(schema, registry, options),
  /**
   * Windowed keys as `<inner key><start: 8 bytes><end: 8 bytes>`: self-describing, for any window type.
   * Use `timeWindowed`/`sessionWindowed` to exchange data with Kafka Streams applications.
   */
  windowed: <K>(inner: Serde<K>): Serde<Windowed<K>> =>
    windowedSerde(
      'windowed',
      inner,
      16,
      (w, out, at) => {
        writeLong(out, w.start, at);
        writeLong(out, w.end, at + 8);
      },
      (data, at) => ({ start: readLong(data, at), end: readLong(data, at + 8) }),
    ),
  /** Kafka Streams' `TimeWindowedSerde`: `<inner key><start: 8 bytes>`; the end is start + windowSizeMs. */
  timeWindowed: <K>(inner: Serde<K>, windowSizeMs: number): Serde<Windowed<K>> =>
    windowedSerde(
      'timeWindowed',
      inner,
      8,
      (w, out, at) => writeLong(out, w.start, at),
      (data, at) => {
        const start = readLong(data, at);
        return { start, end: start + windowSizeMs };
      },
    ),
  /** Kafka Streams' `SessionWindowedSerde`: `<inner key><end: 8 bytes><start: 8 bytes>`. */
  sessionWindowed: <K>(inner: Serde<K>): Serde<Windowed<K>> =>
    windowedSerde(
      'sessionWindowed',
      inner,
      16,
      (w, out, at) => {
        writeLong(out, w.end, at);
        writeLong(out, w.start, at + 8);
      },
      (data, at) => ({ end: readLong(data, at), start: readLong(data, at + 8) }),
    ),
} as const;
