// The cardinality guard: metrics.raw -> metrics.valid | metrics.rejected, and high-cardinality alerts.
import { Serdes, Stores, StreamsBuilder, type Topology } from '../../index.js';
import { checkDuration, type MonitoringTopologyConfig, topicsOf } from './config.js';
import { alertOf, isAlert, isMetric, isRejection, metricOf, rejectionOf } from './guard/guard-outcome.js';
import { MetricScreen } from './guard/metric-screen.js';
import { type MetricSeriesCount, SeriesAdmission } from './guard/series-admission.js';
import { type CardinalityPolicy, DEFAULT_CARDINALITY_POLICY } from './lib/guard/cardinality.js';
import { DEFAULT_LABEL_POLICY, type LabelPolicy } from './lib/guard/label-validation.js';

export interface CardinalityGuardConfig extends MonitoringTopologyConfig {
  /** Label rules (blacklist, at most 20 labels, value length); unset fields keep `DEFAULT_LABEL_POLICY`'s. */
  readonly labels?: Partial<LabelPolicy>;
  /** Series limit per metric, inactivity expiry, alert period; unset fields keep `DEFAULT_CARDINALITY_POLICY`'s. */
  readonly cardinality?: Partial<CardinalityPolicy>;
  /** Stream time between sweeps for expired series (default 1 minute). */
  readonly sweepIntervalMs?: number;
  /**
   * How stale a known series' last-seen time may get before it is rewritten (default: a tenth of the inactivity
   * period, at most 1 minute). Larger means fewer store writes and later expiry.
   */
  readonly lastSeenResolutionMs?: number;
  /** Partitions of the repartition topic by metric name (default: those of the raw topic). */
  readonly partitions?: number;
}

/** Names of the guard's state stores (their changelogs are `<applicationId>-<name>-changelog`). */
export const CARDINALITY_GUARD_STORES = {
  series: 'cardinality-guard-series',
  counts: 'cardinality-guard-counts',
} as const;

/**
 * The cardinality guard. Stage 1 (stateless, per raw partition) decodes and validates each record: undecodable
 * records and invalid names/labels go to `rejected` with the reason and offending labels. Stage 2 runs on a
 * repartition by metric name, so one task counts all series of a metric: a new series beyond the limit is rejected
 * (`cardinality_limit`) while known series keep flowing, and the metric's HighCardinality alert goes to `alerts` at
 * most once per period. Valid samples go to `valid` keyed by series key, stamped with their sample time.
 */
export function cardinalityGuardTopology(config: CardinalityGuardConfig): Topology {
  const topics = topicsOf(config);
  const { metric, rejection, alert } = config.serdes;
  const labels: LabelPolicy = { ...DEFAULT_LABEL_POLICY, ...config.labels };
  const policy: CardinalityPolicy = { ...DEFAULT_CARDINALITY_POLICY, ...config.cardinality };
  const owner = 'cardinalityGuardTopology';
  if (!Number.isSafeInteger(policy.maxSeriesPerMetric) || policy.maxSeriesPerMetric < 1) {
    throw new RangeError(
      `${owner}: maxSeriesPerMetric must be a positive integer, got ${policy.maxSeriesPerMetric}`,
    );
  }
  checkDuration(owner, 'seriesInactivityMs', policy.seriesInactivityMs, true);
  checkDuration(owner, 'alertPeriodMs', policy.alertPeriodMs);
  const sweepIntervalMs = checkDuration(owner, 'sweepIntervalMs', config.sweepIntervalMs ?? 60_000, true);
  const lastSeenResolutionMs = checkDuration(
    owner,
    'lastSeenResolutionMs',
    config.lastSeenResolutionMs ?? Math.min(60_000, Math.floor(policy.seriesInactivityMs / 10)),
  );

  const S = Serdes.string();
  const persistent = config.storeType !== 'in-memory';
  const supplier = (name: string) =>
    persistent ? Stores.persistentKeyValueStore(name) : Stores.inMemoryKeyValueStore(name);
  const builder = new StreamsBuilder();
  builder.addStateStore(
    Stores.keyValueStoreBuilder(
      supplier(CARDINALITY_GUARD_STORES.series),
      S,
      Serdes.long(),
    ).withCachingEnabled(),
  );
  builder.addStateStore(
    Stores.keyValueStoreBuilder(
      supplier(CARDINALITY_GUARD_STORES.counts),
      S,
      Serdes.json<MetricSeriesCount>(),
    ).withCachingEnabled(),
  );

  // Bytes in: an undecodable record must become a Rejection with its bytes, not a deserialization error.
  const screened = builder
    .stream(topics.raw, { key: Serdes.bytes(), value: Serdes.bytes(), name: 'cardinality-guard-raw' })
    .process(() => new MetricScreen(metric, labels), { name: 'cardinality-guard-screen' })
    .split({ name: 'cardinality-guard-screened-' })
    .branch(isMetric, { name: 'valid' })
    .defaultBranch({ name: 'rejected' });
  screened['cardinality-guard-screened-rejected']
    .mapValues(rejectionOf)
    .to(topics.rejected, { key: S, value: rejection, name: 'cardinality-guard-invalid-sink' });

  const admitted = screened['cardinality-guard-screened-valid']
    .mapValues(metricOf)
    .repartition({
      name: 'cardinality-guard-by-metric',
      key: S,
      value: metric,
      ...(config.partitions !== undefined ? { numberOfPartitions: config.partitions } : {}),
    })
    .process(
      () =>
        new SeriesAdmission({
          seriesStore: CARDINALITY_GUARD_STORES.series,
          countStore: CARDINALITY_GUARD_STORES.counts,
          policy,
          sweepIntervalMs,
          lastSeenResolutionMs,
        }),
      { name: 'cardinality-guard-admission', stores: Object.values(CARDINALITY_GUARD_STORES) },
    )
    .split({ name: 'cardinality-guard-admitted-' })
    .branch(isMetric, { name: 'valid' })
    .branch(isRejection, { name: 'rejected' })
    .branch(isAlert, { name: 'alert' })
    .noDefaultBranch();
  admitted['cardinality-guard-admitted-valid']
    .mapValues(metricOf)
    .to(topics.valid, { key: S, value: metric, name: 'cardinality-guard-valid-sink' });
  admitted['cardinality-guard-admitted-rejected']
    .mapValues(rejectionOf)
    .to(topics.rejected, { key: S, value: rejection, name: 'cardinality-guard-limit-sink' });
  admitted['cardinality-guard-admitted-alert']
    .mapValues(alertOf)
    .to(topics.alerts, { key: S, value: alert, name: 'cardinality-guard-alert-sink' });
  return builder.build();
}
