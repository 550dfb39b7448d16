// Counters the engine keeps per task and processor (names follow Kafka Streams' metrics: dropped-records-total, ...).
// The Kafka runtime exports them to Prometheus; the test driver exposes them to tests.

export interface MetricSample {
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly value: number;
}

/** One counter (a name and a set of tags); hot paths keep it and increment `value` directly. */
export interface Counter {
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
  value: number;
}

export class StreamsMetrics {
  private readonly counters = new Map<string, Counter>();

  /** The counter for `name` and `tags`, created at zero. */
  counter(name: string, tags: Record<string, string>): Counter {
    const id = `${name}{${Object.entries(tags)
      .map(([k, v]) => `${k}=${v}`)
      .join(',')}}`;
    let counter = this.counters.get(id);
    if (!counter) {
      counter = { name, tags: { ...tags }, value: 0 };
      this.counters.set(id, counter);
    }
    return counter;
  }

  increment(name: string, tags: Record<string, string>, by = 1): void {
    this.counter(name, tags).value += by;
  }

  /** Sum of a counter over all tag sets matching `tags`. */
  total(name: string, tags: Record<string, string> = {}): number {
    let sum = 0;
    for (const c of this.counters.values()) {
      if (c.name === name && Object.entries(tags).every(([k, v]) => c.tags[k] === v)) sum += c.value;
    }
    return sum;
  }

  samples(): MetricSample[] {
    return [...this.counters.values()].map((c) => ({ name: c.name, tags: { ...c.tags }, value: c.value }));
  }
}

/** Metric names used by the engine and the DSL processors. */
export const METRICS = {
  /** Records dropped by an operator: late records (window closed), null keys in key-based operations. */
  droppedRecords: 'dropped-records-total',
  /** Input records skipped by an exception handler or for an invalid timestamp. */
  skippedRecords: 'skipped-records-total',
  processedRecords: 'process-total',
  punctuations: 'punctuate-total',
} as const;
