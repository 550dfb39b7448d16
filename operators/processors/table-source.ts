// Materializes a changelog stream into a table (Kafka Streams' KTableSource, also behind KStream.toTable()): the
// latest value per key, a null value deletes; updates go downstream as Changes.
import { isPromise, type MaybePromise } from '../../common/maybe-promise.js';
import type { InternalProcessorContext } from '../../runtime/engine/processor-node.js';
import type { KeyValueStore } from '../../state/api/key-value-store.js';
import type { Processor, ProcessorContext } from '../api/processor.js';
import type { StreamRecord, ValueAndTimestamp } from '../api/record.js';
import { type Change, TableForwarder } from './change.js';

type Store = KeyValueStore<unknown, ValueAndTimestamp<unknown>>;

export class TableSourceProcessor implements Processor<unknown, unknown, unknown, Change<unknown>> {
  private ctx!: InternalProcessorContext<unknown, Change<unknown>>;
  private store!: Store;
  private forwarder!: TableForwarder;

  constructor(private readonly storeName: string) {}

  init(context: ProcessorContext<unknown, Change<unknown>>): void {
    this.ctx = context as InternalProcessorContext<unknown, Change<unknown>>;
    this.store = context.getStateStore<Store>(this.storeName);
    this.forwarder = new TableForwarder(this.store as never, context);
  }

  process(record: StreamRecord<unknown, unknown>): MaybePromise<void> {
    if (record.key == null) {
      this.ctx.recordDropped('null-key');
      return;
    }
    const old = this.store.get(record.key);
    return isPromise(old) ? old.then((o) => this.update(record, o)) : this.update(record, old);
  }

  private update(
    record: StreamRecord<unknown, unknown>,
    old: ValueAndTimestamp<unknown> | undefined,
  ): MaybePromise<void> {
    // A delete of a key the table never had changes nothing: nothing to forward.
    if (record.value == null && old === undefined) return;
    this.store.put(
      record.key,
      record.value == null ? null : { value: record.value, timestamp: record.timestamp },
    );
    return this.forwarder.maybeForward(
      record.key,
      record.value,
      old?.value ?? null,
      record.timestamp,
      record.headers,
    );
  }
}
