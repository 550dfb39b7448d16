import { describe, expect, it } from 'vitest';
import { avroSerde, avroType, type RegistryClient } from '../../../schemas/avro/index.js';
import { type Serde, SerdeNotReadyError, SerializationError } from '../../../schemas/serde.js';
import { AvroDeserializer, AvroSerializer, MockClient, SerdeType } from './confluent-registry.js';

interface SampleV1 {
  name: string;
  labels: Record<string, string>;
  value: number;
  timestamp: number;
}
interface SampleV2 extends SampleV1 {
  unit: string;
}

const sampleV1 = {
  type: 'record',
  name: 'Sample',
  namespace: 'test.avro',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'labels', type: { type: 'map', values: 'string' } },
    { name: 'value', type: 'double' },
    { name: 'timestamp', type: { type: 'long', logicalType: 'timestamp-millis' } },
  ],
} as const;
// v2 adds a field with a default: backward and forward compatible with v1.
const sampleV2 = { ...sampleV1, fields: [...sampleV1.fields, { name: 'unit', type: 'string', default: '' }] };

const record: SampleV1 = {
  name: 'cpu_usage',
  labels: { host: 'server-1' },
  value: 65.2,
  timestamp: 1_764_331_200_000,
};
const value = { topic: 'metrics', isKey: false };

/** A MockClient that counts the registry calls the serde makes. */
function countingRegistry(client = new MockClient()) {
  const calls = { register: 0, getId: 0, getLatestSchemaMetadata: 0, getBySubjectAndId: 0 };
  const registry: RegistryClient = {
    register(subject, schema, normalize) {
      calls.register++;
      return client.register(subject, schema, normalize);
    },
    getId(subject, schema) {
      calls.getId++;
      return client.getId(subject, schema);
    },
    getLatestSchemaMetadata(subject) {
      calls.getLatestSchemaMetadata++;
      return client.getLatestSchemaMetadata(subject);
    },
    getBySubjectAndId(subject, id) {
      calls.getBySubjectAndId++;
      return client.getBySubjectAndId(subject, id);
    },
  };
  return { client, registry, calls };
}

/** Deserializes, doing what the runtime does on SerdeNotReadyError: await prepare() and retry once. */
async function readWithRetry<T>(serde: Serde<T>, topic: string, bytes: Buffer): Promise<T> {
  try {
    return serde.deserialize(topic, bytes);
  } catch (e) {
    if (!(e instanceof SerdeNotReadyError)) throw e;
    await e.prepare();
    return serde.deserialize(topic, bytes);
  }
}

describe('avroSerde', () => {
  it('round-trips a record through the Confluent wire format', async () => {
    const { registry } = countingRegistry();
    const serde = avroSerde<SampleV1>(sampleV1, registry);
    await serde.prepare?.(value);
    expect(serde.deserialize('metrics', serde.serialize('metrics', record))).toEqual(record);
    expect(serde.name).toBe('avro(test.avro.Sample)');
  });

  it('writes 0x00, the registered schema id as int32 big-endian, then the plain Avro body', async () => {
    const { client, registry } = countingRegistry();
    // Occupy ids 1 and 2 so that the id under test has non-trivial bytes.
    await client.register('other-a', { schemaType: 'AVRO', schema: '"string"' });
    await client.register('other-b', { schemaType: 'AVRO', schema: '"long"' });
    const serde = avroSerde<SampleV1>(sampleV1, registry);
    await serde.prepare?.(value);
    const id = await client.getId('metrics-value', { schemaType: 'AVRO', schema: JSON.stringify(sampleV1) });
    expect(id).toBe(3);
    const bytes = serde.serialize('metrics', record);
    expect([...bytes.subarray(0, 5)]).toEqual([0x00, 0x00, 0x00, 0x00, 0x03]);
    expect(bytes.subarray(5)).toEqual(avroType(sampleV1).toBuffer(record));
  });

  it('registers under <topic>-key / <topic>-value (TopicNameStrategy) by default', async () => {
    const { client, registry } = countingRegistry();
    const keySerde = avroSerde<SampleV1>(sampleV1, registry);
    await keySerde.prepare?.({ topic: 'metrics', isKey: true });
    const valueSerde = avroSerde<SampleV1>(sampleV1, registry);
    await valueSerde.prepare?.(value);
    expect((await client.getAllSubjects()).sort()).toEqual(['metrics-key', 'metrics-value']);
  });

  it('resolves the schema id once per topic: no registry call per record, even when reading', async () => {
    const { registry, calls } = countingRegistry();
    const serde = avroSerde<SampleV1>(sampleV1, registry);
    await serde.prepare?.(value);
    await serde.prepare?.(value); // preparing again is free
    for (let i = 0; i < 1000; i++) {
      const bytes = serde.serialize('metrics', { ...record, value: i });
      expect(serde.deserialize('metrics', bytes).value).toBe(i);
    }
    expect(calls).toEqual({ register: 1, getId: 0, getLatestSchemaMetadata: 0, getBySubjectAndId: 0 });
  });

  it('shares one registry call between concurrent prepare() calls for the same topic', async () => {
    const { registry, calls } = countingRegistry();
    const serde = avroSerde<SampleV1>(sampleV1, registry);
    await Promise.all([serde.prepare?.(value), serde.prepare?.(value), serde.prepare?.(value)]);
    expect(calls.register).toBe(1);
  });

  it('throws SerdeNotReadyError for an unknown writer id; its prepare() fetches the schema once', async () => {
    const { registry, calls } = countingRegistry();
    const writer = avroSerde<SampleV1>(sampleV1, registry);
    await writer.prepare?.(value);
    const bytes = writer.serialize('metrics', record);

    const reader = avroSerde<SampleV1>(sampleV1, registry, { autoRegister: false });
    let notReady: unknown;
    try {
      reader.deserialize('metrics', bytes);
    } catch (e) {
      notReady = e;
    }
    expect(notReady).toBeInstanceOf(SerdeNotReadyError);
    expect((notReady as Error).message).toContain('writer schema id 1');
    await (notReady as SerdeNotReadyError).prepare();
    expect(reader.deserialize('metrics', bytes)).toEqual(record);
    for (let i = 0; i < 100; i++) reader.deserialize('metrics', bytes);
    expect(calls.getBySubjectAndId).toBe(1);
  });

  it('serialize on a topic that was never prepared throws SerdeNotReadyError whose prepare() makes it work', async () => {
    const { client, registry } = countingRegistry();
    const serde = avroSerde<SampleV1>(sampleV1, registry);
    await serde.prepare?.({ topic: 'a', isKey: true });
    let notReady: unknown;
    try {
      serde.serialize('b', record);
    } catch (e) {
      notReady = e;
    }
    expect(notReady).toBeInstanceOf(SerdeNotReadyError);
    await (notReady as SerdeNotReadyError).prepare();
    expect(serde.deserialize('b', serde.serialize('b', record))).toEqual(record);
    // Prepared like the first topic: as a key serde.
    expect((await client.getAllSubjects()).sort()).toEqual(['a-key', 'b-key']);
  });

  describe('schema evolution', () => {
    it('reads records written with v1 as v2, filling in the default of the added field', async () => {
      const { registry } = countingRegistry();
      const v1 = avroSerde<SampleV1>(sampleV1, registry);
      await v1.prepare?.(value);
      const bytes = v1.serialize('metrics', record);
      const v2 = avroSerde<SampleV2>(sampleV2, registry);
      await v2.prepare?.(value);
      expect(await readWithRetry(v2, 'metrics', bytes)).toEqual({ ...record, unit: '' });
    });

    it('reads records written with v2 as v1, dropping the field v1 does not know', async () => {
      const { registry } = countingRegistry();
      const v2 = avroSerde<SampleV2>(sampleV2, registry);
      await v2.prepare?.(value);
      const bytes = v2.serialize('metrics', { ...record, unit: 'percent' });
      const v1 = avroSerde<SampleV1>(sampleV1, registry, { autoRegister: false, subject: 'unused' });
      expect(await readWithRetry(v1, 'metrics', bytes)).toEqual(record);
    });

    it('useLatestVersion writes with the latest registered schema (filling its defaults)', async () => {
      const { client, registry } = countingRegistry();
      const latestId = await client.register('metrics-value', {
        schemaType: 'AVRO',
        schema: JSON.stringify(sampleV2),
      });
      const v1 = avroSerde<SampleV1>(sampleV1, registry, { useLatestVersion: true });
      await v1.prepare?.(value);
      const bytes = v1.serialize('metrics', record);
      expect(bytes.readInt32BE(1)).toBe(latestId);
      expect(v1.deserialize('metrics', bytes)).toEqual(record);
      const v2 = avroSerde<SampleV2>(sampleV2, registry, { autoRegister: false });
      await v2.prepare?.(value);
      expect(v2.deserialize('metrics', bytes)).toEqual({ ...record, unit: '' });
    });

    it('a fixed subject is used for every topic', async () => {
      const { client, registry } = countingRegistry();
      const serde = avroSerde<SampleV1>(sampleV1, registry, { subject: 'tributary.Sample' });
      await serde.prepare?.({ topic: 'a', isKey: false });
      await serde.prepare?.({ topic: 'b', isKey: false });
      expect(await client.getAllSubjects()).toEqual(['tributary.Sample']);
      expect(serde.serialize('a', record).readInt32BE(1)).toBe(serde.serialize('b', record).readInt32BE(1));
    });
  });

  describe('interoperability with the Confluent serializers', () => {
    it('reads what AvroSerializer wrote and writes what AvroDeserializer reads', async () => {
      const { client, registry } = countingRegistry();
      await client.register('metrics-value', { schemaType: 'AVRO', schema: JSON.stringify(sampleV1) });
      const confluentWriter = new AvroSerializer(client, SerdeType.VALUE, { useLatestVersion: true });
      const confluentReader = new AvroDeserializer(client, SerdeType.VALUE, {});
      const ours = avroSerde<SampleV1>(sampleV1, registry);
      await ours.prepare?.(value);

      expect(ours.deserialize('metrics', await confluentWriter.serialize('metrics', record))).toEqual(record);
      expect({
        ...(await confluentReader.deserialize('metrics', ours.serialize('metrics', record))),
      }).toEqual(record);
    });
  });

  describe('errors', () => {
    async function prepared() {
      const { registry } = countingRegistry();
      const serde = avroSerde<SampleV1>(sampleV1, registry);
      await serde.prepare?.(value);
      return serde;
    }

    it('names the topic, subject, schema and offending fields when a value does not fit', async () => {
      const serde = await prepared();
      const bad = { name: 'cpu', labels: { host: 42 }, value: '1' } as unknown as SampleV1;
      expect(() => serde.serialize('metrics', bad)).toThrow(SerializationError);
      expect(() => serde.serialize('metrics', bad)).toThrow(
        'avro(test.avro.Sample): cannot write value for topic "metrics" (subject "metrics-value", schema id 1, ' +
          'test.avro.Sample): field "labels.host": expected string, got 42 (number); ' +
          'field "value": expected double, got "1"; field "timestamp": expected long, got undefined (missing)',
      );
    });

    it('rejects bytes without the Confluent header', async () => {
      const serde = await prepared();
      expect(() => serde.deserialize('metrics', Buffer.from([0x01, 0, 0, 0, 1, 2]))).toThrow(
        /topic "metrics" starts with byte 0x01, not the Confluent magic byte/,
      );
      expect(() => serde.deserialize('metrics', Buffer.from([0x00, 0]))).toThrow(/fewer than the 5-byte/);
    });

    it('rejects truncated records and trailing bytes', async () => {
      const serde = await prepared();
      const bytes = serde.serialize('metrics', record);
      expect(() => serde.deserialize('metrics', bytes.subarray(0, bytes.length - 3))).toThrow(
        'cannot read record on topic "metrics" written with schema id 1: truncated record',
      );
      expect(() => serde.deserialize('metrics', Buffer.concat([bytes, Buffer.from([1])]))).toThrow(
        /trailing bytes after the record/,
      );
    });

    it('fails prepare() clearly when the writer id is not in the registry', async () => {
      const serde = await prepared();
      const bytes = Buffer.from([0, 0, 0, 0, 99, 1]);
      const notReady = (() => {
        try {
          serde.deserialize('metrics', bytes);
        } catch (e) {
          return e as SerdeNotReadyError;
        }
      })();
      await expect(notReady?.prepare()).rejects.toThrow(
        /topic "metrics" written with schema id 99: the registry has no schema with this id/,
      );
    });

    it('fails prepare() clearly when the writer schema cannot be resolved into the reader schema', async () => {
      const { client, registry } = countingRegistry();
      const incompatible = { ...sampleV1, fields: [{ name: 'name', type: 'long' }] };
      const id = await client.register('other', { schemaType: 'AVRO', schema: JSON.stringify(incompatible) });
      const serde = avroSerde<SampleV1>(sampleV1, registry);
      await serde.prepare?.(value);
      const bytes = Buffer.concat([
        Buffer.from([0, 0, 0, 0, id]),
        avroType(incompatible).toBuffer({ name: 1 }),
      ]);
      await expect(readWithRetry(serde, 'metrics', bytes)).rejects.toThrow(
        `records written with schema id ${id} (test.avro.Sample) cannot be read as test.avro.Sample: ` +
          'cannot read "long" as "string"',
      );
    });

    it('fails prepare() naming the subject when autoRegister is off and the schema is not registered', async () => {
      const { registry } = countingRegistry();
      const serde = avroSerde<SampleV1>(sampleV1, registry, { autoRegister: false });
      await expect(serde.prepare?.(value)).rejects.toThrow(
        'cannot find this schema (autoRegister is off) under subject "metrics-value" for topic "metrics"',
      );
    });

    it('refuses a registered schema that is not Avro', async () => {
      const { client, registry } = countingRegistry();
      await client.register('metrics-value', { schemaType: 'JSON', schema: '{"type":"object"}' });
      const serde = avroSerde<SampleV1>(sampleV1, registry, { useLatestVersion: true });
      await expect(serde.prepare?.(value)).rejects.toThrow(/the registered schema is JSON, not AVRO/);
    });
  });
});
