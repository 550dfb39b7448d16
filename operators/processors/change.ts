// KTable updates travel between table operators as Changes: the new value and the value it replaced (null for an
// insert; a null new value is a delete). KTable.toStream() turns them back into plain records.
import type { MaybePromise } from '../../common/maybe-promise.js';
import type { InternalProcessorContext } from '../../runtime/engine/processor-node.js';
import type { ProcessorContext } from '../api/processor.js';
import type { Headers, ValueAndTimestamp } from '../api/record.js';

export interface Change<V> {
  readonly newValue: V | null;
  readonly oldValue: V | null;
}

const NO_HEADERS: Headers = {};

/** How a store's emits become Changes when its values or timestamps are not those of a timestamped key-value store. */
export interface ForwarderOptions {
  /** The store holds plain values (session stores), not ValueAndTimestamp. */
  readonly plainValues?: boolean;
  /** The timestamp of an emitted update from its key (session windows: the session end, as Kafka Streams). */
  readonly timestampOf?: (key: unknown) => number;
}

interface CachingStore {
  setFlushListener?(
    listener: (key: unknown, newValue: unknown, oldValue: unknown, timestamp: number) => MaybePromise<void>,
    sendOldValues?: boolean,
  ): boolean;
}

/**
 * Forwards a table operator's updates as Changes (Kafka Streams' TimestampedTupleForwarder): when its store caches,
 * the store's flush listener forwards deduplicated updates at commit; otherwise every update is forwarded at once.
 */
export class TableForwarder {
  /** The store emits the updates at flush (caching enabled): `maybeForward` does nothing. */
  readonly cached: boolean;

  constructor(
    store: CachingStore,
    private readonly ctx: ProcessorContext<unknown, Change<unknown>>,
    options: ForwarderOptions = {},
  ) {
    const plain = options.plainValues === true;
    const timestampOf = options.timestampOf;
    // Old values cost a deserialization per emit: only for a downstream that reads them.
    const sendOldValues = (ctx as Partial<InternalProcessorContext>).childrenReadOldValues ?? true;
    this.cached =
      store.setFlushListener?.(
        (key, newValue, oldValue, timestamp) =>
          ctx.forward({
            key,
            value: {
              newValue: plain
                ? (newValue ?? null)
                : ((newValue as ValueAndTimestamp<unknown> | null)?.value ?? null),
              oldValue: plain
                ? (oldValue ?? null)
                : ((oldValue as ValueAndTimestamp<unknown> | null)?.value ?? null),
            },
            timestamp: timestampOf ? timestampOf(key) : timestamp,
            headers: NO_HEADERS,
          }),
        sendOldValues,
      ) ?? false;
  }

  maybeForward(
    key: unknown,
    newValue: unknown,
    oldValue: unknown,
    timestamp: number,
    headers: Headers = NO_HEADERS,
  ): MaybePromise<void> {
    if (this.cached) return;
    return this.ctx.forward({
      key,
      value: { newValue: newValue ?? null, oldValue: oldValue ?? null },
      timestamp,
      headers,
    });
  }
}
