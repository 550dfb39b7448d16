// KTable.groupBy() and the aggregation of a grouped table (Kafka Streams' KTableRepartitionMap, KTableAggregate and
// KTableReduce). Each table update becomes a subtraction of the old row from its old group and an addition of the new
// row to its new group; both travel through the repartition topic as one Change per group.
import { andThen, type MaybePromise } from '../../common/maybe-promise.js';
import type { InternalProcessorContext } from '../../runtime/engine/processor-node.js';
import type { KeyValueStore } from '../../state/api/key-value-store.js';
import type { Processor, ProcessorContext } from '../api/processor.js';
import type { StreamRecord, ValueAndTimestamp } from '../api/record.js';
import { type Change, TableForwarder } from './change.js';
import { forEachInOrder } from './sequence.js';

type ChangeRecord = StreamRecord<unknown, Change<unknown>>;
type Selector = (key: unknown, value: unknown) => readonly [unknown, unknown];

export class TableGroupByProcessor implements Processor<unknown, Change<unknown>, unknown, Change<unknown>> {
  private ctx!: InternalProcessorContext<unknown, Change<unknown>>;

  constructor(private readonly selector: Selector) {}

  init(context: ProcessorContext<unknown, Change<unknown>>): void {
    this.ctx = context as InternalProcessorContext<unknown, Change<unknown>>;
  }

  process(record: ChangeRecord): MaybePromise<void> {
    const { newValue, oldValue } = record.value;
    const newPair = newValue == null ? undefined : this.selector(record.key, newValue);
    const oldPair = oldValue == null ? undefined : this.selector(record.key, oldValue);
    const hasNew = newPair !== undefined && newPair[0] != null && newPair[1] != null;
    const hasOld = oldPair !== undefined && oldPair[0] != null && oldPair[1] != null;
    if (newPair !== undefined && !hasNew)
      this.ctx.recordDropped(newPair[0] == null ? 'null-key' : 'null-value');
    const forward = (key: unknown, change: Change<unknown>) =>
      this.ctx.forward({ key, value: change, timestamp: record.timestamp, headers: record.headers });
    // Same group before and after: one Change; otherwise the subtraction goes first, as in Kafka Streams.
    if (hasNew && hasOld && sameKey(newPair[0], oldPair[0])) {
      return forward(newPair[0], { newValue: newPair[1], oldValue: oldPair[1] });
    }
    const steps: Array<() => MaybePromise<void>> = [];
    if (hasOld) steps.push(() => forward(oldPair[0], { newValue: null, oldValue: oldPair[1] }));
    if (hasNew) steps.push(() => forward(newPair[0], { newValue: newPair[1], oldValue: null }));
    return forEachInOrder(steps, (step) => step());
  }
}

/** Grouping keys are compared by value for primitives and by their JSON form for objects. */
function sameKey(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

export interface TableAggregateLogic {
  /** undefined: reduce, the first value is the aggregate. */
  readonly initial: (() => unknown) | undefined;
  readonly add: (key: unknown, value: unknown, aggregate: unknown) => unknown;
  readonly subtract: (key: unknown, value: unknown, aggregate: unknown) => unknown;
}

type Store = KeyValueStore<unknown, ValueAndTimestamp<unknown>>;

export class TableAggregateProcessor
  implements Processor<unknown, Change<unknown>, unknown, Change<unknown>>
{
  private store!: Store;
  private forwarder!: TableForwarder;

  constructor(
    private readonly storeName: string,
    private readonly logic: TableAggregateLogic,
  ) {}

  init(context: ProcessorContext<unknown, Change<unknown>>): void {
    this.store = context.getStateStore<Store>(this.storeName);
    this.forwarder = new TableForwarder(this.store as never, context);
  }

  process(record: ChangeRecord): MaybePromise<void> {
    if (record.key == null)
      throw new Error(`aggregate of a grouped table (store '${this.storeName}'): null key`);
    return andThen(this.store.get(record.key), (old) => this.update(record, old));
  }

  private update(record: ChangeRecord, old: ValueAndTimestamp<unknown> | undefined): MaybePromise<void> {
    const { initial, add, subtract } = this.logic;
    const { newValue, oldValue } = record.value;
    const oldAggregate = old === undefined ? null : old.value;
    let timestamp = record.timestamp;
    let aggregate: unknown = oldAggregate;
    if (oldValue != null && old !== undefined) {
      aggregate = subtract(record.key, oldValue, old.value);
      timestamp = Math.max(record.timestamp, old.timestamp);
    }
    if (newValue != null) {
      if (aggregate == null)
        aggregate = initial === undefined ? newValue : add(record.key, newValue, initial());
      else aggregate = add(record.key, newValue, aggregate);
      if (old !== undefined) timestamp = Math.max(record.timestamp, old.timestamp);
    }
    const value = aggregate ?? null;
    if (value === null && old === undefined) return;
    this.store.put(record.key, value === null ? null : { value, timestamp });
    return this.forwarder.maybeForward(record.key, value, oldAggregate, timestamp, record.headers);
  }
}
