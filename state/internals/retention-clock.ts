import { decodeTime, encodeTime } from './key-codec.js';

/** Kafka Streams' segment width: two live segments and one expiring for the usual retention. */
export function defaultSegmentIntervalMs(retentionMs: number): number {
  return Math.max(Math.floor(retentionMs / 2), 60_000);
}

const OBSERVED_META = 'observedStreamTime';

/**
 * The stream time a window or session store has observed (newest window start / session end put or restored) and
 * what it means for retention: an entry with time t is expired once t <= observed - retention, as in Kafka Streams'
 * in-memory stores. Reads never return expired entries and puts of them are dropped, whatever segments still hold
 * physically; whole segments below the oldest live time are dropped at commit.
 *
 * The observed time is state like any other: it moves with uncommitted puts, returns to the committed value on
 * rollback, and is stored with local state at commit (metadata) so a resumed persistent store knows it.
 */
export class RetentionClock {
  private observed = -1;
  private committedObserved = -1;

  constructor(
    readonly retentionMs: number,
    readonly segmentIntervalMs: number,
  ) {}

  get observedTime(): number {
    return this.observed;
  }

  /**
   * The newest time local state can hold: it only receives committed writes and restored records, all of which were
   * observed before this was last committed. Anything newer is known to be absent without reading RocksDB.
   */
  get committedTime(): number {
    return this.committedObserved;
  }

  /** The highest segment local state can hold anything in (-1: none). */
  lastLocalSegment(): number {
    return this.committedObserved < 0 ? -1 : this.segmentOf(this.committedObserved);
  }

  observe(time: number): void {
    if (time > this.observed) this.observed = time;
  }

  isExpired(time: number): boolean {
    return time <= this.observed - this.retentionMs;
  }

  /** The oldest time a read may return. */
  lowestLiveTime(): number {
    return Math.max(0, this.observed - this.retentionMs + 1);
  }

  segmentOf(time: number): number {
    return Math.floor(time / this.segmentIntervalMs);
  }

  /** Segment ids that may hold times in [from, to], capped to the live ones. */
  segmentsBetween(from: number, to: number): number[] {
    const first = this.segmentOf(Math.max(from, this.lowestLiveTime()));
    const last = this.segmentOf(Math.min(to, Math.max(this.observed, 0)));
    const out: number[] = [];
    for (let s = first; s <= last; s++) out.push(s);
    return out;
  }

  /** Segments entirely older than the oldest live time, which local state may drop. */
  dropSegmentsBelow(): number | undefined {
    return this.observed < 0 ? undefined : this.segmentOf(this.lowestLiveTime());
  }

  writeMeta(meta: Map<string, Buffer>): void {
    if (this.observed >= 0) meta.set(OBSERVED_META, Buffer.from(encodeTime(this.observed), 'latin1'));
  }

  /** Starts from what local state recorded (nothing, for fresh or in-memory state). */
  readMeta(bytes: Buffer | undefined): void {
    this.observed = -1;
    if (bytes !== undefined && bytes.length === 8) this.observe(decodeTime(bytes.toString('latin1'), 0));
    this.committedObserved = this.observed;
  }

  static readonly metaName = OBSERVED_META;

  commit(): void {
    this.committedObserved = this.observed;
  }

  rollback(): void {
    this.observed = this.committedObserved;
  }
}
