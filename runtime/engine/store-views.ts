// Views of timestamped stores that show plain values, for the test driver and interactive queries (Kafka Streams'
// driver returns values, not ValueAndTimestamp, from getKeyValueStore on a timestamped store).
import { andThen, type MaybePromise } from '../../common/maybe-promise.js';
import type { KeyValue, ValueAndTimestamp, Windowed } from '../../operators/api/record.js';
import type { Serde } from '../../schemas/serde.js';
import type { KeyValueStore } from '../../state/api/key-value-store.js';
import type { WindowedValue, WindowStore } from '../../state/api/window-store.js';

type VT<V> = ValueAndTimestamp<V>;

const plain = <V>(v: VT<V> | undefined): V | undefined => (v === undefined ? undefined : v.value);

async function* mapEntries<K, V>(source: AsyncIterable<KeyValue<K, VT<V>>>): AsyncIterable<KeyValue<K, V>> {
  for await (const { key, value } of source) yield { key, value: value.value };
}

export function plainKeyValueView<K, V>(store: KeyValueStore<K, VT<V>>): KeyValueStore<K, V> {
  return {
    name: store.name,
    persistent: store.persistent,
    get: (key) => andThen(store.get(key), plain),
    range: (from, to) => mapEntries(store.range(from, to)),
    reverseRange: (from, to) => mapEntries(store.reverseRange(from, to)),
    all: () => mapEntries(store.all()),
    reverseAll: () => mapEntries(store.reverseAll()),
    prefixScan: <P>(prefix: P, serde: Serde<P>) => mapEntries(store.prefixScan(prefix, serde)),
    approximateNumEntries: () => store.approximateNumEntries(),
    put: () => {
      throw new Error(
        `store '${store.name}' is a timestamped store: write through getTimestampedKeyValueStore()`,
      );
    },
    putAll: () => {
      throw new Error(
        `store '${store.name}' is a timestamped store: write through getTimestampedKeyValueStore()`,
      );
    },
    putIfAbsent: () => {
      throw new Error(
        `store '${store.name}' is a timestamped store: write through getTimestampedKeyValueStore()`,
      );
    },
    delete: (key) => andThen(store.delete(key), plain),
  };
}

function plainWindows<V>(list: WindowedValue<VT<V>>[]): WindowedValue<V>[] {
  return list.map((w) => ({ windowStart: w.windowStart, value: w.value.value }));
}

export function plainWindowView<K, V>(store: WindowStore<K, VT<V>>): WindowStore<K, V> {
  function fetch(key: K, windowStart: number): MaybePromise<V | undefined>;
  function fetch(key: K, from: number, to: number): MaybePromise<WindowedValue<V>[]>;
  function fetch(
    key: K,
    from: number,
    to?: number,
  ): MaybePromise<V | undefined> | MaybePromise<WindowedValue<V>[]> {
    if (to === undefined) return andThen(store.fetch(key, from), plain);
    return andThen(store.fetch(key, from, to), plainWindows);
  }
  return {
    name: store.name,
    persistent: store.persistent,
    windowSizeMs: store.windowSizeMs,
    retentionMs: store.retentionMs,
    fetch,
    backwardFetch: (key, from, to) => andThen(store.backwardFetch(key, from, to), plainWindows),
    fetchAll: (from, to) => mapEntries<Windowed<K>, V>(store.fetchAll(from, to)),
    backwardFetchAll: (from, to) => mapEntries<Windowed<K>, V>(store.backwardFetchAll(from, to)),
    all: () => mapEntries<Windowed<K>, V>(store.all()),
    backwardAll: () => mapEntries<Windowed<K>, V>(store.backwardAll()),
    put: () => {
      throw new Error(
        `store '${store.name}' is a timestamped store: write through getTimestampedWindowStore()`,
      );
    },
  };
}
