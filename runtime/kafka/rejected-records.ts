// Records the broker rejected inside a transaction (exactly_once_v2), remembered so that reprocessing can hand them to
// the production exception handler instead of sending them again (Kafka Streams consults the handler for failures the
// broker reports after the send too).
//
// A rejection (a record larger than the topic's max.message.bytes, an invalid record) makes the transaction
// abortable: it is aborted and every task reprocesses from its last commit. Without memory the same record would be
// produced and rejected again, forever. Which record was it? The failure reports of the aborted transaction say:
// - record-level errors (INVALID_RECORD, INVALID_TIMESTAMP...) name their records: librdkafka gives the other
//   records of the batch _INVALID_DIFFERENT_RECORD;
// - a batch refused for its size (MSG_SIZE_TOO_LARGE) fails every record in it. So the largest record that failed
//   that way in a partition is sent alone in a probe transaction, which is aborted (nothing of it becomes visible):
//   rejected alone, it is the culprit; accepted, no single record is (the batch as a whole was too large) and
//   nothing is remembered. The probe is repeated when its answer is another error: right after a rejection
//   librdkafka fails the next transaction's first batch with OUT_OF_ORDER_SEQUENCE (docs/kafka-client-notes.md).
//
// A remembered record is recognised by topic, key, value and timestamp (failure reports carry them; headers are not
// in reports). An identical record would be rejected the same way. Entries are dropped once a commit succeeded after
// they were handled (the input that produced them is behind the committed offsets then), or when they were not
// produced again within ENTRY_TTL_MS.
import type { DeliveryFailure } from './delivery-tracker.js';
import { errorCode } from './kafka-errors.js';
import { ErrorCodes } from './rdkafka.js';
import type { OutgoingRecord } from './stream-producer.js';

/** The broker refused the batch for its size: every record of the batch fails with it. */
const BATCH_SIZE_ERRORS: ReadonlySet<number> = new Set([
  ErrorCodes.ERR_MSG_SIZE_TOO_LARGE,
  ErrorCodes.ERR_RECORD_LIST_TOO_LARGE,
]);

/** The broker refused these records themselves (the rest of their batch gets _INVALID_DIFFERENT_RECORD). */
const RECORD_ERRORS: ReadonlySet<number> = new Set([
  ErrorCodes.ERR_INVALID_RECORD,
  ErrorCodes.ERR_INVALID_TIMESTAMP,
  ErrorCodes.ERR_INVALID_MSG,
]);

const PROBE_ATTEMPTS = 3;
const ENTRY_TTL_MS = 10 * 60_000;

export interface RejectedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly key: Buffer | null;
  /** Undefined when the failure report did not carry the value (every report counted: no payload copies). */
  readonly value: Buffer | null | undefined;
  readonly timestamp: number | undefined;
  /** The broker's error for the record. */
  readonly error: unknown;
}

interface Entry extends RejectedRecord {
  readonly learnedAt: number;
  /** Produced again and handed to the handler since the last commit. */
  handled: boolean;
}

/** Sends a record alone in a transaction that is aborted; resolves to its failure, if the broker rejected it. */
export type Probe = (record: OutgoingRecord) => Promise<DeliveryFailure | undefined>;

export class RejectedRecords {
  #entries: Entry[] = [];

  get size(): number {
    return this.#entries.length;
  }

  /**
   * Learns, from the failed deliveries of an aborted transaction, which records the broker rejected on their own.
   * Returns the records newly remembered.
   */
  async learn(failures: readonly DeliveryFailure[], probe: Probe): Promise<RejectedRecord[]> {
    const learned: RejectedRecord[] = [];
    const bySize = new Map<string, DeliveryFailure>();
    for (const f of failures) {
      const code = errorCode(f.error);
      if (code === undefined) continue;
      if (RECORD_ERRORS.has(code)) {
        learned.push(this.#remember(f, f.error));
      } else if (BATCH_SIZE_ERRORS.has(code) && f.value !== undefined) {
        // The largest record of each partition is the only one worth probing: if it passes alone, all smaller do.
        const tp = `${f.topic}\u0000${f.partition}`;
        const largest = bySize.get(tp);
        if (largest === undefined || sizeOf(f) > sizeOf(largest)) bySize.set(tp, f);
      }
    }
    for (const f of bySize.values()) {
      const record: OutgoingRecord = {
        topic: f.topic,
        partition: f.partition,
        key: toBuffer(f.key),
        value: f.value ?? null,
        timestamp: f.timestamp ?? Date.now(),
      };
      for (let attempt = 0; attempt < PROBE_ATTEMPTS; attempt++) {
        const failure = await probe(record);
        if (failure === undefined) break;
        const code = errorCode(failure.error);
        if (code !== undefined && (BATCH_SIZE_ERRORS.has(code) || RECORD_ERRORS.has(code))) {
          learned.push(this.#remember(f, failure.error));
          break;
        }
      }
    }
    return learned;
  }

  /** The remembered rejection `record` repeats, if any (marked handled: dropped after the next commit). */
  match(record: OutgoingRecord): RejectedRecord | undefined {
    for (const e of this.#entries) {
      if (e.topic !== record.topic) continue;
      if (e.timestamp !== undefined && e.timestamp !== record.timestamp) continue;
      if (!sameBytes(e.key, record.key)) continue;
      if (e.value !== undefined && !sameBytes(e.value, record.value)) continue;
      e.handled = true;
      return e;
    }
    return undefined;
  }

  /** A commit succeeded: handled records are behind the committed offsets; stale ones are forgotten. */
  committed(): void {
    if (this.#entries.length === 0) return;
    const now = Date.now();
    this.#entries = this.#entries.filter((e) => !e.handled && now - e.learnedAt < ENTRY_TTL_MS);
  }

  #remember(f: DeliveryFailure, error: unknown): RejectedRecord {
    const entry: Entry = {
      topic: f.topic,
      partition: f.partition,
      key: toBuffer(f.key),
      value: f.value,
      timestamp: f.timestamp,
      error,
      learnedAt: Date.now(),
      handled: false,
    };
    this.#entries.push(entry);
    return entry;
  }
}

function toBuffer(key: Buffer | string | null | undefined): Buffer | null {
  if (key === null || key === undefined) return null;
  return typeof key === 'string' ? Buffer.from(key) : key;
}

function sizeOf(f: DeliveryFailure): number {
  return (f.value?.length ?? 0) + (f.key?.length ?? 0);
}

function sameBytes(a: Buffer | null, b: Buffer | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.equals(b);
}
