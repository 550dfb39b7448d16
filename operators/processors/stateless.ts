// Processors of the stateless KStream operators. Each is a small class (monomorphic hot path) that forwards and
// returns the forward's result, so an asynchronous downstream is awaited before the next record.
import { isPromise, type MaybePromise } from '../../common/maybe-promise.js';
import type { Processor, ProcessorContext } from '../api/processor.js';
import type { StreamRecord } from '../api/record.js';

type Ctx = ProcessorContext<unknown, unknown>;
type Rec = StreamRecord<unknown, unknown>;

abstract class Forwarding implements Processor<unknown, unknown, unknown, unknown> {
  protected ctx!: Ctx;
  init(context: Ctx): void {
    this.ctx = context;
  }
  abstract process(record: Rec): MaybePromise<void>;
}

export class FilterProcessor extends Forwarding {
  constructor(
    private readonly predicate: (key: unknown, value: unknown) => boolean,
    private readonly keepWhen: boolean,
  ) {
    super();
  }
  process(record: Rec): MaybePromise<void> {
    if (Boolean(this.predicate(record.key, record.value)) === this.keepWhen) return this.ctx.forward(record);
  }
}

export class MapValuesProcessor extends Forwarding {
  constructor(private readonly mapper: (value: unknown, key: unknown) => unknown) {
    super();
  }
  process(record: Rec): MaybePromise<void> {
    return this.ctx.forward({
      key: record.key,
      value: this.mapper(record.value, record.key),
      timestamp: record.timestamp,
      headers: record.headers,
    });
  }
}

export class MapProcessor extends Forwarding {
  constructor(private readonly mapper: (key: unknown, value: unknown) => readonly [unknown, unknown]) {
    super();
  }
  process(record: Rec): MaybePromise<void> {
    const [key, value] = this.mapper(record.key, record.value);
    return this.ctx.forward({ key, value, timestamp: record.timestamp, headers: record.headers });
  }
}

export class SelectKeyProcessor extends Forwarding {
  constructor(private readonly selector: (key: unknown, value: unknown) => unknown) {
    super();
  }
  process(record: Rec): MaybePromise<void> {
    return this.ctx.forward({
      key: this.selector(record.key, record.value),
      value: record.value,
      timestamp: record.timestamp,
      headers: record.headers,
    });
  }
}

/** Forwards each element of an iterable in order, awaiting an asynchronous downstream before the next one. */
function forwardAll<T>(ctx: Ctx, items: Iterator<T>, toRecord: (item: T) => Rec): MaybePromise<void> {
  for (let next = items.next(); !next.done; next = items.next()) {
    const r = ctx.forward(toRecord(next.value));
    if (r !== undefined && isPromise(r)) return r.then(() => forwardAll(ctx, items, toRecord));
  }
}

export class FlatMapProcessor extends Forwarding {
  constructor(
    private readonly mapper: (key: unknown, value: unknown) => Iterable<readonly [unknown, unknown]>,
  ) {
    super();
  }
  process(record: Rec): MaybePromise<void> {
    const items = this.mapper(record.key, record.value)[Symbol.iterator]();
    return forwardAll(this.ctx, items, ([key, value]) => ({
      key,
      value,
      timestamp: record.timestamp,
      headers: record.headers,
    }));
  }
}

export class FlatMapValuesProcessor extends Forwarding {
  constructor(private readonly mapper: (value: unknown, key: unknown) => Iterable<unknown>) {
    super();
  }
  process(record: Rec): MaybePromise<void> {
    const items = this.mapper(record.value, record.key)[Symbol.iterator]();
    return forwardAll(this.ctx, items, (value) => ({
      key: record.key,
      value,
      timestamp: record.timestamp,
      headers: record.headers,
    }));
  }
}

export class PeekProcessor extends Forwarding {
  constructor(private readonly action: (key: unknown, value: unknown) => void) {
    super();
  }
  process(record: Rec): MaybePromise<void> {
    this.action(record.key, record.value);
    return this.ctx.forward(record);
  }
}

export class ForeachProcessor implements Processor<unknown, unknown> {
  constructor(private readonly action: (key: unknown, value: unknown) => void) {}
  process(record: Rec): void {
    this.action(record.key, record.value);
  }
}

/** Routes each record to the first branch whose predicate holds, or to the default branch (Kafka Streams' split()). */
export class BranchProcessor extends Forwarding {
  constructor(
    private readonly branches: ReadonlyArray<{
      predicate: (key: unknown, value: unknown) => boolean;
      child: string;
    }>,
    private readonly defaultChild: string | undefined,
  ) {
    super();
  }
  process(record: Rec): MaybePromise<void> {
    for (const b of this.branches) {
      if (b.predicate(record.key, record.value)) return this.ctx.forward(record, b.child);
    }
    if (this.defaultChild !== undefined) return this.ctx.forward(record, this.defaultChild);
  }
}

/** Passes records through unchanged (merge, and the processor after a repartition source). */
export class PassThroughProcessor extends Forwarding {
  process(record: Rec): MaybePromise<void> {
    return this.ctx.forward(record);
  }
}

/** Drops records with a null key (before key-based operations), counting them. */
export class DropNullKeysProcessor extends Forwarding {
  process(record: Rec): MaybePromise<void> {
    if (record.key == null) {
      (this.ctx as Ctx & { recordDropped?: (reason: string) => void }).recordDropped?.('null-key');
      return;
    }
    return this.ctx.forward(record);
  }
}
