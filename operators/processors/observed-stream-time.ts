// The stream time a windowed aggregation had observed when its state was last committed, read back from that state.
//
// Windowed aggregations drop a record as late by the stream time they observed themselves (Kafka Streams keeps it in
// a processor field). Processors are recreated after a restart and after a rolled-back transaction: starting that
// field from nothing would let a replayed late record update a closed window (an extra result the first run never
// produced) or be dropped by the store's retention without being counted. Every record a windowed aggregation
// accepted left its timestamp in the state (a window aggregate's timestamp is its newest record's; a session ends at
// its newest record), and late records never advanced the stream time, so the newest of those timestamps is exactly
// the stream time as of the last commit.
import type { SessionStore } from '../../state/api/session-store.js';
import type { TimestampedWindowStore } from '../../state/api/window-store.js';

/**
 * The newest aggregate timestamp in a window store whose windows span `windowSpanMs` (a record at t lies in windows
 * starting after t - windowSpanMs). Reads the newest windows only: -1 for empty state.
 */
export async function newestWindowTimestamp(
  store: TimestampedWindowStore<unknown, unknown>,
  windowSpanMs: number,
): Promise<number> {
  let newest = -1;
  // Newest window start first: once windows start a whole span before the newest timestamp, none can hold a newer one.
  for await (const { key, value } of store.backwardFetchAll(0, Number.MAX_SAFE_INTEGER)) {
    if (newest >= 0 && key.window.start <= newest - windowSpanMs) break;
    if (value.timestamp > newest) newest = value.timestamp;
  }
  return newest;
}

/** The newest session end in a session store (-1 for empty state). Sessions come by end time: the last one wins. */
export async function newestSessionEnd(store: SessionStore<unknown, unknown>): Promise<number> {
  let newest = -1;
  for await (const { key } of store.all()) if (key.window.end > newest) newest = key.window.end;
  return newest;
}
