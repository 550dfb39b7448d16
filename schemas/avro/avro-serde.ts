import type { SchemaInfo } from '@confluentinc/schemaregistry';
import type { Resolver, Type } from 'avsc';
import { type Serde, SerdeNotReadyError, type SerdeTarget, SerializationError } from '../serde.js';
import { type AvroSchema, avroType, avroTypeName, parseSchemaText, schemaText } from './avro-type.js';
import { describeInvalidValue } from './invalid-value.js';
import type { RegistryClient } from './registry-client.js';
import { type SubjectNameStrategy, subjectFor } from './subject-name.js';
import { HEADER_SIZE, readSchemaId, writeHeader } from './wire-format.js';

export interface AvroSerdeOptions {
  /** Registry subject: a fixed name, or a function of the topic; default `<topic>-key|value` (TopicNameStrategy). */
  readonly subject?: SubjectNameStrategy;
  /** Register this serde's schema under the subject in `prepare()` (default true); false only looks its id up. */
  readonly autoRegister?: boolean;
  /**
   * Write with the latest schema registered under the subject instead of this serde's own schema (Confluent's
   * `useLatestVersion`). Values must fit that schema; reading still yields this serde's schema.
   */
  readonly useLatestVersion?: boolean;
  /** Ask the registry to normalize the schema when registering or looking it up. */
  readonly normalize?: boolean;
}

interface Writer {
  readonly id: number;
  readonly type: Type;
  readonly subject: string;
}

interface Reader {
  /** Absent when the writer schema is the reader schema: no resolution needed. */
  readonly resolver: Resolver | undefined;
}

const INITIAL_SCRATCH_BYTES = 1024;

/**
 * A `Serde<T>` for Avro in Confluent's wire format. Registry calls happen only in `prepare()` (schema id per topic)
 * and when a record written with an unknown schema id is read (a `SerdeNotReadyError` whose `prepare()` fetches that
 * schema once). Per record it only encodes or decodes with avsc, so it runs at avsc's speed.
 *
 * The schema given is the writer schema (unless `useLatestVersion`) and always the reader schema: records written
 * with other registered versions are resolved into it with Avro's schema-resolution rules (fields added with a
 * default are filled in, removed fields skipped).
 *
 * A serde instance serves either keys or values, as in Kafka: a topic that was never prepared is prepared as the
 * first prepared topic was (key or value).
 */
export function avroSerde<T>(
  schema: AvroSchema,
  registry: RegistryClient,
  options: AvroSerdeOptions = {},
): Serde<T> {
  return new AvroSerde<T>(schema, registry, options);
}

class AvroSerde<T> implements Serde<T> {
  readonly name: string;
  private readonly type: Type;
  private readonly schemaText: string;
  private readonly writers = new Map<string, Writer>();
  private readonly readers = new Map<number, Reader>();
  private readonly pendingWriters = new Map<string, Promise<void>>();
  private readonly pendingReaders = new Map<number, Promise<void>>();
  private isKey: boolean | undefined;
  // Records are encoded into this reusable buffer and copied out once: one allocation per record.
  private scratch = Buffer.allocUnsafe(INITIAL_SCRATCH_BYTES);

  constructor(
    schema: AvroSchema,
    private readonly registry: RegistryClient,
    private readonly options: AvroSerdeOptions,
  ) {
    this.type = avroType(schema);
    this.schemaText = schemaText(schema);
    this.name = `avro(${avroTypeName(this.type)})`;
  }

  readonly serialize = (topic: string, data: T): Buffer => {
    const writer = this.writers.get(topic);
    if (writer === undefined) {
      throw new SerdeNotReadyError(`${this.name}: no schema id for topic "${topic}" yet`, () =>
        this.prepare({ topic, isKey: this.isKey ?? false }),
      );
    }
    let end: number;
    try {
      end = writer.type.encode(data, this.scratch, HEADER_SIZE);
      if (end < 0) {
        // avsc reports how many bytes were missing; grow once and encode again.
        this.scratch = Buffer.allocUnsafe(Math.max(this.scratch.length * 2, this.scratch.length - end));
        end = writer.type.encode(data, this.scratch, HEADER_SIZE);
      }
    } catch (e) {
      throw new SerializationError(
        `${this.name}: cannot write value for topic "${topic}" (subject "${writer.subject}", schema id ${writer.id}, ` +
          `${avroTypeName(writer.type)}): ${describeInvalidValue(writer.type, data)}`,
        this.name,
        { cause: e },
      );
    }
    const out = Buffer.allocUnsafe(end);
    writeHeader(out, writer.id);
    this.scratch.copy(out, HEADER_SIZE, HEADER_SIZE, end);
    return out;
  };

  readonly deserialize = (topic: string, data: Buffer): T => {
    const id = readSchemaId(data, topic, this.name);
    const reader = this.readers.get(id);
    if (reader === undefined) {
      throw new SerdeNotReadyError(
        `${this.name}: writer schema id ${id} on topic "${topic}" is not cached`,
        () => this.loadWriterSchema(topic, id),
      );
    }
    let decoded: { value: unknown; offset: number };
    try {
      decoded = this.type.decode(data, HEADER_SIZE, reader.resolver);
    } catch (e) {
      throw this.unreadable(topic, id, (e as Error).message, e);
    }
    if (decoded.offset !== data.length) {
      throw this.unreadable(
        topic,
        id,
        decoded.offset < 0 ? 'truncated record' : 'trailing bytes after the record',
      );
    }
    return decoded.value as T;
  };

  // A property, like serialize/deserialize, so that it works detached from the serde.
  readonly prepare = (target: SerdeTarget): Promise<void> => {
    this.isKey ??= target.isKey;
    if (this.writers.has(target.topic)) return Promise.resolve();
    let pending = this.pendingWriters.get(target.topic);
    if (pending === undefined) {
      pending = this.resolveWriter(target).finally(() => this.pendingWriters.delete(target.topic));
      this.pendingWriters.set(target.topic, pending);
    }
    return pending;
  };

  private async resolveWriter(target: SerdeTarget): Promise<void> {
    const subject = subjectFor(this.options.subject, target);
    const info: SchemaInfo = { schemaType: 'AVRO', schema: this.schemaText };
    const normalize = this.options.normalize ?? false;
    try {
      if (this.options.useLatestVersion) {
        const latest = await this.registry.getLatestSchemaMetadata(subject);
        if (latest.id === undefined) throw new Error('the registry returned no schema id');
        const writerType = this.writerTypeOf(latest);
        this.rememberReader(latest.id, writerType);
        this.writers.set(target.topic, { id: latest.id, type: writerType, subject });
        return;
      }
      const id =
        this.options.autoRegister === false
          ? await this.registry.getId(subject, info, normalize)
          : await this.registry.register(subject, info, normalize);
      this.rememberReader(id, this.type);
      this.writers.set(target.topic, { id, type: this.type, subject });
    } catch (e) {
      const action = this.options.useLatestVersion
        ? 'get the latest schema of'
        : this.options.autoRegister === false
          ? 'find this schema (autoRegister is off) under'
          : 'register this schema under';
      throw new SerializationError(
        `${this.name}: cannot ${action} subject "${subject}" for topic "${target.topic}": ${(e as Error).message}`,
        this.name,
        { cause: e },
      );
    }
  }

  private loadWriterSchema(topic: string, id: number): Promise<void> {
    if (this.readers.has(id)) return Promise.resolve();
    let pending = this.pendingReaders.get(id);
    if (pending === undefined) {
      pending = this.fetchWriterSchema(topic, id).finally(() => this.pendingReaders.delete(id));
      this.pendingReaders.set(id, pending);
    }
    return pending;
  }

  private async fetchWriterSchema(topic: string, id: number): Promise<void> {
    // Ids are global in a registry; the subject is only a hint (the real registry uses it to pick a context).
    const hint = this.writers.get(topic)?.subject ?? '';
    let info: SchemaInfo;
    try {
      info = await this.registry.getBySubjectAndId(hint, id).catch((e) => {
        if (hint === '') throw e;
        return this.registry.getBySubjectAndId('', id);
      });
    } catch (e) {
      throw this.unreadable(
        topic,
        id,
        `the registry has no schema with this id (${(e as Error).message})`,
        e,
      );
    }
    let writerType: Type;
    try {
      writerType = this.writerTypeOf(info);
    } catch (e) {
      throw this.unreadable(topic, id, (e as Error).message, e);
    }
    this.rememberReader(id, writerType);
  }

  private writerTypeOf(info: SchemaInfo): Type {
    if (info.schemaType !== undefined && info.schemaType !== 'AVRO') {
      throw new Error(`the registered schema is ${info.schemaType}, not AVRO`);
    }
    if (info.references !== undefined && info.references.length > 0) {
      throw new Error('schemas with references are not supported');
    }
    return avroType(parseSchemaText(info.schema));
  }

  /** Caches how to read records written with schema `id`, resolving them into this serde's schema. */
  private rememberReader(id: number, writerType: Type): void {
    if (this.readers.has(id)) return;
    if (writerType.equals(this.type)) {
      this.readers.set(id, { resolver: undefined });
      return;
    }
    let resolver: Resolver;
    try {
      resolver = this.type.createResolver(writerType);
    } catch (e) {
      throw new SerializationError(
        `${this.name}: records written with schema id ${id} (${avroTypeName(writerType)}) cannot be read as ` +
          `${avroTypeName(this.type)}: ${(e as Error).message}`,
        this.name,
        { cause: e },
      );
    }
    this.readers.set(id, { resolver });
  }

  private unreadable(topic: string, id: number, why: string, cause?: unknown): SerializationError {
    return new SerializationError(
      `${this.name}: cannot read record on topic "${topic}" written with schema id ${id}: ${why}`,
      this.name,
      { cause },
    );
  }
}
