// The buffered input of one task: a queue per input partition, and the choice of which record to process next.
// Like Kafka Streams' PartitionGroup, it picks the partition whose head record has the smallest timestamp, so that
// co-partitioned inputs (join sides) are interleaved in event-time order. Each partition also carries its position
// (consumed and committed offsets) and its partition time, so the hot path allocates nothing per record.
import type { RawRecord } from './raw-record.js';

export class InputPartition {
  records: RawRecord[] = [];
  head = 0;
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
    return this.records.length - this.head;
  }
}

export interface Position {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

export class PartitionGroup {
  private readonly byTopic = new Map<string, InputPartition[]>();
  private readonly all: InputPartition[] = [];
  private buffered = 0;
  /** The partition the record returned by the last `next()` came from. */
  current: InputPartition | undefined;

  /** The partition's state, created on first use. */
  partition(topic: string, partition: number): InputPartition {
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
    const q = this.partition(topic, partition);
    if (q.head > 1024 && q.head * 2 > q.records.length) {
      q.records = q.records.slice(q.head);
      q.head = 0;
    }
    for (const r of records) q.records.push(r);
    this.buffered += records.length;
  }

  push(record: RawRecord): void {
    this.partition(record.topic, record.partition).records.push(record);
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
    let best: InputPartition | undefined;
    for (const q of this.all) {
      if (q.head >= q.records.length) continue;
      if (!best || q.records[q.head].timestamp < best.records[best.head].timestamp) best = q;
    }
    if (!best) return undefined;
    const record = best.records[best.head];
    best.head++;
    if (best.head === best.records.length) {
      best.records = [];
      best.head = 0;
    }
    this.buffered--;
    this.current = best;
    return record;
  }

  /** Drops all buffered records (positions stay). */
  clear(): void {
    for (const q of this.all) {
      q.records = [];
      q.head = 0;
    }
    this.buffered = 0;
  }

  /** Drops buffered records of one partition (it was revoked). */
  remove(topic: string, partition: number): void {
    const q = this.byTopic.get(topic)?.[partition];
    if (!q) return;
    this.buffered -= q.buffered;
    q.records = [];
    q.head = 0;
  }

  /** Consumed positions of every partition that has one. */
  consumed(): Position[] {
    const out: Position[] = [];
    for (const q of this.all)
      if (q.consumedOffset >= 0)
        out.push({ topic: q.topic, partition: q.partition, offset: q.consumedOffset });
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
