import { andThen, type MaybePromise } from '../../common/maybe-promise.js';
import type { KeyValue, Windowed } from '../../operators/api/record.js';
import type { SessionStore } from '../api/session-store.js';
import { entriesOf } from './async-entries.js';
import { after, checkTime, decodeTime, encodeTime, flat, MAX_TIME } from './key-codec.js';
import type { CoreEntry } from './store-core.js';
import { type TimeSegmentedParts, TimeSegmentedStore } from './time-segmented-store.js';

/** Store key: [key][sessionEnd: 8][sessionStart: 8]. */
const SUFFIX = 16;

function endOf(key: string): number {
  return decodeTime(key, key.length - SUFFIX);
}

function startOf(key: string): number {
  return decodeTime(key, key.length - 8);
}

/**
 * A session store over the store core: entries keyed [key][end][start] (Kafka Streams' SessionKeySchema) in segments
 * of session end time, so the sessions of a key are ordered by end and a merge query scans from the earliest end on.
 */
export class SessionStoreImpl<K, V> extends TimeSegmentedStore<K, V> implements SessionStore<K, V> {
  constructor(parts: TimeSegmentedParts<K, V>) {
    super(parts, SUFFIX, (keyObject, key) => sessionKey(keyObject, key));
  }

  put(session: Windowed<K>, value: V | null): void {
    const { start, end } = session.window;
    checkTime(start, this.name, 'session start');
    checkTime(end, this.name, 'session end');
    if (end < start)
      throw new RangeError(`store ${this.name}: session end ${end} is before its start ${start}`);
    this.clock.observe(end);
    if (this.clock.isExpired(end)) return;
    const key = flat(this.keys.encode(session.key) + encodeTime(end) + encodeTime(start));
    this.core.put(key, session.key, value, this.timestampFor(value));
  }

  remove(session: Windowed<K>): void {
    this.put(session, null);
  }

  findSessions(
    key: K,
    earliestSessionEndTime: number,
    latestSessionStartTime: number,
  ): MaybePromise<KeyValue<Windowed<K>, V>[]> {
    return this.find(key, earliestSessionEndTime, latestSessionStartTime, false);
  }

  backwardFindSessions(
    key: K,
    earliestSessionEndTime: number,
    latestSessionStartTime: number,
  ): MaybePromise<KeyValue<Windowed<K>, V>[]> {
    return this.find(key, earliestSessionEndTime, latestSessionStartTime, true);
  }

  fetchSession(key: K, sessionStart: number, sessionEnd: number): MaybePromise<V | undefined> {
    if (sessionStart < 0 || sessionEnd < 0 || this.clock.isExpired(sessionEnd)) return undefined;
    return this.core.get(
      flat(this.keys.encode(key) + encodeTime(sessionEnd) + encodeTime(sessionStart)),
      sessionEnd <= this.clock.committedTime,
    );
  }

  fetch(key: K): MaybePromise<KeyValue<Windowed<K>, V>[]> {
    return this.find(key, 0, MAX_TIME, false);
  }

  all(): AsyncIterable<KeyValue<Windowed<K>, V>> {
    const clock = this.clock;
    const found = this.core.range(
      clock.segmentsBetween(0, MAX_TIME),
      undefined,
      undefined,
      false,
      (key) => !clock.isExpired(endOf(key)),
      this.localSegmentsFrom(0),
    );
    return entriesOf(andThen(found, byEndThenKey), (entry) => ({
      key: sessionKey(this.keys.decode(entry.key.slice(0, -SUFFIX)), entry.key),
      value: entry.value,
    }));
  }

  private find(
    key: K,
    earliestEnd: number,
    latestStart: number,
    reverse: boolean,
  ): MaybePromise<KeyValue<Windowed<K>, V>[]> {
    const lowestEnd = Math.max(earliestEnd, this.clock.lowestLiveTime());
    if (latestStart < 0) return [];
    const encoded = this.keys.encode(key);
    const length = encoded.length + SUFFIX;
    const segments = this.clock.segmentsBetween(lowestEnd, MAX_TIME);
    if (reverse) segments.reverse();
    const found = this.core.range(
      segments,
      encoded + encodeTime(lowestEnd),
      after(encoded + encodeTime(MAX_TIME) + encodeTime(MAX_TIME)),
      reverse,
      (storeKey) => storeKey.length === length && startOf(storeKey) <= latestStart,
      this.localSegmentsFrom(lowestEnd),
    );
    return andThen(found, (entries) =>
      entries.map((entry) => ({ key: sessionKey(key, entry.key), value: entry.value })),
    );
  }
}

function sessionKey<K>(key: K, storeKey: string): Windowed<K> {
  return { key, window: { start: startOf(storeKey), end: endOf(storeKey) } };
}

function byEndThenKey<V>(entries: CoreEntry<V>[]): CoreEntry<V>[] {
  const keyed = entries.map((entry) => ({
    entry,
    end: endOf(entry.key),
    start: startOf(entry.key),
    key: entry.key.slice(0, -SUFFIX),
  }));
  keyed.sort((a, b) => {
    if (a.end !== b.end) return a.end - b.end;
    if (a.key !== b.key) return a.key < b.key ? -1 : 1;
    return a.start - b.start;
  });
  return keyed.map((k) => k.entry);
}
