import { join } from 'node:path';
import type { StoreContext } from '../api/store-runtime.js';
import { InMemoryLocalStore } from '../memory/in-memory-local-store.js';
import { RocksDbLocalStore } from '../rocksdb/rocksdb-local-store.js';
import { RocksDbMemory } from '../rocksdb/rocksdb-memory.js';
import type { LocalStore } from './local-store.js';

export interface LocalStoreSpec {
  readonly name: string;
  readonly persistent: boolean;
  /** Window and session stores keep data in time segments. */
  readonly segmented: boolean;
}

/**
 * Picks the committed-state implementation of a store: RocksDB under `<taskDir>/rocksdb/<name>` for persistent
 * stores, memory otherwise. Without a task directory (the test driver's in-memory runs) persistent stores are kept in
 * memory too, with the same behaviour.
 */
export function createLocalStore(spec: LocalStoreSpec, context: StoreContext): LocalStore {
  if (spec.persistent && context.taskDir !== undefined) {
    return new RocksDbLocalStore(
      join(context.taskDir, 'rocksdb', spec.name),
      spec.segmented,
      RocksDbMemory.of(context.memory),
    );
  }
  return new InMemoryLocalStore();
}
