import type { Client, ClientConfig } from '@confluentinc/schemaregistry';

/**
 * The part of @confluentinc/schemaregistry's `Client` the Avro serde uses. Its `SchemaRegistryClient` and `MockClient`
 * both satisfy it. Only the type is imported here: the package itself costs ~0.8 s to load and is pulled in lazily.
 */
export type RegistryClient = Pick<
  Client,
  'register' | 'getId' | 'getLatestSchemaMetadata' | 'getBySubjectAndId'
>;

export type RegistryClientConfig = Omit<ClientConfig, 'baseURLs'>;

/**
 * A registry client for `url` (or several comma-separated URLs) that loads @confluentinc/schemaregistry on its first
 * call. Serdes built with it cost nothing until `prepare()` runs, and programs that never touch Avro never load it.
 */
export function lazySchemaRegistryClient(
  url: string | string[],
  config: RegistryClientConfig = {},
): RegistryClient {
  const baseURLs = Array.isArray(url) ? url : url.split(',').map((u) => u.trim());
  let client: Promise<Client> | undefined;
  const real = (): Promise<Client> => {
    // The client module alone, not the package index: the index also loads every KMS rule executor (4-5x slower).
    client ??= import('@confluentinc/schemaregistry/dist/schemaregistry-client.js').then(
      (m) => new m.SchemaRegistryClient({ ...config, baseURLs }),
    );
    return client;
  };
  return {
    register: async (subject, schema, normalize) => (await real()).register(subject, schema, normalize),
    getId: async (subject, schema, normalize) => (await real()).getId(subject, schema, normalize),
    getLatestSchemaMetadata: async (subject, format) =>
      (await real()).getLatestSchemaMetadata(subject, format),
    getBySubjectAndId: async (subject, id, format) => (await real()).getBySubjectAndId(subject, id, format),
  };
}
