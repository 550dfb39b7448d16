import { describeStoreContract } from './support/store-contract.js';

describeStoreContract({ name: 'rocksdb', persistent: true });
