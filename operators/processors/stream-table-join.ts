// Stream-table and stream-globalTable joins (Kafka Streams' KStreamKTableJoinProcessor): each stream record looks up
// the table's current value for its key (or the key its selector picks, for global tables). Table updates never
// trigger output. Inner joins drop records without a table row; left joins join them with null.
import { andThen, type MaybePromise } from '../../common/maybe-promise.js';
import type { InternalProcessorContext } from '../../runtime/engine/processor-node.js';
import type { Processor, ProcessorContext } from '../api/processor.js';
import type { StreamRecord } from '../api/record.js';
import type { Found, ValueGetter, ValueGetterSupplier } from './value-getter.js';

export type ValueJoiner = (value: unknown, otherValue: unknown, key: unknown) => unknown;

export class StreamTableJoinProcessor implements Processor<unknown, unknown, unknown, unknown> {
  private ctx!: InternalProcessorContext<unknown, unknown>;
  private getter!: ValueGetter;

  constructor(
    private readonly table: ValueGetterSupplier,
    /** Global tables: the table key for a record; undefined: the record's key. */
    private readonly keySelector: ((key: unknown, value: unknown) => unknown) | undefined,
    private readonly joiner: ValueJoiner,
    private readonly leftJoin: boolean,
  ) {}

  init(context: ProcessorContext<unknown, unknown>): void {
    this.ctx = context as InternalProcessorContext<unknown, unknown>;
    this.getter = this.table.get(context);
  }

  process(record: StreamRecord<unknown, unknown>): MaybePromise<void> {
    if (record.value == null) {
      this.ctx.recordDropped('null-value');
      return;
    }
    const tableKey = this.keySelector ? this.keySelector(record.key, record.value) : record.key;
    if (tableKey == null) {
      // A left join keeps a record without a key (KIP-962), with no table value; an inner join cannot join it.
      if (this.leftJoin && record.key == null) return this.emit(record, undefined);
      this.ctx.recordDropped('null-key');
      return;
    }
    return andThen(this.getter.get(tableKey), (found) => this.emit(record, found));
  }

  private emit(record: StreamRecord<unknown, unknown>, found: Found): MaybePromise<void> {
    if (found === undefined && !this.leftJoin) return;
    return this.ctx.forward({
      key: record.key,
      value: this.joiner(record.value, found === undefined ? null : found.value, record.key),
      timestamp: record.timestamp,
      headers: record.headers,
    });
  }
}
