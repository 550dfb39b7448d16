// The buffered input of one task: a queue per input partition, and the choice of which record to process next.
// Like Kafka Streams' PartitionGroup, it picks the partition whose head record has the smallest timestamp, so that
// co-partitioned inputs (join sides) are interleaved in event-time order. Each partition also carries its position
// (consumed and committed offsets) and its partition time, so the hot path allocates nothing per record.
import type { RawRecord } from './raw-record.js';

export class InputPartition {
  /**
   * Buffered records are `records[head..tail)`. Consumed slots are cleared and the array is reused from the start
   * once drained: the test driver buffers one record at a time, and a fresh array per record cost a backing store
   * allocation (~150 bytes) each.
   */
  private records: (RawRecord | undefined)[] = [];
  private head = 0;
  private tail = 0;
  /** Largest timestamp seen on this partition (-1 before the first record). */
  partitionTime = -1;
  /** Offset of the next record to process; -1 until known. */
  consumedOffset = -1;
  /** Offset committed last (what a rollback rewinds to); -1 until known. */
  committedOffset = -1;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  get buffered(): number {
    return this.tail - this.head;
  }

  /** Timestamp of the next record (call only when `buffered > 0`). */
  headTimestamp(): number {
    return (this.records[this.head] as RawRecord).timestamp;
  }

  push(record: RawRecord): void {
    this.records[this.tail++] = record;
  }

  /** Appends many; moves the live records to the front first when most of the array is consumed slots. */
  pushAll(records: readonly RawRecord[]): void {
    if (this.head > 1024 && this.head * 2 > this.tail) {
      this.records = this.records.slice(this.head, this.tail);
      this.tail -= this.head;
      this.head = 0;
    }
    for (let i = 0; i < records.length; i++) this.records[this.tail++] = records[i];
  }

  /** Takes the next record (call only when `buffered > 0`). */
  shift(): RawRecord {
    const record = this.records[this.head] as RawRecord;
    this.records[this.head++] = undefined;
    if (this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
    }
    return record;
  }

  /** Drops the buffered records. */
  clear(): void {
    this.records = [];
    this.head = 0;
    this.tail = 0;
  }
}

export interface Position {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Committed with the offset: carries the partition time across restarts (see encodePartitionTime). */
  readonly metadata?: string;
}

const PARTITION_TIME_PREFIX = 'tributary.pt:';

/**
 * Offset-commit metadata holding a partition's time, so that a task resuming the partition starts from the stream
 * time it had reached (Kafka Streams commits partition time in offset metadata too) instead of from nothing.
 */
export function encodePartitionTime(partitionTimeMs: number): string | undefined {
  return partitionTimeMs >= 0 ? `${PARTITION_TIME_PREFIX}${partitionTimeMs}` : undefined;
}

/** The partition time in committed metadata, or -1 when it holds none (or another application's text). */
export function decodePartitionTime(metadata: string | undefined): number {
  if (metadata === undefined || !metadata.startsWith(PARTITION_TIME_PREFIX)) return -1;
  const ms = Number(metadata.slice(PARTITION_TIME_PREFIX.length));
  return Number.isSafeInteger(ms) && ms >= 0 ? ms : -1;
}

export class PartitionGroup {
  private readonly byTopic = new Map<string, InputPartition[]>();
  private readonly all: InputPartition[] = [];
  private buffered = 0;
  /** The partition the record returned by the last `next()` came from. */
  current: InputPartition | undefined;

  /** The partition's state, created on first use. */
  partition(topic: string, partition: number): InputPartition {
    const current = this.current;
    if (current !== undefined && current.topic === topic && current.partition === partition) return current;
    let list = this.byTopic.get(topic);
    if (!list) {
      list = [];
      this.byTopic.set(topic, list);
    }
    let p = list[partition];
    if (!p) {
      p = new InputPartition(topic, partition);
      list[partition] = p;
      this.all.push(p);
    }
    return p;
  }

  add(topic: string, partition: number, records: readonly RawRecord[]): void {
    if (records.length === 0) return;
    this.partition(topic, partition).pushAll(records);
    this.buffered += records.length;
  }

  push(record: RawRecord): void {
    this.partition(record.topic, record.partition).push(record);
    this.buffered++;
  }

  get size(): number {
    return this.buffered;
  }

  /** Buffered records of one partition (the runtime pauses partitions whose buffer is full). */
  sizeOf(topic: string, partition: number): number {
    return this.byTopic.get(topic)?.[partition]?.buffered ?? 0;
  }

  next(): RawRecord | undefined {
    if (this.buffered === 0) return undefined;
    const all = this.all;
    let best: InputPartition | undefined;
    if (all.length === 1) {
      best = all[0];
    } else {
      let bestTimestamp = 0;
      for (let i = 0; i < all.length; i++) {
        const q = all[i];
        if (q.buffered === 0) continue;
        const ts = q.headTimestamp();
        if (best === undefined || ts < bestTimestamp) {
          best = q;
          bestTimestamp = ts;
        }
      }
    }
    if (best === undefined || best.buffered === 0) return undefined;
    this.buffered--;
    this.current = best;
    return best.shift();
  }

  /** Drops all buffered records (positions stay). */
  clear(): void {
    for (const q of this.all) q.clear();
    this.buffered = 0;
  }

  /** Drops buffered records of one partition (it was revoked). */
  remove(topic: string, partition: number): void {
    const q = this.byTopic.get(topic)?.[partition];
    if (!q) return;
    this.buffered -= q.buffered;
    q.clear();
  }

  /** Consumed positions of every partition that has one. */
  consumed(): Position[] {
    const out: Position[] = [];
    for (const q of this.all) {
      if (q.consumedOffset < 0) continue;
      const metadata = encodePartitionTime(q.partitionTime);
      out.push({
        topic: q.topic,
        partition: q.partition,
        offset: q.consumedOffset,
        ...(metadata ? { metadata } : {}),
      });
    }
    return out;
  }

  committed(): Position[] {
    const out: Position[] = [];
    for (const q of this.all)
      if (q.committedOffset >= 0)
        out.push({ topic: q.topic, partition: q.partition, offset: q.committedOffset });
    return out;
  }

  /** The consumed positions become the committed ones. */
  markCommitted(): void {
    for (const q of this.all) q.committedOffset = q.consumedOffset;
  }

  /** Back to the committed positions (rollback). */
  rewind(): void {
    for (const q of this.all) q.consumedOffset = q.committedOffset;
  }

  partitions(): readonly InputPartition[] {
    return this.all;
  }
}
