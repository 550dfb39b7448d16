import type { ChangelogPartition, ChangelogReader, RestoreProgress } from '../api/changelog-reader.js';
import type { StoreRuntime } from '../api/store-runtime.js';
import type { RestoreOptions } from '../task-state-manager.js';

const DEFAULT_BATCH = 10_000;

/**
 * Replays one store's changelog from `start` to `end` in batches, reporting progress. Returns the position reached
 * (every record below it is applied).
 */
export async function restoreStore(
  store: StoreRuntime,
  storeName: string,
  changelog: ChangelogPartition,
  reader: ChangelogReader,
  start: number,
  end: number,
  options: RestoreOptions,
): Promise<number> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const listener = options.listener;
  const began = performance.now();
  let position = start;
  let restored = 0;
  const progress = (): RestoreProgress => {
    const seconds = (performance.now() - began) / 1000;
    return {
      storeName,
      topic: changelog.topic,
      partition: changelog.partition,
      startOffset: start,
      endOffset: end,
      restored,
      total: Math.max(0, end - start),
      recordsPerSecond: seconds > 0 ? restored / seconds : 0,
    };
  };
  listener?.onRestoreStart?.(progress());
  while (position < end) {
    const batch = await reader.read(changelog, position, batchSize);
    if (batch.nextOffset <= position) {
      throw new Error(
        `restoring ${storeName}: reader made no progress at offset ${position} of ${changelog.topic}/${changelog.partition} (end ${end})`,
      );
    }
    if (batch.records.length > 0) await store.restore(batch.records);
    restored += batch.records.length;
    position = batch.nextOffset;
    listener?.onBatchRestored?.(progress());
  }
  listener?.onRestoreEnd?.(progress());
  return Math.max(position, end);
}
