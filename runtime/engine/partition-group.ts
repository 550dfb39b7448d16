// The buffered input of one task: a queue per input partition, and the choice of which record to process next.
// Like Kafka Streams' PartitionGroup, it picks the partition whose head record has the smallest timestamp, so that
// co-partitioned inputs (join sides) are interleaved in event-time order.
import type { RawRecord } from './raw-record.js';

interface PartitionQueue {
  readonly topic: string;
  readonly partition: number;
  records: RawRecord[];
  head: number;
}

export class PartitionGroup {
  private readonly queues = new Map<string, PartitionQueue>();
  private buffered = 0;

  static key(topic: string, partition: number): string {
    return `${topic}\u0000${partition}`;
  }

  add(topic: string, partition: number, records: readonly RawRecord[]): void {
    if (records.length === 0) return;
    const key = PartitionGroup.key(topic, partition);
    let q = this.queues.get(key);
    if (!q) {
      q = { topic, partition, records: [], head: 0 };
      this.queues.set(key, q);
    }
    if (q.head > 1024 && q.head * 2 > q.records.length) {
      q.records = q.records.slice(q.head);
      q.head = 0;
    }
    for (const r of records) q.records.push(r);
    this.buffered += records.length;
  }

  get size(): number {
    return this.buffered;
  }

  /** Buffered records of one partition (the runtime pauses partitions whose buffer is full). */
  sizeOf(topic: string, partition: number): number {
    const q = this.queues.get(PartitionGroup.key(topic, partition));
    return q ? q.records.length - q.head : 0;
  }

  next(): RawRecord | undefined {
    if (this.buffered === 0) return undefined;
    let best: PartitionQueue | undefined;
    for (const q of this.queues.values()) {
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
    return record;
  }

  clear(): void {
    this.queues.clear();
    this.buffered = 0;
  }

  /** Drops buffered records of one partition (it was revoked). */
  remove(topic: string, partition: number): void {
    const key = PartitionGroup.key(topic, partition);
    const q = this.queues.get(key);
    if (!q) return;
    this.buffered -= q.records.length - q.head;
    this.queues.delete(key);
  }
}
