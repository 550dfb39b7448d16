// Interactive queries (Kafka Streams' `KafkaStreams.store()`): one read-only view over every local instance of a
// store - one per running task of this worker, or the global store. A key lives in one partition, so reads ask each
// instance and take what the owning one answers; scans concatenate the instances (no order across partitions, as
// in Kafka Streams' composite stores). Instances are looked up at every call: tasks come and go with rebalances.
//
// What a query sees: the store through its record cache, so also writes of the current commit interval that are not
// committed yet (as in Kafka Streams). Stores of restoring tasks are not queried.
import type { KeyValue, ValueAndTimestamp, Windowed } from '../../operators/api/record.js';
import type { Topology } from '../../operators/graph/topology.js';
import type { ReadOnlyKeyValueStore } from '../../state/api/key-value-store.js';
import type { ReadOnlySessionStore } from '../../state/api/session-store.js';
import type { StateStore } from '../../state/api/state-store.js';
import type { StoreBuilder } from '../../state/api/store-builder.js';
import type { ReadOnlyWindowStore, WindowedValue } from '../../state/api/window-store.js';

/** No store of that name in the topology (HTTP 404). */
export class UnknownStoreError extends Error {
  constructor(
    readonly storeName: string,
    readonly known: readonly string[],
  ) {
    super(
      `no state store named '${storeName}' in this application; its stores: ${known.length > 0 ? known.join(', ') : '(none)'}`,
    );
    this.name = 'UnknownStoreError';
  }
}

/** The store exists but cannot be read now: the worker is not running, or holds no instance of it (HTTP 503). */
export class StoreNotQueryableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreNotQueryableError';
  }
}

/** Where a view finds the current instances of its store; throws StoreNotQueryableError when there is none to ask. */
export type StoreInstances = () => readonly StateStore[];

/** The builders of every store of a topology (task stores and global stores), by name. */
export function storeBuilders(topology: Topology): Map<string, StoreBuilder<StateStore>> {
  const builders = new Map<string, StoreBuilder<StateStore>>();
  for (const st of topology.subtopologies)
    for (const { builder } of st.stores) builders.set(builder.name, builder);
  for (const g of topology.globalStores) builders.set(g.store.name, g.store);
  return builders;
}

export function isTimestamped(builder: StoreBuilder<StateStore>): boolean {
  return builder.kind === 'timestamped-key-value' || builder.kind === 'timestamped-window';
}

type Unwrap = (stored: unknown) => unknown;
const asIs: Unwrap = (v) => v;
const valueOnly: Unwrap = (v) => (v === undefined ? undefined : (v as ValueAndTimestamp<unknown>).value);

async function* concat<T>(sources: readonly AsyncIterable<T>[], map: (item: T) => T): AsyncIterable<T> {
  for (const source of sources) for await (const item of source) yield map(item);
}

/** The first instance's defined answer (the instance owning the key). */
async function first<S, R>(
  instances: readonly S[],
  read: (store: S) => R | Promise<R>,
): Promise<R | undefined> {
  for (const store of instances) {
    const value = await read(store);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** Every instance's answers, joined. */
async function gather<S, R>(instances: readonly S[], read: (store: S) => R[] | Promise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (const store of instances) out.push(...(await read(store)));
  return out;
}

function keyValueView(instances: () => readonly ReadOnlyKeyValueStore<unknown, unknown>[], unwrap: Unwrap) {
  const entry = (kv: KeyValue<unknown, unknown>) => ({ key: kv.key, value: unwrap(kv.value) });
  const view: ReadOnlyKeyValueStore<unknown, unknown> = {
    get: (key) => first(instances(), (s) => s.get(key)).then(unwrap),
    range: (from, to) =>
      concat(
        instances().map((s) => s.range(from, to)),
        entry,
      ),
    reverseRange: (from, to) =>
      concat(
        instances().map((s) => s.reverseRange(from, to)),
        entry,
      ),
    all: () =>
      concat(
        instances().map((s) => s.all()),
        entry,
      ),
    reverseAll: () =>
      concat(
        instances().map((s) => s.reverseAll()),
        entry,
      ),
    prefixScan: (prefix, serde) =>
      concat(
        instances().map((s) => s.prefixScan(prefix, serde)),
        entry,
      ),
    approximateNumEntries: async () => {
      let n = 0;
      for (const s of instances()) n += await s.approximateNumEntries();
      return n;
    },
  };
  return view;
}

function windowView(instances: () => readonly ReadOnlyWindowStore<unknown, unknown>[], unwrap: Unwrap) {
  const entry = (kv: KeyValue<Windowed<unknown>, unknown>) => ({ key: kv.key, value: unwrap(kv.value) });
  const windowed = (w: WindowedValue<unknown>) => ({ windowStart: w.windowStart, value: unwrap(w.value) });
  function fetch(key: unknown, windowStart: number): Promise<unknown>;
  function fetch(key: unknown, from: number, to: number): Promise<WindowedValue<unknown>[]>;
  function fetch(key: unknown, from: number, to?: number): Promise<unknown> {
    if (to === undefined) return first(instances(), (s) => s.fetch(key, from)).then(unwrap);
    return gather(instances(), (s) => s.fetch(key, from, to)).then((list) =>
      list.sort((a, b) => a.windowStart - b.windowStart).map(windowed),
    );
  }
  const view: ReadOnlyWindowStore<unknown, unknown> = {
    fetch,
    backwardFetch: (key, from, to) =>
      gather(instances(), (s) => s.backwardFetch(key, from, to)).then((list) =>
        list.sort((a, b) => b.windowStart - a.windowStart).map(windowed),
      ),
    fetchAll: (from, to) =>
      concat(
        instances().map((s) => s.fetchAll(from, to)),
        entry,
      ),
    backwardFetchAll: (from, to) =>
      concat(
        instances().map((s) => s.backwardFetchAll(from, to)),
        entry,
      ),
    all: () =>
      concat(
        instances().map((s) => s.all()),
        entry,
      ),
    backwardAll: () =>
      concat(
        instances().map((s) => s.backwardAll()),
        entry,
      ),
  };
  return view;
}

function sessionView(instances: () => readonly ReadOnlySessionStore<unknown, unknown>[]) {
  const view: ReadOnlySessionStore<unknown, unknown> = {
    findSessions: (key, earliestEnd, latestStart) =>
      gather(instances(), (s) => s.findSessions(key, earliestEnd, latestStart)),
    backwardFindSessions: (key, earliestEnd, latestStart) =>
      gather(instances(), (s) => s.backwardFindSessions(key, earliestEnd, latestStart)),
    fetchSession: (key, start, end) => first(instances(), (s) => s.fetchSession(key, start, end)),
    fetch: (key) => gather(instances(), (s) => s.fetch(key)),
    all: () =>
      concat(
        instances().map((s) => s.all()),
        (kv) => kv,
      ),
  };
  return view;
}

export type QueryableView =
  | ReadOnlyKeyValueStore<unknown, unknown>
  | ReadOnlyWindowStore<unknown, unknown>
  | ReadOnlySessionStore<unknown, unknown>;

/**
 * A read-only view of `builder`'s store over the instances `instances()` returns at each call. Timestamped stores
 * show plain values unless `timestamped` is set (then ValueAndTimestamp, as stored).
 */
export function queryableView(
  builder: StoreBuilder<StateStore>,
  instances: StoreInstances,
  options: { timestamped?: boolean } = {},
): QueryableView {
  const unwrap = isTimestamped(builder) && !options.timestamped ? valueOnly : asIs;
  switch (builder.kind) {
    case 'key-value':
    case 'timestamped-key-value':
      return keyValueView(
        instances as unknown as () => readonly ReadOnlyKeyValueStore<unknown, unknown>[],
        unwrap,
      );
    case 'window':
    case 'timestamped-window':
      return windowView(
        instances as unknown as () => readonly ReadOnlyWindowStore<unknown, unknown>[],
        unwrap,
      );
    case 'session':
      return sessionView(instances as unknown as () => readonly ReadOnlySessionStore<unknown, unknown>[]);
  }
}
