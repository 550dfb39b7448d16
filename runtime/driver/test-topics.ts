// The input and output topics of the test driver (Kafka Streams' TestInputTopic / TestOutputTopic).
import type { MaybePromise } from '../../common/maybe-promise.js';
import type { Headers, KeyValue } from '../../operators/api/record.js';
import type { AnySerde, Serde } from '../../schemas/serde.js';
import type { OutputRecordMaker } from './output-log.js';

/** A record as tests write and read it. */
export interface TestRecord<K, V> {
  readonly key: K;
  readonly value: V;
  readonly timestamp: number;
  readonly headers: Headers;
}

/** Processes one serialized input record completely (and commits) before returning. */
export type ProcessInput = (
  key: Buffer | null,
  value: Buffer | null,
  timestamp: number,
  headers: Headers,
) => MaybePromise<void>;

/**
 * The driver side of an input topic: processes serialized records in order, each completely (and committed) before
 * the next.
 */
export interface InputSink {
  /**
   * Pipes `count` records: `pipeAt(i, process)` serializes record i and hands it to `process`. Records are serialized
   * one at a time, just before they are processed, so a serde error stops the list at that record; and no object per
   * record is needed to carry the bytes from the topic to the driver.
   */
  pipe(
    topic: string,
    count: number,
    pipeAt: (i: number, process: ProcessInput) => MaybePromise<void>,
  ): Promise<void>;
  /** One record (`pipeInput` is the common call in tests). */
  pipeOne(
    topic: string,
    key: Buffer | null,
    value: Buffer | null,
    timestamp: number,
    headers: Headers,
  ): Promise<void>;
}

export interface InputTopicOptions {
  /** Timestamp of the first record piped without one (default: the driver's start time). */
  readonly startTimestampMs?: number;
  /** How much the topic's time advances after each record piped without a timestamp (default 0). */
  readonly autoAdvanceMs?: number;
}

type SerdeOf<T> = Serde<NonNullable<T>>;

/** A record to pipe: key (default null), value, timestamp (default: the topic's time), headers. */
export interface InputRecord<K, V> {
  readonly key?: K | null;
  readonly value: V | null;
  readonly timestamp?: number;
  readonly headers?: Headers;
}

export class TestInputTopic<K, V> {
  private currentTimeMs: number;
  /** Pending while the serdes prepare for this topic (e.g. an Avro serde registering its schema); then undefined. */
  private preparing: Promise<void> | undefined;

  /** @internal Created by TopologyTestDriver.createInputTopic. */
  constructor(
    readonly name: string,
    private readonly keySerde: SerdeOf<K>,
    private readonly valueSerde: SerdeOf<V>,
    private readonly sink: InputSink,
    startTimestampMs: number,
    private readonly autoAdvanceMs: number,
  ) {
    this.currentTimeMs = startTimestampMs;
    this.preparing = prepareSerdes(name, keySerde, valueSerde)?.then(() => {
      this.preparing = undefined;
    });
    this.preparing?.catch(() => undefined); // the first pipe call reports a failed preparation
  }

  /** Pipes one record and processes it (and everything it causes) before resolving. */
  pipeInput(key: K | null, value: V | null, timestampMs?: number, headers: Headers = {}): Promise<void> {
    if (this.preparing) return this.preparing.then(() => this.pipeInput(key, value, timestampMs, headers));
    const topic = this.name;
    return this.sink.pipeOne(
      topic,
      key == null ? null : this.keySerde.serialize(topic, key as NonNullable<K>, headers),
      value == null ? null : this.valueSerde.serialize(topic, value as NonNullable<V>, headers),
      timestampMs ?? this.nextTimestamp(),
      headers,
    );
  }

  /** Pipes a record without a key. */
  pipeValue(value: V | null, timestampMs?: number): Promise<void> {
    return this.pipeInput(null, value, timestampMs);
  }

  pipeRecord(record: InputRecord<K, V>): Promise<void> {
    return this.pipeInput(record.key ?? null, record.value, record.timestamp, record.headers ?? {});
  }

  /** Pipes records in order; like pipeInput per record, without a promise per record. */
  pipeRecordList(records: ReadonlyArray<InputRecord<K, V>>): Promise<void> {
    if (this.preparing) return this.preparing.then(() => this.pipeRecordList(records));
    return this.sink.pipe(this.name, records.length, (i, process) => {
      const r = records[i];
      const headers = r.headers ?? {};
      // Key, value, then the topic's time: the order pipeInput evaluates them in.
      const key = this.keyBytes(r.key ?? null, headers);
      const value = this.valueBytes(r.value, headers);
      return process(key, value, r.timestamp ?? this.nextTimestamp(), headers);
    });
  }

  /** Pipes key-value pairs; timestamps start at `startTimestampMs` (or the topic's time) and advance by `advanceMs`. */
  pipeKeyValueList(
    records: ReadonlyArray<KeyValue<K | null, V | null>>,
    startTimestampMs?: number,
    advanceMs = 0,
  ): Promise<void> {
    if (this.preparing)
      return this.preparing.then(() => this.pipeKeyValueList(records, startTimestampMs, advanceMs));
    let ts = startTimestampMs;
    return this.sink.pipe(this.name, records.length, (i, process) => {
      const r = records[i];
      const headers: Headers = {};
      const key = this.keyBytes(r.key, headers);
      const value = this.valueBytes(r.value, headers);
      const timestamp = ts ?? this.nextTimestamp();
      if (ts !== undefined) ts += advanceMs;
      return process(key, value, timestamp, headers);
    });
  }

  pipeValueList(
    values: ReadonlyArray<V | null>,
    startTimestampMs?: number,
    advanceMs?: number,
  ): Promise<void> {
    return this.pipeKeyValueList(
      values.map((value) => ({ key: null, value })),
      startTimestampMs,
      advanceMs,
    );
  }

  private keyBytes(key: K | null, headers: Headers): Buffer | null {
    return key == null ? null : this.keySerde.serialize(this.name, key as NonNullable<K>, headers);
  }

  private valueBytes(value: V | null, headers: Headers): Buffer | null {
    return value == null ? null : this.valueSerde.serialize(this.name, value as NonNullable<V>, headers);
  }

  /** Moves the topic's time (used for records piped without a timestamp). */
  advanceTime(ms: number): void {
    this.currentTimeMs += ms;
  }

  private nextTimestamp(): number {
    const ts = this.currentTimeMs;
    this.currentTimeMs += this.autoAdvanceMs;
    return ts;
  }
}

/** Prepares both serdes for an input topic (as the runtime prepares a topology's serdes); undefined if neither needs it. */
function prepareSerdes(
  topic: string,
  keySerde: Pick<AnySerde, 'prepare'>,
  valueSerde: Pick<AnySerde, 'prepare'>,
): Promise<void> | undefined {
  if (!keySerde.prepare && !valueSerde.prepare) return undefined;
  return Promise.all([
    keySerde.prepare?.({ topic, isKey: true }),
    valueSerde.prepare?.({ topic, isKey: false }),
  ]).then(() => undefined);
}

/** The driver side of an output topic: the records sinks wrote, consumed in order. */
export interface OutputSource {
  /** Up to `max` records written to `topic` since the last read, removed, each as `make` makes it. */
  take<T>(topic: string, max: number, make: OutputRecordMaker<T>): T[];
  peekSize(topic: string): number;
}

export class TestOutputTopic<K, V> {
  /** @internal Created by TopologyTestDriver.createOutputTopic. */
  constructor(
    readonly name: string,
    private readonly keySerde: SerdeOf<K>,
    private readonly valueSerde: SerdeOf<V>,
    private readonly source: OutputSource,
  ) {}

  get queueSize(): number {
    return this.source.peekSize(this.name);
  }

  isEmpty(): boolean {
    return this.queueSize === 0;
  }

  readRecord(): TestRecord<K, V> {
    const [record] = this.source.take(this.name, 1, this.decode);
    if (!record) throw new Error(`no more records in output topic '${this.name}'`);
    return record;
  }

  readValue(): V {
    return this.readRecord().value;
  }

  readKeyValue(): KeyValue<K, V> {
    const { key, value } = this.readRecord();
    return { key, value };
  }

  readRecordsToList(): TestRecord<K, V>[] {
    return this.source.take(this.name, Number.POSITIVE_INFINITY, this.decode);
  }

  readValuesToList(): V[] {
    return this.readRecordsToList().map((r) => r.value);
  }

  readKeyValuesToList(): KeyValue<K, V>[] {
    return this.readRecordsToList().map(({ key, value }) => ({ key, value }));
  }

  /** The latest value per key (a null value removes the key), as Kafka Streams' readKeyValuesToMap. */
  readKeyValuesToMap(): Map<K, V> {
    const map = new Map<K, V>();
    for (const { key, value } of this.readRecordsToList()) {
      if (key == null) throw new Error(`readKeyValuesToMap: a record of '${this.name}' has a null key`);
      if (value == null) map.delete(key);
      else map.set(key, value);
    }
    return map;
  }

  private readonly decode: OutputRecordMaker<TestRecord<K, V>> = (key, value, timestamp, headers) => ({
    key: (key === null ? null : this.keySerde.deserialize(this.name, key, headers)) as K,
    value: (value === null ? null : this.valueSerde.deserialize(this.name, value, headers)) as V,
    timestamp,
    headers,
  });
}
