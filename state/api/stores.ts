import type { ValueAndTimestamp } from '../../operators/api/record.js';
import type { Serde } from '../../schemas/serde.js';
import { KeyValueStoreImpl } from '../internals/key-value-store-impl.js';
import { createLocalStore } from '../internals/local-store-factory.js';
import { defaultSegmentIntervalMs } from '../internals/retention-clock.js';
import { SessionStoreImpl } from '../internals/session-store-impl.js';
import { type BuildParts, checkStoreName, StoreBuilderImpl } from '../internals/store-builder-impl.js';
import { timestampOfValue, valueAndTimestampSerde } from '../internals/value-and-timestamp-serde.js';
import { WindowStoreImpl } from '../internals/window-store-impl.js';
import type { KeyValueStore, TimestampedKeyValueStore } from './key-value-store.js';
import type { SessionStore } from './session-store.js';
import type { StoreBuilder } from './store-builder.js';
import type {
  KeyValueBytesStoreSupplier,
  SessionBytesStoreSupplier,
  SessionStoreOptions,
  WindowBytesStoreSupplier,
  WindowStoreOptions,
} from './store-suppliers.js';
import type { TimestampedWindowStore, WindowStore } from './window-store.js';

function keyValueSupplier(name: string, persistent: boolean): KeyValueBytesStoreSupplier {
  checkStoreName(name);
  return { kind: 'key-value', name, persistent };
}

function checkDuration(store: string, what: string, ms: number): void {
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new RangeError(`store ${store}: ${what} must be a non-negative integer number of ms, got ${ms}`);
  }
}

function windowSupplier(
  name: string,
  persistent: boolean,
  options: WindowStoreOptions,
): WindowBytesStoreSupplier {
  checkStoreName(name);
  const { retentionMs, windowSizeMs, retainDuplicates = false } = options;
  checkDuration(name, 'retentionMs', retentionMs);
  checkDuration(name, 'windowSizeMs', windowSizeMs);
  if (retentionMs < windowSizeMs) {
    throw new RangeError(
      `store ${name}: retentionMs (${retentionMs}) must be at least windowSizeMs (${windowSizeMs})`,
    );
  }
  return {
    kind: 'window',
    name,
    persistent,
    retentionMs,
    windowSizeMs,
    retainDuplicates,
    segmentIntervalMs: defaultSegmentIntervalMs(retentionMs),
  };
}

function sessionSupplier(
  name: string,
  persistent: boolean,
  options: SessionStoreOptions,
): SessionBytesStoreSupplier {
  checkStoreName(name);
  checkDuration(name, 'retentionMs', options.retentionMs);
  return {
    kind: 'session',
    name,
    persistent,
    retentionMs: options.retentionMs,
    segmentIntervalMs: defaultSegmentIntervalMs(options.retentionMs),
  };
}

function partsOf<K, V>(
  supplier: { name: string; persistent: boolean },
  segmented: boolean,
  keySerde: Serde<K>,
  valueSerde: Serde<V>,
  build: BuildParts,
) {
  return {
    name: supplier.name,
    persistent: supplier.persistent,
    context: build.context,
    changelogTopic: build.changelogTopic,
    serdeTopic: build.serdeTopic,
    local: createLocalStore(
      { name: supplier.name, persistent: supplier.persistent, segmented },
      build.context,
    ),
    keySerde,
    valueSerde,
    cachingEnabled: build.cachingEnabled,
  };
}

function keyValueBuilder<K, V, S extends KeyValueStore<K, V>>(
  kind: 'key-value' | 'timestamped-key-value',
  supplier: KeyValueBytesStoreSupplier,
  keySerde: Serde<K>,
  valueSerde: Serde<V>,
  timestampOf: ((value: V) => number) | undefined,
): StoreBuilder<S> {
  return new StoreBuilderImpl<S>({
    name: supplier.name,
    kind,
    persistent: supplier.persistent,
    keySerde: keySerde as Serde<unknown>,
    valueSerde: valueSerde as Serde<unknown>,
    create: (build) =>
      new KeyValueStoreImpl<K, V>({
        ...partsOf(supplier, false, keySerde, valueSerde, build),
        timestampOf,
      }) as never,
  });
}

function windowBuilder<K, V, S extends WindowStore<K, V>>(
  kind: 'window' | 'timestamped-window',
  supplier: WindowBytesStoreSupplier,
  keySerde: Serde<K>,
  valueSerde: Serde<V>,
  timestampOf: ((value: V) => number) | undefined,
): StoreBuilder<S> {
  return new StoreBuilderImpl<S>({
    name: supplier.name,
    kind,
    persistent: supplier.persistent,
    keySerde: keySerde as Serde<unknown>,
    valueSerde: valueSerde as Serde<unknown>,
    retentionMs: supplier.retentionMs,
    windowSizeMs: supplier.windowSizeMs,
    uncacheable: supplier.retainDuplicates
      ? 'caching cannot be enabled on a window store that retains duplicates'
      : undefined,
    create: (build) =>
      new WindowStoreImpl<K, V>({
        ...partsOf(supplier, true, keySerde, valueSerde, build),
        retentionMs: supplier.retentionMs,
        windowSizeMs: supplier.windowSizeMs,
        retainDuplicates: supplier.retainDuplicates,
        segmentIntervalMs: supplier.segmentIntervalMs,
        timestampOf,
      }) as never,
  });
}

/**
 * Factory of state stores, with Kafka Streams' names: pick an implementation (`inMemoryKeyValueStore`,
 * `persistentWindowStore`, ...), then wrap it in a builder with serdes (`keyValueStoreBuilder`, ...), then enable
 * caching or configure logging on the builder. Builders are immutable: `withCachingEnabled()` returns a new one.
 *
 * ```ts
 * const counts = Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore('counts'), Serdes.String(), Serdes.Long())
 *   .withCachingEnabled();
 * ```
 *
 * Key serdes: ranges and window/session lookups follow the bytewise order of serialized keys; see
 * `ReadOnlyKeyValueStore` for which built-in serdes preserve order.
 */
export const Stores = {
  inMemoryKeyValueStore(name: string): KeyValueBytesStoreSupplier {
    return keyValueSupplier(name, false);
  },
  persistentKeyValueStore(name: string): KeyValueBytesStoreSupplier {
    return keyValueSupplier(name, true);
  },
  persistentTimestampedKeyValueStore(name: string): KeyValueBytesStoreSupplier {
    return keyValueSupplier(name, true);
  },
  inMemoryWindowStore(name: string, options: WindowStoreOptions): WindowBytesStoreSupplier {
    return windowSupplier(name, false, options);
  },
  persistentWindowStore(name: string, options: WindowStoreOptions): WindowBytesStoreSupplier {
    return windowSupplier(name, true, options);
  },
  persistentTimestampedWindowStore(name: string, options: WindowStoreOptions): WindowBytesStoreSupplier {
    return windowSupplier(name, true, options);
  },
  inMemorySessionStore(name: string, options: SessionStoreOptions): SessionBytesStoreSupplier {
    return sessionSupplier(name, false, options);
  },
  persistentSessionStore(name: string, options: SessionStoreOptions): SessionBytesStoreSupplier {
    return sessionSupplier(name, true, options);
  },

  keyValueStoreBuilder<K, V>(
    supplier: KeyValueBytesStoreSupplier,
    keySerde: Serde<K>,
    valueSerde: Serde<V>,
  ): StoreBuilder<KeyValueStore<K, V>> {
    return keyValueBuilder('key-value', supplier, keySerde, valueSerde, undefined);
  },
  timestampedKeyValueStoreBuilder<K, V>(
    supplier: KeyValueBytesStoreSupplier,
    keySerde: Serde<K>,
    valueSerde: Serde<V>,
  ): StoreBuilder<TimestampedKeyValueStore<K, V>> {
    return keyValueBuilder<K, ValueAndTimestamp<V>, TimestampedKeyValueStore<K, V>>(
      'timestamped-key-value',
      supplier,
      keySerde,
      valueAndTimestampSerde(valueSerde),
      timestampOfValue,
    );
  },
  windowStoreBuilder<K, V>(
    supplier: WindowBytesStoreSupplier,
    keySerde: Serde<K>,
    valueSerde: Serde<V>,
  ): StoreBuilder<WindowStore<K, V>> {
    return windowBuilder('window', supplier, keySerde, valueSerde, undefined);
  },
  timestampedWindowStoreBuilder<K, V>(
    supplier: WindowBytesStoreSupplier,
    keySerde: Serde<K>,
    valueSerde: Serde<V>,
  ): StoreBuilder<TimestampedWindowStore<K, V>> {
    return windowBuilder<K, ValueAndTimestamp<V>, TimestampedWindowStore<K, V>>(
      'timestamped-window',
      supplier,
      keySerde,
      valueAndTimestampSerde(valueSerde),
      timestampOfValue,
    );
  },
  sessionStoreBuilder<K, V>(
    supplier: SessionBytesStoreSupplier,
    keySerde: Serde<K>,
    valueSerde: Serde<V>,
  ): StoreBuilder<SessionStore<K, V>> {
    return new StoreBuilderImpl<SessionStore<K, V>>({
      name: supplier.name,
      kind: 'session',
      persistent: supplier.persistent,
      keySerde: keySerde as Serde<unknown>,
      valueSerde: valueSerde as Serde<unknown>,
      retentionMs: supplier.retentionMs,
      create: (build) =>
        new SessionStoreImpl<K, V>({
          ...partsOf(supplier, true, keySerde, valueSerde, build),
          retentionMs: supplier.retentionMs,
          segmentIntervalMs: supplier.segmentIntervalMs,
        }),
    });
  },
} as const;
