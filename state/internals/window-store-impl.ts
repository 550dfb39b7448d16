import { andThen, type MaybePromise } from '../../common/maybe-promise.js';
import type { KeyValue, TimeWindow, Windowed } from '../../operators/api/record.js';
import type { WindowedValue, WindowStore } from '../api/window-store.js';
import { entriesOf } from './async-entries.js';
import {
  after,
  checkTime,
  decodeSeq,
  decodeTime,
  encodeSeq,
  encodeTime,
  flat,
  MAX_SEQ,
  MAX_TIME,
} from './key-codec.js';
import type { CoreEntry } from './store-core.js';
import { type TimeSegmentedParts, TimeSegmentedStore } from './time-segmented-store.js';

/** Store key: [key][windowStart: 8][seq: 4]. */
const SUFFIX = 12;
const SEQ_META = 'sequenceNumber';
const NO_SEQ = encodeSeq(0);

export interface WindowStoreParts<K, V> extends TimeSegmentedParts<K, V> {
  readonly windowSizeMs: number;
  readonly retainDuplicates: boolean;
}

/**
 * A window store over the store core: entries keyed [key][windowStart][seq] in segments of window start time.
 * Without duplicates seq is 0, so a put overwrites its window; with `retainDuplicates` every put takes the next
 * sequence number, which is part of the changelog key too, so replaying a changelog twice rebuilds the same entries.
 * The counter is restored from the changelog (highest seq seen) or from local metadata, so numbers are not reused.
 */
export class WindowStoreImpl<K, V> extends TimeSegmentedStore<K, V> implements WindowStore<K, V> {
  readonly windowSizeMs: number;
  private readonly retainDuplicates: boolean;
  private seq = 0;
  private committedSeq = 0;
  /** The sequence number local state last got in its metadata. */
  private persistedSeq = -1;
  private lastKey: unknown = undefined;
  private lastWindowStart = -1;
  private lastWindowKey = '';
  private suffixWindowStart = -1;
  private windowSuffix = '';

  constructor(parts: WindowStoreParts<K, V>) {
    const size = parts.windowSizeMs;
    super(parts, SUFFIX, windowedKeys(size));
    this.windowSizeMs = size;
    this.retainDuplicates = parts.retainDuplicates;
  }

  put(key: K, value: V | null, windowStart: number): void {
    checkTime(windowStart, this.name, 'windowStart');
    this.clock.observe(windowStart);
    if (this.clock.isExpired(windowStart)) return;
    let seq = NO_SEQ;
    if (this.retainDuplicates) {
      if (value === null) return; // nothing to delete in a buffer of duplicates, as in Kafka Streams
      this.seq = (this.seq + 1) % (MAX_SEQ + 1);
      seq = encodeSeq(this.seq);
    }
    const storeKey =
      seq === NO_SEQ
        ? this.windowKey(key, windowStart)
        : flat(this.keys.encode(key) + encodeTime(windowStart) + seq);
    this.core.put(storeKey, key, value, this.timestampFor(value));
  }

  /**
   * The store key of a window without duplicates. The last one is remembered (primitive keys only: an object could
   * have been mutated since): an aggregation fetches a window and then puts it, and building the key again would also
   * mean flattening and hashing a new concatenated string in the cache's map.
   */
  private windowKey(key: K, windowStart: number): string {
    if (key === this.lastKey && windowStart === this.lastWindowStart && typeof key !== 'object') {
      return this.lastWindowKey;
    }
    const storeKey = flat(this.keys.encode(key) + this.suffixOf(windowStart));
    this.lastKey = key;
    this.lastWindowStart = windowStart;
    this.lastWindowKey = storeKey;
    return storeKey;
  }

  /**
   * [windowStart][seq 0] of a window key. Consecutive records mostly fall into the same window (a tumbling window
   * holds every record of its minute), so the suffix of the last window start is kept: one concatenation per key.
   */
  private suffixOf(windowStart: number): string {
    if (windowStart !== this.suffixWindowStart) {
      this.suffixWindowStart = windowStart;
      this.windowSuffix = encodeTime(windowStart) + NO_SEQ;
    }
    return this.windowSuffix;
  }

  fetch(key: K, windowStart: number): MaybePromise<V | undefined>;
  fetch(key: K, timeFrom: number, timeTo: number): MaybePromise<WindowedValue<V>[]>;
  fetch(
    key: K,
    timeFrom: number,
    timeTo?: number,
  ): MaybePromise<V | undefined> | MaybePromise<WindowedValue<V>[]> {
    if (timeTo !== undefined) return this.fetchRange(key, timeFrom, timeTo, false);
    if (timeFrom < 0 || this.clock.isExpired(timeFrom)) return undefined;
    if (this.retainDuplicates) {
      return andThen(this.fetchRange(key, timeFrom, timeFrom, false), (found) => found[0]?.value);
    }
    // A window newer than anything committed cannot be in local state: no RocksDB read for a new window.
    return this.core.get(this.windowKey(key, timeFrom), timeFrom <= this.clock.committedTime);
  }

  backwardFetch(key: K, timeFrom: number, timeTo: number): MaybePromise<WindowedValue<V>[]> {
    return this.fetchRange(key, timeFrom, timeTo, true);
  }

  fetchAll(timeFrom: number, timeTo: number): AsyncIterable<KeyValue<Windowed<K>, V>> {
    return this.scanAll(timeFrom, timeTo, false);
  }

  backwardFetchAll(timeFrom: number, timeTo: number): AsyncIterable<KeyValue<Windowed<K>, V>> {
    return this.scanAll(timeFrom, timeTo, true);
  }

  all(): AsyncIterable<KeyValue<Windowed<K>, V>> {
    return this.scanAll(0, MAX_TIME, false);
  }

  backwardAll(): AsyncIterable<KeyValue<Windowed<K>, V>> {
    return this.scanAll(0, MAX_TIME, true);
  }

  private fetchRange(
    key: K,
    timeFrom: number,
    timeTo: number,
    reverse: boolean,
  ): MaybePromise<WindowedValue<V>[]> {
    const from = Math.max(timeFrom, this.clock.lowestLiveTime());
    if (timeTo < from) return [];
    const encoded = this.keys.encode(key);
    const length = encoded.length + SUFFIX;
    const segments = this.clock.segmentsBetween(from, timeTo);
    if (reverse) segments.reverse();
    const found = this.core.range(
      segments,
      encoded + encodeTime(from),
      after(encoded + encodeTime(timeTo) + encodeSeq(MAX_SEQ)),
      reverse,
      // The range bounds guarantee the key prefix; the length rules out longer keys that share it.
      (storeKey) => storeKey.length === length,
      this.localSegmentsFrom(from),
    );
    return andThen(found, (entries) =>
      entries.map((entry) => ({
        windowStart: decodeTime(entry.key, entry.key.length - SUFFIX),
        value: entry.value,
      })),
    );
  }

  private scanAll(
    timeFrom: number,
    timeTo: number,
    reverse: boolean,
  ): AsyncIterable<KeyValue<Windowed<K>, V>> {
    const from = Math.max(timeFrom, this.clock.lowestLiveTime());
    if (timeTo < from) return entriesOf([], (entry: KeyValue<Windowed<K>, V>) => entry);
    const found = this.core.range(
      this.clock.segmentsBetween(from, timeTo),
      undefined,
      undefined,
      false,
      (key) => {
        const time = decodeTime(key, key.length - SUFFIX);
        return time >= from && time <= timeTo;
      },
      this.localSegmentsFrom(from),
    );
    return entriesOf(
      andThen(found, (entries) => byTimeThenKey(entries, reverse)),
      (entry) => ({
        key: windowed(
          this.keys.decode(entry.key.slice(0, -SUFFIX)),
          this.timeOf(entry.key),
          this.windowSizeMs,
        ),
        value: entry.value,
      }),
    );
  }

  // ---- runtime: the sequence number of stores with duplicates is state too ----

  protected override loadedMore(): MaybePromise<void> {
    return andThen(this.core.local.getMeta(SEQ_META), (seq) => {
      this.seq = this.committedSeq = seq !== undefined && seq.length === 4 ? seq.readUInt32BE(0) : 0;
    });
  }

  protected override restoredKey(key: Buffer): void {
    if (this.retainDuplicates) this.seq = Math.max(this.seq, key.readUInt32BE(key.length - 4));
  }

  protected override moreMeta(meta: Map<string, Buffer>): void {
    if (!this.retainDuplicates) return;
    const seq = Buffer.allocUnsafe(4);
    seq.writeUInt32BE(this.seq, 0);
    meta.set(SEQ_META, seq);
  }

  protected override moreMetaChanged(): boolean {
    return this.retainDuplicates && this.seq !== this.persistedSeq;
  }

  protected override persistedMore(): void {
    this.persistedSeq = this.seq;
  }

  protected override committed(): void {
    super.committed();
    this.committedSeq = this.seq;
  }

  protected override rolledBack(): void {
    super.rolledBack();
    this.seq = this.committedSeq;
  }
}

function windowed<K>(key: K, start: number, size: number): Windowed<K> {
  return { key, window: { start, end: start + size } };
}

/**
 * The keys flush listeners get. Updates of one window come together (every key of a tumbling window, in turn), so
 * the last TimeWindow (readonly) is shared by the next emit of the same window instead of allocated again.
 */
function windowedKeys(size: number): (keyObject: unknown, storeKey: string) => Windowed<unknown> {
  let window: TimeWindow = { start: -1, end: -1 };
  return (keyObject, storeKey) => {
    const start = decodeTime(storeKey, storeKey.length - SUFFIX);
    if (start !== window.start) window = { start, end: start + size };
    return { key: keyObject, window };
  };
}

/** Orders window entries by window start, then key bytes, then sequence number (fetchAll's documented order). */
function byTimeThenKey<V>(entries: CoreEntry<V>[], reverse: boolean): CoreEntry<V>[] {
  const sign = reverse ? -1 : 1;
  const keyed = entries.map((entry) => ({
    entry,
    time: decodeTime(entry.key, entry.key.length - SUFFIX),
    key: entry.key.slice(0, -SUFFIX),
    seq: decodeSeq(entry.key, entry.key.length - 4),
  }));
  keyed.sort((a, b) => {
    if (a.time !== b.time) return (a.time - b.time) * sign;
    if (a.key !== b.key) return (a.key < b.key ? -1 : 1) * sign;
    return (a.seq - b.seq) * sign;
  });
  return keyed.map((k) => k.entry);
}
