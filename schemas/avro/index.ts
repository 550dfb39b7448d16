export { type AvroSerdeOptions, avroSerde } from './avro-serde.js';
export { type AvroSchema, type AvroSchemaObject, avroType } from './avro-type.js';
export {
  lazySchemaRegistryClient,
  type RegistryClient,
  type RegistryClientConfig,
} from './registry-client.js';
export { type SubjectNameStrategy, topicNameStrategy } from './subject-name.js';
