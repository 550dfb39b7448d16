// Windowed aggregation over sliding windows, following Kafka Streams' KStreamSlidingWindowAggregate: windows
// `[start, start + timeDifference]` (both bounds inclusive) exist only where records are, one ending at each record
// (its left window) and one starting just after it (its right window) when later records fall in that range. A new
// record updates the windows containing it and creates its own left and right windows and, when needed, the right
// window of the record before it; a window closes once the observed stream time passes its end + grace.
import { andThen, type MaybePromise } from '../../common/maybe-promise.js';
import type { InternalProcessorContext } from '../../runtime/engine/processor-node.js';
import type { TimestampedWindowStore, WindowedValue } from '../../state/api/window-store.js';
import type { Processor, ProcessorContext } from '../api/processor.js';
import type { StreamRecord, ValueAndTimestamp } from '../api/record.js';
import type { AggregateLogic } from './aggregate.js';
import { type Change, TableForwarder } from './change.js';
import { newestWindowTimestamp } from './observed-stream-time.js';
import { forEachInOrder } from './sequence.js';
import { addToAggregate, droppedForNulls, initialAggregate } from './window-aggregate.js';

type Store = TimestampedWindowStore<unknown, unknown>;
type VT = ValueAndTimestamp<unknown>;
type Rec = StreamRecord<unknown, unknown>;
type Step = () => MaybePromise<void>;

export interface SlidingWindowSpec {
  readonly storeName: string;
  readonly timeDifferenceMs: number;
  readonly graceMs: number;
}

export class SlidingWindowAggregateProcessor
  implements Processor<unknown, unknown, unknown, Change<unknown>>
{
  private ctx!: InternalProcessorContext<unknown, Change<unknown>>;
  private store!: Store;
  private forwarder!: TableForwarder;
  private observedStreamTime = -1;

  constructor(
    private readonly spec: SlidingWindowSpec,
    private readonly logic: AggregateLogic,
  ) {}

  async init(context: ProcessorContext<unknown, Change<unknown>>): Promise<void> {
    this.ctx = context as InternalProcessorContext<unknown, Change<unknown>>;
    this.store = context.getStateStore<Store>(this.spec.storeName);
    this.forwarder = new TableForwarder(this.store as never, context);
    // A record at t lies in windows [start, start + timeDifference] with start >= t - timeDifference.
    this.observedStreamTime = await newestWindowTimestamp(this.store, this.spec.timeDifferenceMs + 1);
  }

  process(record: Rec): MaybePromise<void> {
    if (droppedForNulls(this.ctx, record)) return;
    const ts = record.timestamp;
    const td = this.spec.timeDifferenceMs;
    if (ts > this.observedStreamTime) this.observedStreamTime = ts;
    const closeTime = this.observedStreamTime - this.spec.graceMs;
    if (ts + td < closeTime) {
      this.ctx.recordDropped('late');
      return;
    }
    // Windows that may hold this record or the record before it, up to this record's right window (ts + 1).
    if (ts < td) {
      return andThen(this.store.fetch(record.key, 0, ts + 1), (windows) =>
        run(this.early(record, closeTime, windows)),
      );
    }
    return andThen(this.store.fetch(record.key, Math.max(0, ts - 2 * td), ts + 1), (windows) =>
      run(this.inOrder(record, closeTime, windows)),
    );
  }

  private inOrder(record: Rec, closeTime: number, windows: WindowedValue<VT>[]): Step[] {
    const ts = record.timestamp;
    const td = this.spec.timeDifferenceMs;
    const steps: Step[] = [];
    const starts = new Set<number>();
    let leftWinAgg: VT | undefined;
    let rightWinAgg: VT | undefined;
    let leftWinAlreadyCreated = false;
    let rightWinAlreadyCreated = false;
    let previousRecordTimestamp: number | undefined;
    for (const w of windows) {
      const start = w.windowStart;
      starts.add(start);
      const end = start + td;
      const maxRecordTimestamp = w.value.timestamp;
      if (end < ts) {
        leftWinAgg = w.value;
        previousRecordTimestamp = maxRecordTimestamp;
      } else if (end === ts) {
        leftWinAlreadyCreated = true;
        if (maxRecordTimestamp < ts) previousRecordTimestamp = maxRecordTimestamp;
        steps.push(this.updateStep(record, start, w.value, closeTime));
      } else if (start <= ts) {
        rightWinAgg = w.value;
        steps.push(this.updateStep(record, start, w.value, closeTime));
      } else if (start === ts + 1) {
        rightWinAlreadyCreated = true;
      } else {
        throw new Error(
          `sliding window aggregate: unexpected window starting at ${start} for a record at ${ts}`,
        );
      }
    }
    // The right window of the record before this one, if it does not exist yet and this record falls into it.
    if (previousRecordTimestamp !== undefined) {
      const start = previousRecordTimestamp + 1;
      if (!starts.has(start) && start + td >= ts)
        steps.push(this.updateStep(record, start, undefined, closeTime));
    }
    // This record's left window, holding the records within td before it.
    if (!leftWinAlreadyCreated) {
      const leftNotEmpty = previousRecordTimestamp !== undefined && ts - td <= previousRecordTimestamp;
      const base =
        leftNotEmpty && leftWinAgg !== undefined ? { value: leftWinAgg.value, timestamp: ts } : undefined;
      steps.push(this.updateStep(record, ts - td, base, closeTime, true));
    }
    if (!rightWinAlreadyCreated && rightWinAgg !== undefined && rightWinAgg.timestamp > ts) {
      steps.push(this.rightWindowStep(record, rightWinAgg));
    }
    return steps;
  }

  /** Records before timeDifference would open windows with negative starts: they share the window [0, td]. */
  private early(record: Rec, closeTime: number, windows: WindowedValue<VT>[]): Step[] {
    const ts = record.timestamp;
    const steps: Step[] = [];
    const starts = new Set<number>();
    let combined: VT | undefined;
    let rightWinAgg: VT | undefined;
    let rightWinAlreadyCreated = false;
    let previousRecordTimestamp: number | undefined;
    for (const w of windows) {
      const start = w.windowStart;
      starts.add(start);
      if (start === 0) {
        combined = w.value;
        if (w.value.timestamp < ts) previousRecordTimestamp = w.value.timestamp;
      } else if (start <= ts) {
        rightWinAgg = w.value;
        steps.push(this.updateStep(record, start, w.value, closeTime));
      } else if (start === ts + 1) {
        rightWinAlreadyCreated = true;
      } else {
        throw new Error(
          `sliding window aggregate: unexpected window starting at ${start} for a record at ${ts}`,
        );
      }
    }
    // Without a right window found, the combined window holds only records after this one (if any).
    if (rightWinAgg === undefined && combined !== undefined && combined.timestamp > ts)
      rightWinAgg = combined;
    if (!rightWinAlreadyCreated && rightWinAgg !== undefined && rightWinAgg.timestamp > ts) {
      steps.push(this.rightWindowStep(record, rightWinAgg));
    }
    if (previousRecordTimestamp !== undefined && !starts.has(previousRecordTimestamp + 1)) {
      steps.push(this.updateStep(record, previousRecordTimestamp + 1, undefined, closeTime));
    }
    steps.push(this.updateStep(record, 0, combined, closeTime, combined === undefined));
    return steps;
  }

  /**
   * Adds the record to the window starting at `start`: `base` is its current aggregate (undefined: a new, empty
   * window); `created` marks a window that did not exist even when seeded with another window's aggregate.
   */
  private updateStep(
    record: Rec,
    start: number,
    base: VT | undefined,
    closeTime: number,
    created = false,
  ): Step {
    return () => {
      const end = start + this.spec.timeDifferenceMs;
      if (end < closeTime) {
        this.ctx.recordDropped('late');
        return;
      }
      const old = base === undefined ? initialAggregate(this.logic) : base.value;
      const value = addToAggregate(this.logic, record.key, record.value, old);
      const timestamp = base === undefined ? record.timestamp : Math.max(record.timestamp, base.timestamp);
      this.store.put(record.key, { value, timestamp }, start);
      if (this.forwarder.cached) return; // the store emits at flush: no windowed key to build now
      const existed = base !== undefined && !created;
      return this.forwarder.maybeForward(
        { key: record.key, window: { start, end } },
        value,
        existed ? base.value : null,
        timestamp,
        record.headers,
      );
    };
  }

  /** This record's right window: the records after it within td, i.e. the aggregate of the window they are in. */
  private rightWindowStep(record: Rec, aggregate: VT): Step {
    return () => {
      const start = record.timestamp + 1;
      this.store.put(record.key, aggregate, start);
      if (this.forwarder.cached) return;
      return this.forwarder.maybeForward(
        { key: record.key, window: { start, end: start + this.spec.timeDifferenceMs } },
        aggregate.value,
        null,
        aggregate.timestamp,
        record.headers,
      );
    };
  }
}

function run(steps: Step[]): MaybePromise<void> {
  return forEachInOrder(steps, (step) => step());
}
