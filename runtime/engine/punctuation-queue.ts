// Schedules of punctuators for one task and one time type (Kafka Streams' PunctuationQueue). A due schedule fires
// once per check with the current time, then moves to the next multiple of its interval after that time: missed
// intervals are skipped, not replayed.
import { isPromise, type MaybePromise } from '../../common/maybe-promise.js';
import type { Cancellable, Punctuator } from '../../operators/api/processor.js';

export interface PunctuationSchedule {
  readonly intervalMs: number;
  readonly punctuator: Punctuator;
  /** Runs the punctuator in the context of the node that scheduled it. */
  readonly run: (punctuator: Punctuator, timestampMs: number) => MaybePromise<void>;
  nextMs: number;
  cancelled: boolean;
}

export class PunctuationQueue {
  private schedules: PunctuationSchedule[] = [];

  /** `firstMs`: when the schedule first becomes due (stream time: 0, i.e. with the first record; wall clock: now + interval). */
  schedule(
    firstMs: number,
    intervalMs: number,
    punctuator: Punctuator,
    run: PunctuationSchedule['run'],
  ): Cancellable {
    if (!Number.isFinite(intervalMs) || intervalMs < 1) {
      throw new RangeError(`punctuation interval must be at least 1 ms, got ${intervalMs}`);
    }
    const s: PunctuationSchedule = { intervalMs, punctuator, run, nextMs: firstMs, cancelled: false };
    this.schedules.push(s);
    return {
      cancel: () => {
        s.cancelled = true;
        this.schedules = this.schedules.filter((x) => x !== s);
      },
    };
  }

  get size(): number {
    return this.schedules.length;
  }

  /** The earliest time a schedule is due, or Infinity. */
  nextDueMs(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const s of this.schedules) if (s.nextMs < min) min = s.nextMs;
    return min;
  }

  /** Fires every schedule due at `nowMs`, in the order they were scheduled; true if any fired. */
  mayPunctuate(nowMs: number): MaybePromise<boolean> {
    if (this.schedules.length === 0 || this.nextDueMs() > nowMs) return false;
    const due = this.schedules.filter((s) => s.nextMs <= nowMs);
    return this.fire(due, 0, nowMs);
  }

  clear(): void {
    for (const s of this.schedules) s.cancelled = true;
    this.schedules = [];
  }

  private fire(due: PunctuationSchedule[], from: number, nowMs: number): MaybePromise<boolean> {
    for (let i = from; i < due.length; i++) {
      const s = due[i];
      if (s.cancelled) continue;
      s.nextMs = nextAfter(s.nextMs, s.intervalMs, nowMs);
      const r = s.run(s.punctuator, nowMs);
      if (isPromise(r)) return r.then(() => this.fire(due, i + 1, nowMs));
    }
    return true;
  }
}

function nextAfter(previousMs: number, intervalMs: number, nowMs: number): number {
  const next = previousMs + intervalMs;
  if (nowMs < next) return next;
  return nowMs - ((nowMs - previousMs) % intervalMs) + intervalMs;
}
