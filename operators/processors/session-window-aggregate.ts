// Session aggregation (Kafka Streams' KStreamSessionWindowAggregate): a record joins every session of its key that
// ends within the inactivity gap before it or starts within the gap after it; those sessions merge into one whose
// bounds span them all. Merged-away sessions are deleted (a tombstone downstream). A session closes once the observed
// stream time passes its end + gap + grace; a record whose merged session would already be closed is dropped as late.
import { andThen, type MaybePromise } from '../../common/maybe-promise.js';
import type { InternalProcessorContext } from '../../runtime/engine/processor-node.js';
import type { SessionStore } from '../../state/api/session-store.js';
import type { Processor, ProcessorContext } from '../api/processor.js';
import type { KeyValue, StreamRecord, Windowed } from '../api/record.js';
import type { AggregateLogic } from './aggregate.js';
import { type Change, TableForwarder } from './change.js';
import { newestSessionEnd } from './observed-stream-time.js';
import { forEachInOrder } from './sequence.js';
import { addToAggregate, droppedForNulls, initialAggregate, NO_AGGREGATE } from './window-aggregate.js';

type Store = SessionStore<unknown, unknown>;
type Rec = StreamRecord<unknown, unknown>;

export interface SessionWindowSpec {
  readonly storeName: string;
  readonly inactivityGapMs: number;
  readonly graceMs: number;
}

/** Combines the aggregates of two sessions that merge. */
export type SessionMerger = (key: unknown, aggregate1: unknown, aggregate2: unknown) => unknown;

const sessionEnd = (key: unknown): number => (key as Windowed<unknown>).window.end;

export class SessionWindowAggregateProcessor
  implements Processor<unknown, unknown, unknown, Change<unknown>>
{
  private ctx!: InternalProcessorContext<unknown, Change<unknown>>;
  private store!: Store;
  private forwarder!: TableForwarder;
  private observedStreamTime = -1;

  constructor(
    private readonly spec: SessionWindowSpec,
    private readonly logic: AggregateLogic,
    private readonly merger: SessionMerger,
  ) {}

  async init(context: ProcessorContext<unknown, Change<unknown>>): Promise<void> {
    this.ctx = context as InternalProcessorContext<unknown, Change<unknown>>;
    this.store = context.getStateStore<Store>(this.spec.storeName);
    // Session updates carry the session end as their timestamp, cached or not (as in Kafka Streams).
    this.forwarder = new TableForwarder(this.store as never, context, {
      plainValues: true,
      timestampOf: sessionEnd,
    });
    this.observedStreamTime = await newestSessionEnd(this.store);
  }

  process(record: Rec): MaybePromise<void> {
    if (droppedForNulls(this.ctx, record)) return;
    const ts = record.timestamp;
    if (ts > this.observedStreamTime) this.observedStreamTime = ts;
    const closeTime = this.observedStreamTime - this.spec.graceMs - this.spec.inactivityGapMs;
    const gap = this.spec.inactivityGapMs;
    return andThen(this.store.findSessions(record.key, ts - gap, ts + gap), (sessions) =>
      this.merge(record, closeTime, sessions),
    );
  }

  private merge(
    record: Rec,
    closeTime: number,
    sessions: KeyValue<Windowed<unknown>, unknown>[],
  ): MaybePromise<void> {
    let start = record.timestamp;
    let end = record.timestamp;
    let aggregate = initialAggregate(this.logic);
    for (const s of sessions) {
      aggregate = aggregate === NO_AGGREGATE ? s.value : this.merger(record.key, aggregate, s.value);
      if (s.key.window.start < start) start = s.key.window.start;
      if (s.key.window.end > end) end = s.key.window.end;
    }
    if (end < closeTime) {
      this.ctx.recordDropped('late');
      return;
    }
    if (this.forwarder.cached) {
      // The store emits at flush: nothing is forwarded here, so the removals and the put need no sequencing.
      for (const s of sessions) {
        if (s.key.window.start !== start || s.key.window.end !== end) this.store.remove(s.key);
      }
      const value = addToAggregate(this.logic, record.key, record.value, aggregate);
      this.store.put({ key: record.key, window: { start, end } }, value);
      return;
    }
    const steps: Array<() => MaybePromise<void>> = [];
    let replaced: unknown = null;
    for (const s of sessions) {
      // A session with the merged bounds is overwritten in place: its value is the update's old value.
      if (s.key.window.start === start && s.key.window.end === end) {
        replaced = s.value;
        continue;
      }
      steps.push(() => {
        this.store.remove(s.key);
        return this.forwarder.maybeForward(s.key, null, s.value, s.key.window.end, record.headers);
      });
    }
    steps.push(() => {
      const value = addToAggregate(this.logic, record.key, record.value, aggregate);
      const session: Windowed<unknown> = { key: record.key, window: { start, end } };
      this.store.put(session, value);
      return this.forwarder.maybeForward(session, value, replaced, end, record.headers);
    });
    return forEachInOrder(steps, (step) => step());
  }
}
