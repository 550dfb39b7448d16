// The input and output topics of the test driver (Kafka Streams' TestInputTopic / TestOutputTopic).
import type { Headers, KeyValue } from '../../operators/api/record.js';
import type { Serde } from '../../schemas/serde.js';
import type { OutputRecord } from '../engine/record-collector.js';

/** A record as tests write and read it. */
export interface TestRecord<K, V> {
  readonly key: K;
  readonly value: V;
  readonly timestamp: number;
  readonly headers: Headers;
}

/** A serialized input record. */
export interface SerializedInput {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: number;
  readonly headers: Headers;
}

/**
 * The driver side of an input topic: processes serialized records in order, each completely (and committed) before
 * the next; the iterator serializes lazily, so a serde error stops the list at that record.
 */
export interface InputSink {
  pipe(topic: string, records: Iterator<SerializedInput>): Promise<void>;
  /** One record, without the iterator and record objects a list needs (`pipeInput` is the common call in tests). */
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

/** Maps lazily, so each element is serialized only when the driver is about to process it. */
function mapIterator<T, R>(items: readonly T[], map: (item: T) => R): Iterator<R> {
  let i = 0;
  return {
    next: () =>
      i < items.length ? { done: false, value: map(items[i++]) } : { done: true, value: undefined },
  };
}

export class TestInputTopic<K, V> {
  private currentTimeMs: number;

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
  }

  /** Pipes one record and processes it (and everything it causes) before resolving. */
  pipeInput(key: K | null, value: V | null, timestampMs?: number, headers: Headers = {}): Promise<void> {
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
    return this.sink.pipe(
      this.name,
      mapIterator(records, (r) => this.serialize(r.key ?? null, r.value, r.timestamp, r.headers ?? {})),
    );
  }

  /** Pipes key-value pairs; timestamps start at `startTimestampMs` (or the topic's time) and advance by `advanceMs`. */
  pipeKeyValueList(
    records: ReadonlyArray<KeyValue<K | null, V | null>>,
    startTimestampMs?: number,
    advanceMs = 0,
  ): Promise<void> {
    let ts = startTimestampMs;
    return this.sink.pipe(
      this.name,
      mapIterator(records, (r) => {
        const input = this.serialize(r.key, r.value, ts, {});
        if (ts !== undefined) ts += advanceMs;
        return input;
      }),
    );
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

  private serialize(
    key: K | null,
    value: V | null,
    timestampMs: number | undefined,
    headers: Headers,
  ): SerializedInput {
    return {
      key: key == null ? null : this.keySerde.serialize(this.name, key as NonNullable<K>, headers),
      value: value == null ? null : this.valueSerde.serialize(this.name, value as NonNullable<V>, headers),
      timestamp: timestampMs ?? this.nextTimestamp(),
      headers,
    };
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

/** The driver side of an output topic: the records sinks wrote, consumed in order. */
export interface OutputSource {
  /** The records written to `topic` since the last read, removing them. */
  take(topic: string, max: number): OutputRecord[];
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
    const [record] = this.source.take(this.name, 1);
    if (!record) throw new Error(`no more records in output topic '${this.name}'`);
    return this.decode(record);
  }

  readValue(): V {
    return this.readRecord().value;
  }

  readKeyValue(): KeyValue<K, V> {
    const { key, value } = this.readRecord();
    return { key, value };
  }

  readRecordsToList(): TestRecord<K, V>[] {
    return this.source.take(this.name, Number.POSITIVE_INFINITY).map((r) => this.decode(r));
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

  private decode(r: OutputRecord): TestRecord<K, V> {
    return {
      key: (r.key === null ? null : this.keySerde.deserialize(this.name, r.key, r.headers)) as K,
      value: (r.value === null ? null : this.valueSerde.deserialize(this.name, r.value, r.headers)) as V,
      timestamp: r.timestamp,
      headers: r.headers,
    };
  }
}
