// Types for the parts of rocksdb-native 3.18.1 Tributary uses (the package ships none). Written from its lib/*.js;
// keys and values are Buffers (no key/value encodings are configured).
declare module 'rocksdb-native' {
  namespace RocksDB {
    interface ColumnFamilyOptions {
      /** Bytes of one memtable (default 64 MiB). */
      writeBufferSize?: number;
      /** Memtables kept before writes stall (default 2). */
      maxWriteBufferNumber?: number;
      /** Use a block cache: RocksDB's default 32 MiB LRU cache, one per column family (default true). */
      blockCache?: boolean;
      /** Data block size in bytes (default 8192). */
      tableBlockSize?: number;
      /** Keep index and filter blocks in the block cache (default true). */
      tableCacheIndexAndFilterBlocks?: boolean;
      optimizeFiltersForHits?: boolean;
    }

    class ColumnFamily {
      constructor(name: string, options?: ColumnFamilyOptions);
      readonly name: string;
    }

    interface DatabaseOptions extends ColumnFamilyOptions {
      columnFamilies?: Array<string | ColumnFamily>;
      readOnly?: boolean;
      createIfMissing?: boolean;
      createMissingColumnFamilies?: boolean;
      maxBackgroundJobs?: number;
      bytesPerSync?: number;
      maxOpenFiles?: number;
      avoidFlushDuringShutdown?: boolean;
    }

    interface BatchOptions {
      /** Initial number of operations (the batch grows past it). */
      capacity?: number;
      /** Free the batch once flushed: a batch that is never destroyed keeps the database from closing. */
      autoDestroy?: boolean;
    }

    interface ReadBatch {
      /** Queues a read; the promise settles with the value (null when absent) once the batch is flushed. */
      get(key: Buffer): Promise<Buffer | null>;
      flush(): Promise<void>;
      /** Flushes without a promise for the whole batch (the gets' promises still settle). */
      tryFlush(): void;
      destroy(): void;
    }

    interface WriteBatch {
      tryPut(key: Buffer, value: Buffer): void;
      tryDelete(key: Buffer): void;
      /** Deletes keys in [start, end). */
      tryDeleteRange(start: Buffer, end: Buffer): void;
      flush(): Promise<void>;
      destroy(): void;
    }

    interface Range {
      gt?: Buffer;
      gte?: Buffer;
      lt?: Buffer;
      lte?: Buffer;
    }

    interface IteratorOptions {
      reverse?: boolean;
      values?: boolean;
      limit?: number;
      /** Entries fetched per native call (default 8: far too few for scans). */
      capacity?: number;
    }

    interface Entry {
      key: Buffer;
      value: Buffer;
    }
  }

  class RocksDB {
    constructor(path: string, options?: RocksDB.DatabaseOptions);
    static ColumnFamily: typeof RocksDB.ColumnFamily;
    readonly opened: boolean;
    readonly closed: boolean;
    ready(): Promise<void>;
    close(options?: { force?: boolean }): Promise<void>;
    /** A session on another column family of the same database. */
    columnFamily(name: string): RocksDB;
    read(options?: RocksDB.BatchOptions): RocksDB.ReadBatch;
    write(options?: RocksDB.BatchOptions): RocksDB.WriteBatch;
    get(key: Buffer): Promise<Buffer | null>;
    iterator(range: RocksDB.Range, options?: RocksDB.IteratorOptions): AsyncIterable<RocksDB.Entry>;
    /** Flushes the memtables of this session's column family to (synced) table files. */
    flush(): Promise<void>;
    /** A RocksDB property of this session's column family, e.g. `rocksdb.estimate-num-keys`. */
    getProperty(name: string): Promise<string | number | undefined>;
  }

  export = RocksDB;
}
