// Prometheus exposition of a worker: the runtime's and the engine's counters (KafkaStreams.metrics(): process-total,
// commit-total, ...) as `tributary_<name>` counters with their tags as labels, the worker state and task counts as
// gauges, and Node's process metrics (prom-client's defaults). Counters are read from the worker when scraped.
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { MetricSample } from '../engine/metrics.js';

/** What the exporter needs of a KafkaStreams instance. */
export interface MeasuredStreams {
  state(): string;
  metrics(): readonly MetricSample[];
  metadataForLocalThreads(): ReadonlyArray<{ activeTasks: ReadonlyArray<{ state: string }> }>;
}

const STATES = ['CREATED', 'REBALANCING', 'RUNNING', 'PENDING_SHUTDOWN', 'NOT_RUNNING', 'ERROR'] as const;

/** `commit-latency-ms-total` -> `tributary_commit_latency_ms_total`; label names likewise. */
export const promName = (name: string): string => `tributary_${name.replace(/[^a-zA-Z0-9_]/g, '_')}`;
const labelName = (tag: string): string => tag.replace(/[^a-zA-Z0-9_]/g, '_');

/** A worker's Prometheus registry; `render()` refreshes the runtime counters and returns the text exposition. */
export class WorkerMetrics {
  readonly registry = new Registry();
  readonly contentType = this.registry.contentType;
  readonly #streams: MeasuredStreams;
  /** One counter per sample name, created when first seen; re-created if a sample brings a new tag. */
  readonly #counters = new Map<string, { counter: Counter; labels: ReadonlySet<string> }>();

  constructor(streams: MeasuredStreams, options: { defaultMetrics?: boolean } = {}) {
    this.#streams = streams;
    const registry = this.registry;
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
    new Gauge({
      name: 'tributary_state',
      help: 'KafkaStreams state of this worker (1 for the current state)',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        const current = streams.state();
        for (const s of STATES) this.set({ state: s }, s === current ? 1 : 0);
      },
    });
    new Gauge({
      name: 'tributary_tasks',
      help: 'Tasks of this worker by status',
      labelNames: ['status'],
      registers: [registry],
      collect() {
        const tasks = streams.metadataForLocalThreads().flatMap((t) => t.activeTasks);
        for (const status of ['restoring', 'running'])
          this.set({ status }, tasks.filter((t) => t.state === status).length);
      },
    });
  }

  async render(): Promise<string> {
    this.#refresh();
    return this.registry.metrics();
  }

  #refresh(): void {
    const byName = new Map<string, MetricSample[]>();
    for (const s of this.#streams.metrics()) {
      const list = byName.get(s.name) ?? [];
      list.push(s);
      byName.set(s.name, list);
    }
    for (const [name, list] of byName) {
      const counter = this.#counterFor(name, [
        ...new Set(list.flatMap((s) => Object.keys(s.tags).map(labelName))),
      ]);
      counter.reset();
      for (const s of list) {
        counter.inc(Object.fromEntries(Object.entries(s.tags).map(([k, v]) => [labelName(k), v])), s.value);
      }
    }
  }

  #counterFor(name: string, tags: readonly string[]): Counter {
    const existing = this.#counters.get(name);
    if (existing && tags.every((t) => existing.labels.has(t))) return existing.counter;
    const labels = new Set([...(existing?.labels ?? []), ...tags]);
    if (existing) this.registry.removeSingleMetric(promName(name));
    const counter = new Counter({
      name: promName(name),
      help: `Tributary runtime counter ${name}`,
      labelNames: [...labels],
      registers: [this.registry],
    });
    this.#counters.set(name, { counter, labels });
    return counter;
  }
}
