import type { Headers } from '../../operators/api/record.js';

/** A record as Kafka (or the test driver) delivers it: bytes, before any serde ran. */
export interface RawRecord {
  /** Physical topic name (internal topics carry the application id prefix). */
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: number;
  readonly headers: Headers;
}
