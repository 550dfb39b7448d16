// Window definitions for windowed aggregations and stream-stream joins (Kafka Streams' TimeWindows, SlidingWindows,
// SessionWindows and JoinWindows). Durations are milliseconds; every factory validates its arguments and names what
// is wrong, as Kafka Streams' IllegalArgumentExceptions do.

function checkMs(where: string, what: string, ms: number, minimum: number): number {
  if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms < minimum) {
    const bound = minimum === 0 ? 'a non-negative' : minimum === 1 ? 'a positive' : 'an';
    throw new RangeError(`${where}: ${what} must be ${bound} integer number of ms, got ${String(ms)}`);
  }
  return ms;
}

/**
 * Fixed-size windows aligned to the epoch: tumbling (`ofSizeAndGrace(size, grace)`) or hopping (`.advanceBy(ms)`).
 * A window is `[start, start + sizeMs)`: the end is exclusive. A record is added to every window containing its
 * timestamp, unless the window closed: windows close once stream time reaches `end + graceMs`.
 */
export class TimeWindows {
  private constructor(
    readonly sizeMs: number,
    readonly advanceMs: number,
    readonly graceMs: number,
  ) {}

  /** Tumbling windows of `sizeMs` that accept out-of-order records until `graceMs` after their end. */
  static ofSizeAndGrace(sizeMs: number, graceMs: number): TimeWindows {
    checkMs('TimeWindows.ofSizeAndGrace', 'sizeMs', sizeMs, 1);
    checkMs('TimeWindows.ofSizeAndGrace', 'graceMs', graceMs, 0);
    return new TimeWindows(sizeMs, sizeMs, graceMs);
  }

  /** Tumbling windows of `sizeMs` that close at their end (no grace period). */
  static ofSizeWithNoGrace(sizeMs: number): TimeWindows {
    checkMs('TimeWindows.ofSizeWithNoGrace', 'sizeMs', sizeMs, 1);
    return new TimeWindows(sizeMs, sizeMs, 0);
  }

  /** Hopping windows: a new window starts every `advanceMs` (0 < advanceMs <= sizeMs), so windows overlap. */
  advanceBy(advanceMs: number): TimeWindows {
    checkMs('TimeWindows.advanceBy', 'advanceMs', advanceMs, 1);
    if (advanceMs > this.sizeMs) {
      throw new RangeError(
        `TimeWindows.advanceBy: advanceMs (${advanceMs}) must not exceed the window size (${this.sizeMs} ms)`,
      );
    }
    return new TimeWindows(this.sizeMs, advanceMs, this.graceMs);
  }

  /** @internal Start times of the windows containing `timestamp`, oldest first (Kafka Streams' windowsFor). */
  windowStartsFor(timestamp: number): number[] {
    const first =
      Math.floor(Math.max(0, timestamp - this.sizeMs + this.advanceMs) / this.advanceMs) * this.advanceMs;
    const starts: number[] = [];
    for (let start = first; start <= timestamp; start += this.advanceMs) starts.push(start);
    return starts;
  }

  toString(): string {
    return `TimeWindows{sizeMs=${this.sizeMs}, advanceMs=${this.advanceMs}, graceMs=${this.graceMs}}`;
  }
}

/**
 * Windows of `timeDifferenceMs` that slide with the records (Kafka Streams' SlidingWindows): an aggregate is kept for
 * every distinct set of records whose timestamps lie within `timeDifferenceMs` of each other. As in Kafka Streams a
 * sliding window `[start, end]` includes both bounds (`end = start + timeDifferenceMs`); it closes once stream time
 * passes `end + graceMs`.
 */
export class SlidingWindows {
  private constructor(
    readonly timeDifferenceMs: number,
    readonly graceMs: number,
  ) {}

  static ofTimeDifferenceAndGrace(timeDifferenceMs: number, graceMs: number): SlidingWindows {
    checkMs('SlidingWindows.ofTimeDifferenceAndGrace', 'timeDifferenceMs', timeDifferenceMs, 0);
    checkMs('SlidingWindows.ofTimeDifferenceAndGrace', 'graceMs', graceMs, 0);
    return new SlidingWindows(timeDifferenceMs, graceMs);
  }

  static ofTimeDifferenceWithNoGrace(timeDifferenceMs: number): SlidingWindows {
    checkMs('SlidingWindows.ofTimeDifferenceWithNoGrace', 'timeDifferenceMs', timeDifferenceMs, 0);
    return new SlidingWindows(timeDifferenceMs, 0);
  }

  toString(): string {
    return `SlidingWindows{timeDifferenceMs=${this.timeDifferenceMs}, graceMs=${this.graceMs}}`;
  }
}

/**
 * Sessions of activity separated by at least `inactivityGapMs` without records (Kafka Streams' SessionWindows). A
 * session `[start, end]` spans its first and last record (both inclusive); records within the gap of a session merge
 * into it, possibly merging sessions. A session closes once stream time passes `end + inactivityGapMs + graceMs`.
 */
export class SessionWindows {
  private constructor(
    readonly inactivityGapMs: number,
    readonly graceMs: number,
  ) {}

  static ofInactivityGapAndGrace(inactivityGapMs: number, graceMs: number): SessionWindows {
    checkMs('SessionWindows.ofInactivityGapAndGrace', 'inactivityGapMs', inactivityGapMs, 1);
    checkMs('SessionWindows.ofInactivityGapAndGrace', 'graceMs', graceMs, 0);
    return new SessionWindows(inactivityGapMs, graceMs);
  }

  static ofInactivityGapWithNoGrace(inactivityGapMs: number): SessionWindows {
    checkMs('SessionWindows.ofInactivityGapWithNoGrace', 'inactivityGapMs', inactivityGapMs, 1);
    return new SessionWindows(inactivityGapMs, 0);
  }

  toString(): string {
    return `SessionWindows{inactivityGapMs=${this.inactivityGapMs}, graceMs=${this.graceMs}}`;
  }
}

/**
 * How close in time two records of a stream-stream join must be (Kafka Streams' JoinWindows): a record at `t` joins
 * the other side's records in `[t - beforeMs, t + afterMs]`. Non-joined results of left and outer joins are emitted
 * once the window and `graceMs` have passed, never spuriously.
 */
export class JoinWindows {
  private constructor(
    readonly beforeMs: number,
    readonly afterMs: number,
    readonly graceMs: number,
  ) {
    if (beforeMs + afterMs < 0) {
      throw new RangeError(
        `JoinWindows: the window [t - beforeMs, t + afterMs] is empty (beforeMs ${beforeMs} + afterMs ${afterMs} < 0)`,
      );
    }
  }

  /** Records join when their timestamps differ by at most `timeDifferenceMs` either way. */
  static ofTimeDifferenceAndGrace(timeDifferenceMs: number, graceMs: number): JoinWindows {
    checkMs('JoinWindows.ofTimeDifferenceAndGrace', 'timeDifferenceMs', timeDifferenceMs, 0);
    checkMs('JoinWindows.ofTimeDifferenceAndGrace', 'graceMs', graceMs, 0);
    return new JoinWindows(timeDifferenceMs, timeDifferenceMs, graceMs);
  }

  static ofTimeDifferenceWithNoGrace(timeDifferenceMs: number): JoinWindows {
    checkMs('JoinWindows.ofTimeDifferenceWithNoGrace', 'timeDifferenceMs', timeDifferenceMs, 0);
    return new JoinWindows(timeDifferenceMs, timeDifferenceMs, 0);
  }

  /** How far the other side's records may lie before this side's record (may be negative, as in Kafka Streams). */
  before(timeDifferenceMs: number): JoinWindows {
    checkMs('JoinWindows.before', 'timeDifferenceMs', timeDifferenceMs, Number.MIN_SAFE_INTEGER);
    return new JoinWindows(timeDifferenceMs, this.afterMs, this.graceMs);
  }

  /** How far the other side's records may lie after this side's record (may be negative, as in Kafka Streams). */
  after(timeDifferenceMs: number): JoinWindows {
    checkMs('JoinWindows.after', 'timeDifferenceMs', timeDifferenceMs, Number.MIN_SAFE_INTEGER);
    return new JoinWindows(this.beforeMs, timeDifferenceMs, this.graceMs);
  }

  /** beforeMs + afterMs: the window size of the join buffers. */
  get sizeMs(): number {
    return this.beforeMs + this.afterMs;
  }

  toString(): string {
    return `JoinWindows{beforeMs=${this.beforeMs}, afterMs=${this.afterMs}, graceMs=${this.graceMs}}`;
  }
}
