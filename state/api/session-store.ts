import type { MaybePromise } from '../../common/maybe-promise.js';
import type { KeyValue, Windowed } from '../../operators/api/record.js';
import type { StateStore } from './state-store.js';

/**
 * Reads of a session store: values per key and session (a window whose bounds are the first and last event, both
 * inclusive here). Sessions that ended at or before the newest session end seen minus `retentionMs` are dropped.
 * `all()` returns sessions by end time, then key bytes, then start time.
 */
export interface ReadOnlySessionStore<K, V> {
  /**
   * Sessions of `key` that end at or after `earliestSessionEndTime` and start at or before
   * `latestSessionStartTime` (the sessions a new event could merge with), oldest first.
   */
  findSessions(
    key: K,
    earliestSessionEndTime: number,
    latestSessionStartTime: number,
  ): MaybePromise<KeyValue<Windowed<K>, V>[]>;
  backwardFindSessions(
    key: K,
    earliestSessionEndTime: number,
    latestSessionStartTime: number,
  ): MaybePromise<KeyValue<Windowed<K>, V>[]>;
  /** The value of exactly this session. */
  fetchSession(key: K, sessionStart: number, sessionEnd: number): MaybePromise<V | undefined>;
  /** All sessions of `key`, oldest first. */
  fetch(key: K): MaybePromise<KeyValue<Windowed<K>, V>[]>;
  all(): AsyncIterable<KeyValue<Windowed<K>, V>>;
}

export interface SessionStore<K, V> extends StateStore, ReadOnlySessionStore<K, V> {
  /** Writes a session; null removes it. Session bounds are in the key: `{ key, window: { start, end } }`. */
  put(session: Windowed<K>, value: V | null): void;
  remove(session: Windowed<K>): void;
  readonly retentionMs: number;
}
