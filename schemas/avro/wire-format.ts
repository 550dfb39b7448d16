import { SerializationError } from '../serde.js';

/**
 * Confluent's wire format: one magic byte 0x00, the schema id as a big-endian int32, then the Avro binary body.
 * Every Confluent client (Java, librdkafka, Python...) reads and writes exactly this framing.
 */
export const MAGIC_BYTE = 0;
export const HEADER_SIZE = 5;

export function writeHeader(target: Buffer, schemaId: number): void {
  target[0] = MAGIC_BYTE;
  target.writeInt32BE(schemaId, 1);
}

/** The writer schema id of a framed record; throws a SerializationError naming the topic when the framing is wrong. */
export function readSchemaId(data: Buffer, topic: string, serde: string): number {
  if (data.length < HEADER_SIZE) {
    throw new SerializationError(
      `${serde}: record on topic "${topic}" has ${data.length} bytes, fewer than the 5-byte Confluent header`,
      serde,
    );
  }
  if (data[0] !== MAGIC_BYTE) {
    throw new SerializationError(
      `${serde}: record on topic "${topic}" starts with byte 0x${data[0].toString(16).padStart(2, '0')}, ` +
        'not the Confluent magic byte 0x00 (not written by a schema-registry serializer?)',
      serde,
    );
  }
  return data.readInt32BE(1);
}
