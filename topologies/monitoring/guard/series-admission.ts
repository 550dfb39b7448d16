import type { KeyValueStore, Processor, ProcessorContext, StreamRecord } from '../../../index.js';
import type { Metric } from '../../../schemas/monitoring/metric.js';
import {
  admitSeries,
  type CardinalityPolicy,
  cardinalityAlertDue,
  highCardinalityAlert,
  isSeriesExpired,
} from '../lib/guard/cardinality.js';
import { cardinalityRejection } from '../lib/guard/rejections.js';
import { parseSeriesKey, seriesKey } from '../lib/series/series-key.js';
import type { GuardOutcome } from './guard-outcome.js';

/** What the guard keeps per metric name. */
export interface MetricSeriesCount {
  /** Series of the metric currently counted (admitted and not expired). */
  readonly count: number;
  /** Start of the current high-cardinality episode, null when none is active. */
  readonly alertActiveAt: number | null;
  /** When the last FIRING reminder was published. */
  readonly lastAlertAt: number | null;
}

export interface SeriesAdmissionOptions {
  readonly seriesStore: string;
  readonly countStore: string;
  readonly policy: CardinalityPolicy;
  /** Stream time between two sweeps for expired series. */
  readonly sweepIntervalMs: number;
  /** A known series' last-seen time is rewritten only when it moved by this much (one write per series per period). */
  readonly lastSeenResolutionMs: number;
}

const NO_SERIES: MetricSeriesCount = { count: 0, alertActiveAt: null, lastAlertAt: null };

/**
 * Second stage of the guard, on the stream repartitioned by metric name so that one task sees every series of a
 * metric: admits known series, admits a new series while its metric is under the limit, and rejects it otherwise
 * (raising the metric's high-cardinality alert at most once per period). A stream-time punctuator sweeps series
 * unseen for the inactivity period, so counts fall, and resolves the alert of a metric that is back under its limit.
 *
 * Stores: series key -> last seen (event time); metric name -> MetricSeriesCount.
 */
export class SeriesAdmission implements Processor<string, Metric, string, GuardOutcome> {
  private ctx!: ProcessorContext<string, GuardOutcome>;
  private series!: KeyValueStore<string, number>;
  private counts!: KeyValueStore<string, MetricSeriesCount>;

  constructor(private readonly options: SeriesAdmissionOptions) {}

  init(context: ProcessorContext<string, GuardOutcome>): void {
    this.ctx = context;
    this.series = context.getStateStore(this.options.seriesStore);
    this.counts = context.getStateStore(this.options.countStore);
    context.schedule(this.options.sweepIntervalMs, 'stream-time', (now) => this.sweep(now));
  }

  async process(record: StreamRecord<string, Metric>): Promise<void> {
    const metric = record.value;
    const at = record.timestamp;
    const key = seriesKey(metric.name, metric.labels);
    const lastSeen = await this.series.get(key);
    if (lastSeen !== undefined) {
      if (at - lastSeen >= this.options.lastSeenResolutionMs) this.series.put(key, at);
      return this.ctx.forward({
        key,
        value: { kind: 'metric', metric },
        timestamp: at,
        headers: record.headers,
      });
    }
    const { policy } = this.options;
    const counts = (await this.counts.get(metric.name)) ?? NO_SERIES;
    const admission = admitSeries(false, counts.count, policy.maxSeriesPerMetric);
    if (admission.accepted) {
      this.series.put(key, at);
      this.counts.put(metric.name, { ...counts, count: admission.seriesCount });
      return this.ctx.forward({
        key,
        value: { kind: 'metric', metric },
        timestamp: at,
        headers: record.headers,
      });
    }
    const rejection = cardinalityRejection(metric, counts.count, policy.maxSeriesPerMetric, at);
    await this.ctx.forward({
      key,
      value: { kind: 'rejection', rejection },
      timestamp: at,
      headers: record.headers,
    });
    if (!cardinalityAlertDue(counts.lastAlertAt, at, policy.alertPeriodMs)) return;
    const activeAt = counts.alertActiveAt ?? at;
    this.counts.put(metric.name, { ...counts, alertActiveAt: activeAt, lastAlertAt: at });
    await this.emitAlert(highCardinalityAlert('FIRING', metric.name, counts.count, policy, activeAt, at));
  }

  /** Drops series unseen for the inactivity period and settles the counts (and alerts) of their metrics. */
  private async sweep(now: number): Promise<void> {
    const { policy } = this.options;
    const expiredPerMetric = new Map<string, number>();
    // The iterator reads a snapshot, so deleting as we go is safe.
    for await (const { key, value: lastSeen } of this.series.all()) {
      if (!isSeriesExpired(lastSeen, now, policy.seriesInactivityMs)) continue;
      this.series.put(key, null);
      const name = parseSeriesKey(key).name;
      expiredPerMetric.set(name, (expiredPerMetric.get(name) ?? 0) + 1);
    }
    for (const [name, expired] of expiredPerMetric) {
      const counts = (await this.counts.get(name)) ?? NO_SERIES;
      const count = Math.max(0, counts.count - expired);
      if (counts.alertActiveAt !== null && count < policy.maxSeriesPerMetric) {
        this.counts.put(name, count === 0 ? null : { count, alertActiveAt: null, lastAlertAt: null });
        await this.emitAlert(
          highCardinalityAlert('RESOLVED', name, count, policy, counts.alertActiveAt, now),
        );
      } else {
        this.counts.put(name, count === 0 && counts.alertActiveAt === null ? null : { ...counts, count });
      }
    }
  }

  private emitAlert(alert: ReturnType<typeof highCardinalityAlert>) {
    return this.ctx.forward({
      key: alert.fingerprint,
      value: { kind: 'alert', alert },
      timestamp: alert.timestamp,
      headers: {},
    });
  }
}
