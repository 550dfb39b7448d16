import type { ChangelogBatch, ChangelogPartition, ChangelogReader } from '../api/changelog-reader.js';
import type { ChangelogRecord, ChangelogWriter } from '../api/store-runtime.js';

type Send = Parameters<ChangelogWriter['send']>[0];

interface Partition {
  /** Committed records by offset (index + `base`); undefined where a transaction marker sits. */
  records: (ChangelogRecord | undefined)[];
  base: number;
  /** Records sent in the open transaction: visible only after `commitTransaction()`. */
  pending: Send[];
}

/**
 * Changelog topics kept in memory, with Kafka's transactional visibility: `send()` buffers a record in the open
 * transaction, `commitTransaction()` appends the buffered records (and a marker offset, as a transaction marker
 * takes one in Kafka), `abortTransaction()` drops them. A reader sees committed records only. Used by the test
 * driver and by tests; `deleteRecordsBefore` imitates retention.
 */
export class InMemoryChangelog implements ChangelogWriter, ChangelogReader {
  private readonly partitions = new Map<string, Partition>();

  constructor(private readonly options: { transactional?: boolean } = {}) {}

  send(record: Send): void {
    const partition = this.partition(record);
    if (this.options.transactional) partition.pending.push(record);
    else this.append(partition, record);
  }

  /** Makes the records sent since the last commit visible. */
  commitTransaction(): void {
    for (const partition of this.partitions.values()) {
      if (partition.pending.length === 0) continue;
      for (const record of partition.pending) this.append(partition, record);
      partition.pending = [];
      // The commit marker occupies an offset (a hole readers skip), so offsets have gaps as under exactly-once.
      partition.records.push(undefined);
    }
  }

  /**
   * The log end offset of every changelog topic's partition `partition`, by topic: what a task of that partition
   * passes to `TaskStateManager.commit()` after a commit.
   */
  endOffsets(partition: number): Map<string, number> {
    const out = new Map<string, number>();
    for (const [id, p] of this.partitions) {
      const slash = id.lastIndexOf('/');
      if (Number(id.slice(slash + 1)) === partition) out.set(id.slice(0, slash), this.endOf(p));
    }
    return out;
  }

  abortTransaction(): void {
    for (const partition of this.partitions.values()) partition.pending = [];
  }

  /** The offset the next record of this partition will get (Kafka's log end offset). */
  nextOffset(changelog: ChangelogPartition): number {
    return this.endOf(this.partition(changelog));
  }

  /** Every committed record of a changelog partition, in offset order. */
  committed(changelog: ChangelogPartition): ChangelogRecord[] {
    return this.partition(changelog).records.filter((r): r is ChangelogRecord => r !== undefined);
  }

  /** Drops records below `offset`, as retention or deleteRecords would. */
  deleteRecordsBefore(changelog: ChangelogPartition, offset: number): void {
    const partition = this.partition(changelog);
    const drop = Math.min(Math.max(0, offset - partition.base), partition.records.length);
    partition.records.splice(0, drop);
    partition.base += drop;
  }

  async beginningOffset(changelog: ChangelogPartition): Promise<number> {
    return this.partition(changelog).base;
  }

  async endOffset(changelog: ChangelogPartition): Promise<number> {
    return this.endOf(this.partition(changelog));
  }

  async read(changelog: ChangelogPartition, fromOffset: number, maxRecords: number): Promise<ChangelogBatch> {
    const partition = this.partition(changelog);
    const end = this.endOf(partition);
    let index = Math.max(0, fromOffset - partition.base);
    const records: ChangelogRecord[] = [];
    while (index < partition.records.length && records.length < maxRecords) {
      const record = partition.records[index++];
      if (record !== undefined) records.push(record);
    }
    return { records, nextOffset: Math.min(end, partition.base + index) };
  }

  private partition(changelog: ChangelogPartition): Partition {
    const id = `${changelog.topic}/${changelog.partition}`;
    let partition = this.partitions.get(id);
    if (partition === undefined) {
      partition = { records: [], base: 0, pending: [] };
      this.partitions.set(id, partition);
    }
    return partition;
  }

  private endOf(partition: Partition): number {
    return partition.base + partition.records.length;
  }

  private append(partition: Partition, record: Send): void {
    partition.records.push({
      key: record.key,
      value: record.value,
      timestamp: record.timestamp,
      offset: this.endOf(partition),
      ...(record.headers !== undefined ? { headers: record.headers } : {}),
    });
  }
}
