// The registry package's modules are imported one by one: its index also loads the KMS rule executors, one of which
// (@hackbg/miscreant-esm) publishes a `source` export condition pointing at TypeScript files it does not ship, and
// vitest runs Node with `--conditions source` (for Tributary's own package), so importing the index fails under vitest.
export { MockClient } from '@confluentinc/schemaregistry/dist/mock-schemaregistry-client.js';
export { AvroDeserializer, AvroSerializer } from '@confluentinc/schemaregistry/dist/serde/avro.js';
export { SerdeType } from '@confluentinc/schemaregistry/dist/serde/serde.js';
