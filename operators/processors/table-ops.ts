// Processors of the stateless KTable operators. They receive and forward Changes; when materialized they also keep
// their result in a store (and let its cache deduplicate what they forward).
import type { MaybePromise } from '../../common/maybe-promise.js';
import type { IgnoresOldValues } from '../../runtime/engine/processor-node.js';
import type { KeyValueStore } from '../../state/api/key-value-store.js';
import type { Processor, ProcessorContext } from '../api/processor.js';
import type { StreamRecord, ValueAndTimestamp } from '../api/record.js';
import { type Change, TableForwarder } from './change.js';

type Ctx = ProcessorContext<unknown, Change<unknown>>;
type ChangeRecord = StreamRecord<unknown, Change<unknown>>;

/** Forwards a computed Change, through the operator's own store when it is materialized. */
abstract class TableTransform implements Processor<unknown, Change<unknown>, unknown, Change<unknown>> {
  private ctx!: Ctx;
  private store: KeyValueStore<unknown, ValueAndTimestamp<unknown>> | undefined;
  private forwarder: TableForwarder | undefined;

  constructor(private readonly storeName: string | undefined) {}

  init(context: Ctx): void {
    this.ctx = context;
    if (this.storeName) {
      this.store = context.getStateStore(this.storeName);
      this.forwarder = new TableForwarder(this.store as never, context);
    }
  }

  protected abstract transform(key: unknown, value: unknown): unknown;

  process(record: ChangeRecord): MaybePromise<void> {
    const { newValue, oldValue } = record.value;
    const newResult = newValue == null ? null : this.transform(record.key, newValue);
    const oldResult = oldValue == null ? null : this.transform(record.key, oldValue);
    if (newResult == null && oldResult == null) return;
    if (this.store && this.forwarder) {
      this.store.put(
        record.key,
        newResult == null ? null : { value: newResult, timestamp: record.timestamp },
      );
      return this.forwarder.maybeForward(record.key, newResult, oldResult, record.timestamp, record.headers);
    }
    return this.ctx.forward({
      key: record.key,
      value: { newValue: newResult, oldValue: oldResult },
      timestamp: record.timestamp,
      headers: record.headers,
    });
  }
}

export class TableFilterProcessor extends TableTransform {
  constructor(
    private readonly predicate: (key: unknown, value: unknown) => boolean,
    private readonly keepWhen: boolean,
    storeName: string | undefined,
  ) {
    super(storeName);
  }
  protected transform(key: unknown, value: unknown): unknown {
    return Boolean(this.predicate(key, value)) === this.keepWhen ? value : null;
  }
}

export class TableMapValuesProcessor extends TableTransform {
  constructor(
    private readonly mapper: (value: unknown, key: unknown) => unknown,
    storeName: string | undefined,
  ) {
    super(storeName);
  }
  protected transform(key: unknown, value: unknown): unknown {
    return this.mapper(value, key);
  }
}

/** KTable.toStream(): each Change becomes a record with the new value (null for a delete). */
export class TableToStreamProcessor
  implements Processor<unknown, Change<unknown>, unknown, unknown>, IgnoresOldValues
{
  readonly ignoresOldValues = true;
  private ctx!: ProcessorContext<unknown, unknown>;
  constructor(private readonly keyMapper: ((key: unknown, value: unknown) => unknown) | undefined) {}
  init(context: ProcessorContext<unknown, unknown>): void {
    this.ctx = context;
  }
  process(record: ChangeRecord): MaybePromise<void> {
    const value = record.value.newValue;
    return this.ctx.forward({
      key: this.keyMapper ? this.keyMapper(record.key, value) : record.key,
      value,
      timestamp: record.timestamp,
      headers: record.headers,
    });
  }
}
