// Windowed aggregation over fixed-size windows (Kafka Streams' KStreamWindowAggregate): tumbling and hopping windows.
// Each record updates every window containing its timestamp that is still open; a window closes once the stream time
// this processor observed reaches its end + grace, and records for closed windows are dropped and counted as late.
import { isPromise, type MaybePromise } from '../../common/maybe-promise.js';
import type { InternalProcessorContext } from '../../runtime/engine/processor-node.js';
import type { TimestampedWindowStore } from '../../state/api/window-store.js';
import type { Processor, ProcessorContext } from '../api/processor.js';
import type { StreamRecord, ValueAndTimestamp } from '../api/record.js';
import type { AggregateLogic } from './aggregate.js';
import { type Change, TableForwarder } from './change.js';
import { newestWindowTimestamp } from './observed-stream-time.js';
import { forEachInOrder } from './sequence.js';

/** The aggregate of an empty window for reduce (which has no initializer): the first value becomes the aggregate. */
export const NO_AGGREGATE: unique symbol = Symbol('no aggregate');

export function initialAggregate(logic: AggregateLogic): unknown {
  return logic.initial === undefined ? NO_AGGREGATE : logic.initial();
}

export function addToAggregate(
  logic: AggregateLogic,
  key: unknown,
  value: unknown,
  aggregate: unknown,
): unknown {
  return aggregate === NO_AGGREGATE ? value : logic.add(key, value, aggregate);
}

/** Records without a key or value cannot be aggregated: dropped and counted (true when dropped). */
export function droppedForNulls(
  ctx: InternalProcessorContext,
  record: StreamRecord<unknown, unknown>,
): boolean {
  if (record.key == null) {
    ctx.recordDropped('null-key');
    return true;
  }
  if (record.value == null) {
    ctx.recordDropped('null-value');
    return true;
  }
  return false;
}

type Store = TimestampedWindowStore<unknown, unknown>;

export interface TimeWindowSpec {
  readonly storeName: string;
  readonly sizeMs: number;
  readonly advanceMs: number;
  readonly graceMs: number;
  /** Start times of the windows containing a timestamp. */
  readonly windowStartsFor: (timestamp: number) => readonly number[];
}

export class TimeWindowAggregateProcessor implements Processor<unknown, unknown, unknown, Change<unknown>> {
  private ctx!: InternalProcessorContext<unknown, Change<unknown>>;
  private store!: Store;
  private forwarder!: TableForwarder;
  private observedStreamTime = -1;

  constructor(
    private readonly spec: TimeWindowSpec,
    private readonly logic: AggregateLogic,
  ) {}

  async init(context: ProcessorContext<unknown, Change<unknown>>): Promise<void> {
    this.ctx = context as InternalProcessorContext<unknown, Change<unknown>>;
    this.store = context.getStateStore<Store>(this.spec.storeName);
    this.forwarder = new TableForwarder(this.store as never, context);
    this.observedStreamTime = await newestWindowTimestamp(this.store, this.spec.sizeMs);
  }

  process(record: StreamRecord<unknown, unknown>): MaybePromise<void> {
    if (droppedForNulls(this.ctx, record)) return;
    if (record.timestamp > this.observedStreamTime) this.observedStreamTime = record.timestamp;
    const closeTime = this.observedStreamTime - this.spec.graceMs;
    const { sizeMs, advanceMs } = this.spec;
    // Tumbling windows (the common case): one window, no list.
    if (advanceMs === sizeMs)
      return this.updateWindow(record, record.timestamp - (record.timestamp % sizeMs), closeTime);
    return forEachInOrder(this.spec.windowStartsFor(record.timestamp), (start) =>
      this.updateWindow(record, start, closeTime),
    );
  }

  private updateWindow(
    record: StreamRecord<unknown, unknown>,
    start: number,
    closeTime: number,
  ): MaybePromise<void> {
    const end = start + this.spec.sizeMs;
    if (end <= closeTime) {
      this.ctx.recordDropped('late');
      return;
    }
    const old = this.store.fetch(record.key, start);
    return isPromise(old)
      ? old.then((o) => this.update(record, start, end, o))
      : this.update(record, start, end, old);
  }

  private update(
    record: StreamRecord<unknown, unknown>,
    start: number,
    end: number,
    old: ValueAndTimestamp<unknown> | undefined,
  ): MaybePromise<void> {
    const base = old === undefined ? initialAggregate(this.logic) : old.value;
    const value = addToAggregate(this.logic, record.key, record.value, base);
    const timestamp = old === undefined ? record.timestamp : Math.max(record.timestamp, old.timestamp);
    this.store.put(record.key, { value, timestamp }, start);
    if (this.forwarder.cached) return; // the store emits at flush: no windowed key to build now
    return this.forwarder.maybeForward(
      { key: record.key, window: { start, end } },
      value,
      old === undefined ? null : old.value,
      timestamp,
      record.headers,
    );
  }
}
