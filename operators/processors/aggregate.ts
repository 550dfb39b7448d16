// Non-windowed aggregation of a grouped stream (Kafka Streams' KStreamAggregate / KStreamReduce): the aggregate per
// key lives in a timestamped key-value store; updates go downstream as Changes.
import { isPromise, type MaybePromise } from '../../common/maybe-promise.js';
import type { InternalProcessorContext } from '../../runtime/engine/processor-node.js';
import type { KeyValueStore } from '../../state/api/key-value-store.js';
import type { Processor, ProcessorContext } from '../api/processor.js';
import type { StreamRecord, ValueAndTimestamp } from '../api/record.js';
import { type Change, TableForwarder } from './change.js';

/** `initial` undefined = reduce: the first value is the aggregate. */
export interface AggregateLogic {
  readonly initial: (() => unknown) | undefined;
  readonly add: (key: unknown, value: unknown, aggregate: unknown) => unknown;
}

type Store = KeyValueStore<unknown, ValueAndTimestamp<unknown>>;

export class StreamAggregateProcessor implements Processor<unknown, unknown, unknown, Change<unknown>> {
  private ctx!: InternalProcessorContext<unknown, Change<unknown>>;
  private store!: Store;
  private forwarder!: TableForwarder;

  constructor(
    private readonly storeName: string,
    private readonly logic: AggregateLogic,
  ) {}

  init(context: ProcessorContext<unknown, Change<unknown>>): void {
    this.ctx = context as InternalProcessorContext<unknown, Change<unknown>>;
    this.store = context.getStateStore<Store>(this.storeName);
    this.forwarder = new TableForwarder(this.store as never, context);
  }

  process(record: StreamRecord<unknown, unknown>): MaybePromise<void> {
    if (record.key == null || record.value == null) {
      this.ctx.recordDropped(record.key == null ? 'null-key' : 'null-value');
      return;
    }
    const old = this.store.get(record.key);
    return isPromise(old) ? old.then((o) => this.update(record, o)) : this.update(record, old);
  }

  private update(
    record: StreamRecord<unknown, unknown>,
    old: ValueAndTimestamp<unknown> | undefined,
  ): MaybePromise<void> {
    const { initial, add } = this.logic;
    const oldValue = old === undefined ? null : old.value;
    const newValue =
      old !== undefined
        ? add(record.key, record.value, old.value)
        : initial === undefined
          ? record.value
          : add(record.key, record.value, initial());
    const timestamp = old === undefined ? record.timestamp : Math.max(old.timestamp, record.timestamp);
    this.store.put(record.key, { value: newValue, timestamp });
    return this.forwarder.maybeForward(record.key, newValue, oldValue, timestamp);
  }
}
