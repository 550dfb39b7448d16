// KTable-KTable joins (Kafka Streams' KTableKTableInnerJoin/LeftJoin/OuterJoin/RightJoin and their merger): an update
// on either side looks up the other side's current value and emits the joined row as a Change (new row, old row),
// so both sides' updates propagate. Which rows exist depends on the join kind (`JoinRow`).
import { andThen, type MaybePromise } from '../../common/maybe-promise.js';
import type { InternalProcessorContext } from '../../runtime/engine/processor-node.js';
import type { KeyValueStore } from '../../state/api/key-value-store.js';
import type { Processor, ProcessorContext } from '../api/processor.js';
import type { StreamRecord, ValueAndTimestamp } from '../api/record.js';
import { type Change, TableForwarder } from './change.js';
import type { Found, ValueGetter, ValueGetterSupplier } from './value-getter.js';

/** The joined row for a key given this side's and the other side's values (null = no row on that side). */
export type JoinRow = (thisValue: unknown, otherValue: unknown, key: unknown) => unknown;

type ChangeRecord = StreamRecord<unknown, Change<unknown>>;

export class TableTableJoinProcessor
  implements Processor<unknown, Change<unknown>, unknown, Change<unknown>>
{
  private ctx!: InternalProcessorContext<unknown, Change<unknown>>;
  private other!: ValueGetter;

  constructor(
    private readonly otherTable: ValueGetterSupplier,
    private readonly row: JoinRow,
  ) {}

  init(context: ProcessorContext<unknown, Change<unknown>>): void {
    this.ctx = context as InternalProcessorContext<unknown, Change<unknown>>;
    this.other = this.otherTable.get(context as ProcessorContext<unknown, unknown>);
  }

  process(record: ChangeRecord): MaybePromise<void> {
    if (record.key == null) {
      this.ctx.recordDropped('null-key');
      return;
    }
    return andThen(this.other.get(record.key), (found) => this.emit(record, found));
  }

  private emit(record: ChangeRecord, found: Found): MaybePromise<void> {
    const other = found === undefined ? null : found.value;
    const { newValue, oldValue } = record.value;
    const newRow = this.row(newValue, other, record.key) ?? null;
    const oldRow = this.row(oldValue, other, record.key) ?? null;
    if (newRow === null && oldRow === null) return;
    return this.ctx.forward({
      key: record.key,
      value: { newValue: newRow, oldValue: oldRow },
      timestamp: found === undefined ? record.timestamp : Math.max(record.timestamp, found.timestamp),
      headers: record.headers,
    });
  }
}

/** The rows of a join that is not materialized, computed from both sides' getters (for joins downstream). */
export function joinedGetter(
  left: ValueGetterSupplier,
  right: ValueGetterSupplier,
  row: JoinRow,
): ValueGetterSupplier {
  return {
    storeNames: [...left.storeNames, ...right.storeNames],
    get(context) {
      const l = left.get(context);
      const r = right.get(context);
      return {
        get: (key) =>
          andThen(l.get(key), (lf) =>
            andThen(r.get(key), (rf) => {
              const value = row(lf?.value ?? null, rf?.value ?? null, key);
              if (value == null) return undefined;
              const timestamp = Math.max(lf?.timestamp ?? -1, rf?.timestamp ?? -1);
              return { value, timestamp };
            }),
          ),
      };
    },
  };
}

/** Where both sides' join results meet: forwards them, through the join's store when it is materialized. */
export class JoinMergerProcessor implements Processor<unknown, Change<unknown>, unknown, Change<unknown>> {
  private ctx!: ProcessorContext<unknown, Change<unknown>>;
  private store: KeyValueStore<unknown, ValueAndTimestamp<unknown>> | undefined;
  private forwarder: TableForwarder | undefined;

  constructor(private readonly storeName: string | undefined) {}

  init(context: ProcessorContext<unknown, Change<unknown>>): void {
    this.ctx = context;
    if (this.storeName !== undefined) {
      this.store = context.getStateStore(this.storeName);
      this.forwarder = new TableForwarder(this.store as never, context);
    }
  }

  process(record: ChangeRecord): MaybePromise<void> {
    if (this.store === undefined || this.forwarder === undefined) return this.ctx.forward(record);
    const { newValue, oldValue } = record.value;
    this.store.put(record.key, newValue == null ? null : { value: newValue, timestamp: record.timestamp });
    return this.forwarder.maybeForward(record.key, newValue, oldValue, record.timestamp, record.headers);
  }
}
