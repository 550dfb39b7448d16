import type { ValueAndTimestamp } from '../../operators/api/record.js';
import type { Serde } from '../../schemas/serde.js';
import { prefixedSerializer } from '../../schemas/serdes.js';

const TWO_32 = 4294967296;

/**
 * Values of timestamped stores: the 8-byte big-endian timestamp, then the value's bytes (Kafka Streams'
 * ValueAndTimestampSerializer layout).
 */
export function valueAndTimestampSerde<V>(inner: Serde<V>): Serde<ValueAndTimestamp<V>> {
  // The value's bytes land behind the timestamp in the same Buffer (built-in serdes): no second Buffer per value.
  const serializeAfterTimestamp = prefixedSerializer(inner, 8);
  return {
    name: `ValueAndTimestamp<${inner.name}>`,
    // Schema-registry serdes resolve their ids before processing: the wrapper must pass preparation on.
    ...(inner.prepare ? { prepare: (target) => inner.prepare?.(target) ?? Promise.resolve() } : {}),
    serialize(topic, data, headers) {
      const out = serializeAfterTimestamp(topic, data.value, headers);
      const ts = data.timestamp;
      const hi = Math.floor(ts / TWO_32);
      out.writeInt32BE(hi, 0);
      out.writeUInt32BE(ts - hi * TWO_32, 4);
      return out;
    },
    deserialize(topic, data, headers) {
      if (data.length < 8) {
        throw new RangeError(`ValueAndTimestamp<${inner.name}>: ${data.length} bytes, expected at least 8`);
      }
      const timestamp = data.readInt32BE(0) * TWO_32 + data.readUInt32BE(4);
      return { value: inner.deserialize(topic, data.subarray(8), headers), timestamp };
    },
  };
}

/** The timestamp a timestamped store's changelog record and emits carry: the value's own. */
export function timestampOfValue(value: ValueAndTimestamp<unknown>): number {
  return value.timestamp;
}
