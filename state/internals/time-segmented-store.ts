import type { MaybePromise } from '../../common/maybe-promise.js';
import { andThen } from '../../common/maybe-promise.js';
import type { ChangelogRecord } from '../api/store-runtime.js';
import { CoreBackedStore, type StoreLayout, type StoreParts } from './core-backed-store.js';
import { decodeTime } from './key-codec.js';
import { RetentionClock } from './retention-clock.js';
import type { CommitExtras } from './store-core.js';

export interface TimeSegmentedParts<K, V> extends StoreParts<K, V> {
  readonly retentionMs: number;
  readonly segmentIntervalMs: number;
}

/**
 * Window and session stores: store keys end with a fixed-size suffix whose first 8 bytes are the time that decides
 * the entry's segment and expiry (window start, session end). Keeps the retention clock through commits, rollbacks
 * and restores, and drops expired segments at commit.
 */
export abstract class TimeSegmentedStore<K, V> extends CoreBackedStore<K, V> {
  readonly retentionMs: number;
  protected readonly clock: RetentionClock;
  /**
   * What local state last received: the observed time and the shape's own metadata (as numbers: comparing them
   * costs nothing, the test driver commits after every record), and the segment bound below which it dropped
   * everything.
   */
  private persistedObserved = -1;
  private persistedDrop: number | undefined;

  constructor(
    parts: TimeSegmentedParts<K, V>,
    /** Bytes after the serialized key: the segment time is at `length - suffix`. */
    protected readonly suffix: number,
    listenerKey: StoreLayout['listenerKey'],
  ) {
    const clock = new RetentionClock(parts.retentionMs, parts.segmentIntervalMs);
    super(parts, { segmentOf: (key) => clock.segmentOf(decodeTime(key, key.length - suffix)), listenerKey });
    this.clock = clock;
    this.retentionMs = parts.retentionMs;
  }

  /**
   * The last segment a read of times from `from` on needs from local state: none (-1) when `from` is newer than
   * anything committed, so that reads about new windows and sessions cost no RocksDB iterator.
   */
  protected localSegmentsFrom(from: number): number {
    return from > this.clock.committedTime ? -1 : this.clock.lastLocalSegment();
  }

  /** The time an entry's segment and expiry depend on. */
  protected timeOf(storeKey: string): number {
    return decodeTime(storeKey, storeKey.length - this.suffix);
  }

  protected override loaded(): MaybePromise<void> {
    return andThen(this.core.local.getMeta(RetentionClock.metaName), (observed) => {
      this.clock.readMeta(observed);
      return andThen(this.loadedMore(), () => {
        this.persistedObserved = this.clock.observedTime;
        this.persistedMore();
        this.persistedDrop = undefined;
      });
    });
  }

  /** More metadata to read after the clock's (window stores: the sequence number). */
  protected loadedMore(): MaybePromise<void> {
    return undefined;
  }

  override async restore(records: readonly ChangelogRecord[]): Promise<void> {
    const suffix = this.suffix;
    const clock = this.clock;
    for (const record of records) {
      const key = record.key;
      if (key.length < suffix) throw new Error(`store ${this.name}: changelog key of ${key.length} bytes`);
      clock.observe(timeAt(key, key.length - suffix));
      this.restoredKey(key);
    }
    await this.core.restore(records, this.commitExtras(), (key) => {
      const time = timeAt(key, key.length - suffix);
      return clock.isExpired(time) ? -1 : clock.segmentOf(time);
    });
    this.committed();
  }

  /** Window stores with duplicates learn their sequence numbers from restored keys. */
  protected restoredKey(_key: Buffer): void {}

  /**
   * Metadata and segment drops, only when they changed since local state last got them: a commit that wrote nothing
   * to this store then costs no write at all (the test driver commits after every record).
   */
  protected override commitExtras(): CommitExtras | undefined {
    const observed = this.clock.observedTime;
    // In memory nothing reads metadata back (every open starts empty): only segment drops matter there.
    const changed =
      this.core.local.durable && (observed !== this.persistedObserved || this.moreMetaChanged());
    const drop = this.clock.dropSegmentsBelow();
    const dropped = drop !== undefined && drop !== this.persistedDrop;
    if (!changed && !dropped) return undefined;
    let meta: Map<string, Buffer> | undefined;
    if (changed) {
      meta = new Map<string, Buffer>();
      this.clock.writeMeta(meta);
      this.moreMeta(meta);
      this.persistedObserved = observed;
      this.persistedMore();
    }
    if (dropped) this.persistedDrop = drop;
    return { meta, dropSegmentsBelow: dropped ? drop : undefined };
  }

  /** Metadata of the shape itself (window stores with duplicates: the sequence number). */
  protected moreMeta(_meta: Map<string, Buffer>): void {}

  /** Whether `moreMeta` would write something else than local state last got. */
  protected moreMetaChanged(): boolean {
    return false;
  }

  /** Local state got what `moreMeta` writes now. */
  protected persistedMore(): void {}

  protected override committed(): void {
    this.clock.commit();
  }

  protected override rolledBack(): void {
    this.clock.rollback();
  }
}

function timeAt(bytes: Buffer, at: number): number {
  return bytes.readUInt32BE(at) * 4294967296 + bytes.readUInt32BE(at + 4);
}
