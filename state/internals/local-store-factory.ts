import type { StoreContext } from '../api/store-runtime.js';
import { InMemoryLocalStore } from '../memory/in-memory-local-store.js';
import type { LocalStore } from './local-store.js';

export interface LocalStoreSpec {
  readonly name: string;
  readonly persistent: boolean;
  /** Window and session stores keep data in time segments. */
  readonly segmented: boolean;
}

/**
 * Picks the committed-state implementation of a store. Persistent stores need a task directory; the test driver's
 * in-memory runs have none (`taskDir` undefined) and get in-memory state with the same behaviour.
 */
export function createLocalStore(spec: LocalStoreSpec, context: StoreContext): LocalStore {
  if (spec.persistent && context.taskDir !== undefined) {
    // RocksDB-backed local state is registered by state/rocksdb (milestone 2); until then the same in-memory
    // implementation serves, which keeps behaviour identical but does not survive a restart.
    const factory = persistentFactory;
    if (factory !== undefined) return factory(spec, context);
  }
  return new InMemoryLocalStore();
}

type PersistentFactory = (spec: LocalStoreSpec, context: StoreContext) => LocalStore;
let persistentFactory: PersistentFactory | undefined;

export function registerPersistentLocalStore(factory: PersistentFactory): void {
  persistentFactory = factory;
}
