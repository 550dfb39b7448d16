import { andThen, type MaybePromise } from '../../common/maybe-promise.js';
import type { KeyValue } from '../../operators/api/record.js';
import type { Serde } from '../../schemas/serde.js';
import type { KeyValueStore } from '../api/key-value-store.js';
import type { StoreContext } from '../api/store-runtime.js';
import { iterateEntries } from './async-entries.js';
import { CoreBackedStore, type StoreParts } from './core-backed-store.js';
import { after, prefixEnd } from './key-codec.js';
import { KeyEncoder } from './key-encoder.js';
import { type CoreEntry, StoreCore } from './store-core.js';

export interface KeyValueStoreParts<K, V> extends StoreParts<K, V> {
  /** Timestamped stores stamp changelog records with the value's timestamp instead of the record's. */
  readonly timestampOf?: (value: V) => number;
}

const ONLY_SEGMENT = [0];

export class KeyValueStoreImpl<K, V> extends CoreBackedStore<V> implements KeyValueStore<K, V> {
  protected readonly core: StoreCore<V>;
  private readonly keys: KeyEncoder<K>;
  private readonly context: StoreContext;
  private readonly timestampOf: ((value: V) => number) | undefined;

  constructor(parts: KeyValueStoreParts<K, V>) {
    super(parts.name, parts.persistent);
    this.context = parts.context;
    this.timestampOf = parts.timestampOf;
    this.core = new StoreCore<V>({
      name: parts.name,
      context: parts.context,
      changelogTopic: parts.changelogTopic,
      serdeTopic: parts.serdeTopic,
      valueSerde: parts.valueSerde,
      local: parts.local,
      writeBack: parts.cachingEnabled,
      segmentOf: () => 0,
      listenerKey: (keyObject) => keyObject,
    });
    this.keys = new KeyEncoder(parts.keySerde, parts.serdeTopic, parts.name);
  }

  get(key: K): MaybePromise<V | undefined> {
    return this.core.get(this.keys.encode(key));
  }

  put(key: K, value: V | null): void {
    const timestamp =
      value !== null && this.timestampOf !== undefined
        ? this.timestampOf(value)
        : this.context.currentTimestamp();
    this.core.put(this.keys.encode(key), key, value, timestamp);
  }

  putAll(entries: ReadonlyArray<KeyValue<K, V | null>>): void {
    for (const entry of entries) this.put(entry.key, entry.value);
  }

  putIfAbsent(key: K, value: V): MaybePromise<V | undefined> {
    return andThen(this.get(key), (old) => {
      if (old === undefined) this.put(key, value);
      return old;
    });
  }

  delete(key: K): MaybePromise<V | undefined> {
    return andThen(this.get(key), (old) => {
      this.put(key, null);
      return old;
    });
  }

  range(from: K | undefined, to: K | undefined): AsyncIterable<KeyValue<K, V>> {
    return this.scan(from, to, false);
  }

  reverseRange(from: K | undefined, to: K | undefined): AsyncIterable<KeyValue<K, V>> {
    return this.scan(from, to, true);
  }

  all(): AsyncIterable<KeyValue<K, V>> {
    return this.scan(undefined, undefined, false);
  }

  reverseAll(): AsyncIterable<KeyValue<K, V>> {
    return this.scan(undefined, undefined, true);
  }

  prefixScan<P>(prefix: P, prefixSerde: Serde<P>): AsyncIterable<KeyValue<K, V>> {
    const from = this.keys.encodeWith(prefix, prefixSerde);
    return this.entries(this.core.range(ONLY_SEGMENT, from, prefixEnd(from), false));
  }

  approximateNumEntries(): MaybePromise<number> {
    return this.core.approximateCount();
  }

  prefetch(keys: readonly unknown[]): Promise<void> | undefined {
    return this.core.prefetch(keys.map((key) => this.keys.encode(key as K)));
  }

  private scan(from: K | undefined, to: K | undefined, reverse: boolean): AsyncIterable<KeyValue<K, V>> {
    const lo = from === undefined ? undefined : this.keys.encode(from);
    const hi = to === undefined ? undefined : after(this.keys.encode(to));
    if (lo !== undefined && hi !== undefined && lo >= hi) return this.entries([]);
    return this.entries(this.core.range(ONLY_SEGMENT, lo, hi, reverse));
  }

  private entries(result: MaybePromise<CoreEntry<V>[]>): AsyncIterable<KeyValue<K, V>> {
    return iterateEntries(result, (entry) => ({ key: this.keys.decode(entry.key), value: entry.value }));
  }
}
