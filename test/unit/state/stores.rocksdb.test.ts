import { describeStoreContract } from './support/store-contract.js';

// With the default test budget, window and session stores keep recent segments in memory (segment mirror); with
// 4 MiB they get none and every range read goes through a RocksDB iterator. Both paths must behave the same.
describeStoreContract({ name: 'rocksdb', persistent: true });
describeStoreContract({ name: 'rocksdb without segment mirror', persistent: true, rocksDbMaxBytes: 4 << 20 });
