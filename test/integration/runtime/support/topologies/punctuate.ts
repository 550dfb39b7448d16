// Proof topology (differential): a Processor API processor that counts records per key in time buckets kept in a
// store, and emits each bucket from a stream-time punctuator once stream time has passed the bucket's end. The
// output depends only on the input, not on when punctuations fire: a bucket is emitted once, complete (input
// timestamps never decrease within a partition), stamped with its end time.
import {
  type KeyValueStore,
  type Processor,
  type ProcessorContext,
  Serdes,
  Stores,
  type StreamRecord,
  StreamsBuilder,
  type Topology,
} from 'tributary';

export interface PunctuateConfig {
  readonly input: string;
  readonly output: string;
  readonly bucketMs: number;
}

const S = Serdes.string();
const STORE = 'bucket-counts';

/** Store key `<bucket start, 15 digits>|<key>`: a range scan returns buckets oldest first. */
const storeKey = (bucket: number, key: string) => `${String(bucket).padStart(15, '0')}|${key}`;

class BucketCounter implements Processor<string, string, string, string> {
  #ctx!: ProcessorContext<string, string>;
  #store!: KeyValueStore<string, number>;

  constructor(private readonly bucketMs: number) {}

  init(context: ProcessorContext<string, string>): void {
    this.#ctx = context;
    this.#store = context.getStateStore<KeyValueStore<string, number>>(STORE);
    context.schedule(this.bucketMs, 'stream-time', (streamTime) => this.#emitClosed(streamTime));
  }

  async process(record: StreamRecord<string, string>): Promise<void> {
    const bucket = record.timestamp - (record.timestamp % this.bucketMs);
    const k = storeKey(bucket, record.key);
    this.#store.put(k, ((await this.#store.get(k)) ?? 0) + 1);
  }

  /** Emits and deletes every bucket that ended at or before stream time. */
  async #emitClosed(streamTime: number): Promise<void> {
    const closed: Array<{ key: string; bucket: number; count: number }> = [];
    for await (const { key, value } of this.#store.range(
      undefined,
      storeKey(streamTime - this.bucketMs, '\uffff'),
    )) {
      const bucket = Number(key.slice(0, 15));
      if (bucket + this.bucketMs > streamTime) break;
      closed.push({ key: key.slice(16), bucket, count: value });
    }
    for (const c of closed) {
      this.#store.delete(storeKey(c.bucket, c.key));
      await this.#ctx.forward({
        key: c.key,
        value: `${c.bucket}:${c.count}`,
        timestamp: c.bucket + this.bucketMs,
        headers: {},
      });
    }
  }
}

export default function punctuate(config: Record<string, unknown>): Topology {
  const c = config as unknown as PunctuateConfig;
  const builder = new StreamsBuilder();
  builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), S, Serdes.long()));
  builder
    .stream<string, string>(c.input, { key: S, value: S })
    .process(() => new BucketCounter(c.bucketMs), { stores: [STORE], name: 'bucket-counter' })
    .to(c.output, { key: S, value: S });
  return builder.build();
}
