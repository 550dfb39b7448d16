// The serde of Changes on a repartition topic (KTable.groupBy sends old and new values to the aggregation), in Kafka
// Streams' ChangedSerializer format so that the bytes are those a Java application writes:
//   old only:  <old><0>      new only:  <new><1>      both:  <zigzag varint len(new)><new><old><2>
import type { Serde } from '../../schemas/serde.js';
import { SerializationError } from '../../schemas/serde.js';
import type { Change } from './change.js';

const OLD_ONLY = 0;
const NEW_ONLY = 1;
const BOTH = 2;

function writeVarint(value: number): Buffer {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  const bytes: number[] = [];
  while ((v & ~0x7f) !== 0) {
    bytes.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

function readVarint(data: Buffer, topic: string): { value: number; length: number } {
  let raw = 0;
  let shift = 0;
  for (let i = 0; i < data.length && i < 5; i++) {
    const b = data[i];
    raw |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) {
      const u = raw >>> 0;
      return { value: (u >>> 1) ^ -(u & 1), length: i + 1 };
    }
    shift += 7;
  }
  throw new SerializationError(`change serde (topic '${topic}'): malformed length prefix`, 'change');
}

export function changeSerde<V>(inner: Serde<V>): Serde<Change<V>> {
  const prepare = inner.prepare;
  return {
    name: `change(${inner.name})`,
    serialize: (topic, change, headers) => {
      const { newValue, oldValue } = change;
      if (newValue != null && oldValue != null) {
        const n = inner.serialize(topic, newValue, headers);
        const o = inner.serialize(topic, oldValue, headers);
        return Buffer.concat([writeVarint(n.length), n, o, Buffer.of(BOTH)]);
      }
      if (newValue != null)
        return Buffer.concat([inner.serialize(topic, newValue, headers), Buffer.of(NEW_ONLY)]);
      if (oldValue != null)
        return Buffer.concat([inner.serialize(topic, oldValue, headers), Buffer.of(OLD_ONLY)]);
      throw new SerializationError(
        `change serde (topic '${topic}'): a change needs an old or a new value`,
        'change',
      );
    },
    deserialize: (topic, data, headers) => {
      if (data.length === 0)
        throw new SerializationError(`change serde (topic '${topic}'): no bytes`, 'change');
      const flag = data[data.length - 1];
      const body = data.subarray(0, data.length - 1);
      if (flag === NEW_ONLY) return { newValue: inner.deserialize(topic, body, headers), oldValue: null };
      if (flag === OLD_ONLY) return { newValue: null, oldValue: inner.deserialize(topic, body, headers) };
      if (flag === BOTH) {
        const { value: newLength, length } = readVarint(body, topic);
        if (newLength < 0 || length + newLength > body.length) {
          throw new SerializationError(`change serde (topic '${topic}'): bad new-value length`, 'change');
        }
        const newBytes = body.subarray(length, length + newLength);
        const oldBytes = body.subarray(length + newLength);
        return {
          newValue: inner.deserialize(topic, newBytes, headers),
          oldValue: inner.deserialize(topic, oldBytes, headers),
        };
      }
      throw new SerializationError(
        `change serde (topic '${topic}'): unknown encoding flag ${flag}`,
        'change',
      );
    },
    ...(prepare ? { prepare: (target) => prepare.call(inner, target) } : {}),
  };
}
