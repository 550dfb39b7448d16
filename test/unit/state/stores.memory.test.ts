import { describeStoreContract } from './support/store-contract.js';

describeStoreContract({ name: 'in-memory', persistent: false });
