// Reads a table's current value by key (Kafka Streams' KTableValueGetter): joins look up the other side's value and
// table-table joins look up both. A materialized table reads its store; a table that is not materialized (filter,
// mapValues, a join result) computes the value from its parent's getter.
import { andThen, type MaybePromise } from '../../common/maybe-promise.js';
import type { KeyValueStore } from '../../state/api/key-value-store.js';
import type { SessionStore } from '../../state/api/session-store.js';
import type { WindowStore } from '../../state/api/window-store.js';
import type { ProcessorContext } from '../api/processor.js';
import type { ValueAndTimestamp, Windowed } from '../api/record.js';

export type Found = ValueAndTimestamp<unknown> | undefined;

export interface ValueGetter {
  get(key: unknown): MaybePromise<Found>;
}

export interface ValueGetterSupplier {
  /** Stores the reading processor must be connected to (none for global stores). */
  readonly storeNames: readonly string[];
  /** A getter for one processor instance, created in its init(). */
  get(context: ProcessorContext<unknown, unknown>): ValueGetter;
}

/** A timestamped key-value store (table sources, aggregations, materialized operators, global tables). */
export function keyValueStoreGetter(storeName: string, connect = true): ValueGetterSupplier {
  return {
    storeNames: connect ? [storeName] : [],
    get(context) {
      const store = context.getStateStore<KeyValueStore<unknown, ValueAndTimestamp<unknown>>>(storeName);
      return { get: (key) => store.get(key) };
    },
  };
}

/** A timestamped window store keyed by `Windowed<K>` (windowed aggregations). */
export function windowStoreGetter(storeName: string): ValueGetterSupplier {
  return {
    storeNames: [storeName],
    get(context) {
      const store = context.getStateStore<WindowStore<unknown, ValueAndTimestamp<unknown>>>(storeName);
      return {
        get: (key) => {
          const w = key as Windowed<unknown>;
          return store.fetch(w.key, w.window.start);
        },
      };
    },
  };
}

/** A session store keyed by `Windowed<K>`; a session's timestamp is its end, as the aggregation forwards it. */
export function sessionStoreGetter(storeName: string): ValueGetterSupplier {
  return {
    storeNames: [storeName],
    get(context) {
      const store = context.getStateStore<SessionStore<unknown, unknown>>(storeName);
      return {
        get: (key) => {
          const w = key as Windowed<unknown>;
          return andThen(store.fetchSession(w.key, w.window.start, w.window.end), (value) =>
            value === undefined ? undefined : { value, timestamp: w.window.end },
          );
        },
      };
    },
  };
}

/** The parent's value passed through `transform` (null = no row), for tables that are not materialized. */
export function transformedGetter(
  parent: ValueGetterSupplier,
  transform: (key: unknown, value: unknown) => unknown,
): ValueGetterSupplier {
  return {
    storeNames: parent.storeNames,
    get(context) {
      const getter = parent.get(context);
      return {
        get: (key) =>
          andThen(getter.get(key), (found) => {
            if (found === undefined) return undefined;
            const value = transform(key, found.value);
            return value == null ? undefined : { value, timestamp: found.timestamp };
          }),
      };
    },
  };
}
