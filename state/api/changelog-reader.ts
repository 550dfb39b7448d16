/**
 * How a task's state manager reads changelog topics to restore stores (internal contract: not exported from the
 * package root). The Kafka runtime implements it with a read_committed consumer; the test driver and tests use
 * `InMemoryChangelog` (state/changelog/in-memory-changelog.ts), which is also a `ChangelogWriter`.
 *
 * Offsets are Kafka offsets. Under exactly-once, transaction markers and aborted records occupy offsets that a reader
 * never returns, so a batch says where the next read starts (`nextOffset`) rather than leaving the caller to assume
 * `last.offset + 1`.
 */
import type { ChangelogRecord } from './store-runtime.js';

export interface ChangelogPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface ChangelogBatch {
  /** Committed records with offset >= the requested offset, in offset order (possibly empty). */
  readonly records: readonly ChangelogRecord[];
  /** Where the following read starts: after the last record, marker or aborted record this read covered. */
  readonly nextOffset: number;
}

export interface ChangelogReader {
  /** The first offset still in the log (after retention or deleteRecords), where a full restore starts. */
  beginningOffset(changelog: ChangelogPartition): Promise<number>;
  /** The offset after the last committed record (read_committed: the last stable offset). Restoration stops there. */
  endOffset(changelog: ChangelogPartition): Promise<number>;
  /**
   * Reads up to `maxRecords` committed records from `fromOffset`. Must make progress: when `fromOffset` is below the
   * end offset, `nextOffset` is greater than `fromOffset`.
   */
  read(changelog: ChangelogPartition, fromOffset: number, maxRecords: number): Promise<ChangelogBatch>;
}

/** Progress of one store's restoration (Kafka Streams' `StateRestoreListener`, in one callback per step). */
export interface RestoreProgress {
  readonly storeName: string;
  readonly topic: string;
  readonly partition: number;
  /** Offset restoration started from, and the end offset it runs to. */
  readonly startOffset: number;
  readonly endOffset: number;
  /** Records applied so far, and an upper bound of the total (offsets, which include transaction markers). */
  readonly restored: number;
  readonly total: number;
  /** Records per second since this store's restoration started. */
  readonly recordsPerSecond: number;
}

export interface RestoreListener {
  onRestoreStart?(progress: RestoreProgress): void;
  onBatchRestored?(progress: RestoreProgress): void;
  onRestoreEnd?(progress: RestoreProgress): void;
}
