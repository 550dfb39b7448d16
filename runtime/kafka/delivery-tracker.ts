/**
 * Follows the producer's delivery reports without a promise per record: a counter of records sent, a counter of
 * reports received, the last offset written per partition, and the first failure.
 *
 * Why counting matters (measured, docs/kafka-client-notes.md): librdkafka has every report before commit_transaction
 * or flush returns, but they reach JavaScript later, in batches through the event loop. When commitTransaction()
 * resolved after 100k sends, only ~17k reports had been dispatched. So "all delivered" means "reports received ==
 * records sent", and the last offsets are only final once that holds.
 */
import type { TopicPartition } from './records.js';

export interface PartitionOffset extends TopicPartition {
  readonly offset: number;
}

/** A record whose delivery failed. */
export interface DeliveryFailure {
  readonly error: unknown;
  readonly topic: string;
  readonly partition: number;
  readonly key: Buffer | string | null | undefined;
  /** The record's value, when the report carries it (dr_msg_cb; the runtime's producer asks for it on failures). */
  readonly value?: Buffer | null;
  readonly timestamp?: number;
}

/** Shape of librdkafka's delivery report (value only with dr_msg_cb). */
export interface DeliveryReportLike {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key?: Buffer | string | null;
  readonly value?: Buffer | null;
  readonly timestamp?: number;
}

/** Failed records kept per cycle (the first ones: after a rejection the rest of a transaction fails too). */
const MAX_FAILURES = 1_000;

export class DeliveryTracker {
  #sent = 0;
  #reported = 0;
  /** topic -> last offset by partition index (sparse). Nested to avoid building a string key per report. */
  #lastOffsets = new Map<string, number[]>();
  #failures: DeliveryFailure[] = [];
  #waiters: Array<() => void> = [];

  recordSent(): void {
    this.#sent++;
  }

  /** A send that librdkafka refused synchronously produces no report: take it back. */
  sendRefused(): void {
    this.#sent--;
  }

  onReport(error: unknown, report: DeliveryReportLike): void {
    this.#reported++;
    if (error) {
      if (this.#failures.length < MAX_FAILURES) {
        this.#failures.push({
          error,
          topic: report.topic,
          partition: report.partition,
          key: report.key,
          ...(report.value !== undefined ? { value: report.value } : {}),
          ...(report.timestamp !== undefined ? { timestamp: report.timestamp } : {}),
        });
      }
    } else {
      let offsets = this.#lastOffsets.get(report.topic);
      if (!offsets) {
        offsets = [];
        this.#lastOffsets.set(report.topic, offsets);
      }
      const previous = offsets[report.partition];
      if (previous === undefined || report.offset > previous) offsets[report.partition] = report.offset;
    }
    if (this.#reported === this.#sent && this.#waiters.length > 0) {
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const wake of waiters) wake();
    }
  }

  /** Reports received so far (also while not counting sends). */
  get reported(): number {
    return this.#reported;
  }

  /** Records sent whose report has not reached JavaScript yet. */
  get pending(): number {
    return this.#sent - this.#reported;
  }

  get failure(): DeliveryFailure | undefined {
    return this.#failures[0];
  }

  /** Every failed record reported since the last reset (up to the first 1000). */
  get failures(): readonly DeliveryFailure[] {
    return this.#failures;
  }

  /** Resolves once every record sent so far has been reported (immediately when none is pending). */
  settled(): Promise<void> {
    if (this.#reported >= this.#sent) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Last offset written per partition since the last reset. */
  lastOffsets(): PartitionOffset[] {
    const result: PartitionOffset[] = [];
    for (const [topic, offsets] of this.#lastOffsets) {
      offsets.forEach((offset, partition) => {
        result.push({ topic, partition, offset });
      });
    }
    return result;
  }

  /** Starts a new transaction / flush cycle: forgets offsets and failure (pending reports still count). */
  reset(): void {
    this.#lastOffsets = new Map();
    this.#failures = [];
  }
}
