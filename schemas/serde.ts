import type { Headers } from '../operators/api/record.js';

/** What a serde is about to be used for; schema-registry serdes derive their subject from it. */
export interface SerdeTarget {
  readonly topic: string;
  readonly isKey: boolean;
}

/**
 * Turns values of type T into bytes and back. Serdes never see null: the framework maps a null key or value to null
 * bytes and back without calling them (a null value is a tombstone).
 *
 * `Serde<T>` is invariant in T, so a serde that does not match a stream's key or value type is a compile error.
 */
export interface Serde<T> {
  /** Shown by `topology.describe()` and in error messages. */
  readonly name: string;
  // Function-typed properties (not methods) so that TypeScript checks them strictly: Serde<T> is invariant in T.
  readonly serialize: (topic: string, data: T, headers?: Headers) => Buffer;
  readonly deserialize: (topic: string, data: Buffer, headers?: Headers) => T;
  /**
   * True when the bytewise order of serialized values equals the natural order of T, so that range queries over a
   * store keyed by this serde return keys in that order. Stores order keys by their bytes whatever the serde (as Kafka
   * Streams does): with a serde that is not order-preserving, a range is a range of bytes (state/README.md lists which
   * built-in serdes preserve order). Informational: nothing refuses a serde for lacking it.
   */
  readonly orderPreserving?: boolean;
  /**
   * Asynchronous preparation kept off the per-record path (e.g. registering or looking up a schema id). The runtime and
   * the test driver call it for every topic a serde is used with before processing starts.
   */
  prepare?(target: SerdeTarget): Promise<void>;
}

/**
 * Thrown by a serde that needs asynchronous work before it can (de)serialize a particular record, e.g. an Avro
 * deserializer meeting an unknown writer schema id. The caller awaits `prepare()` and retries once.
 */
export class SerdeNotReadyError extends Error {
  constructor(
    message: string,
    readonly prepare: () => Promise<void>,
  ) {
    super(message);
    this.name = 'SerdeNotReadyError';
  }
}

/** Thrown when bytes cannot be read or a value cannot be written; names the serde and what was wrong. */
export class SerializationError extends Error {
  constructor(
    message: string,
    readonly serde: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SerializationError';
  }
}

/** A serde of any type, for containers that hold serdes of several types (store builders, graph nodes). */
// biome-ignore lint/suspicious/noExplicitAny: type-erased on purpose; typed APIs never expose it.
export type AnySerde = Serde<any>;
