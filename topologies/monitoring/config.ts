// What the three monitoring topologies share: topic names, serdes, store types and the event time of a sample.
import type { ConsumedRecord, StoreType } from '../../index.js';
import type { Metric } from '../../schemas/monitoring/metric.js';
import type { MonitoringSerdes } from '../../schemas/monitoring/serdes.js';

/** The topics of the monitoring pipeline. */
export interface MonitoringTopics {
  /** Samples as collectors write them (Metric, any key; undecodable records are expected). */
  readonly raw: string;
  /** Samples that passed the cardinality guard, keyed by series key. */
  readonly valid: string;
  /** Samples the guard refused (Rejection). */
  readonly rejected: string;
  readonly rollup1m: string;
  readonly rollup5m: string;
  readonly rollup1h: string;
  /** Compacted, keyed by rule name (AlertRule; a tombstone deletes the rule). */
  readonly alertRules: string;
  /** Alert state changes (Alert), keyed by fingerprint. */
  readonly alerts: string;
}

export const DEFAULT_MONITORING_TOPICS: MonitoringTopics = {
  raw: 'metrics.raw',
  valid: 'metrics.valid',
  rejected: 'metrics.rejected',
  rollup1m: 'metrics.rollup.1m',
  rollup5m: 'metrics.rollup.5m',
  rollup1h: 'metrics.rollup.1h',
  alertRules: 'alert.rules',
  alerts: 'alerts.triggered',
};

/** Options every monitoring topology takes. */
export interface MonitoringTopologyConfig {
  /** Avro serdes of the monitoring records (`monitoringSerdes(registry)`). */
  readonly serdes: MonitoringSerdes;
  /** Topic names; unset ones keep their defaults (`DEFAULT_MONITORING_TOPICS`). */
  readonly topics?: Partial<MonitoringTopics>;
  /** State stores: `rocksdb` (default; persistent, survives restarts) or `in-memory` (restored from changelogs). */
  readonly storeType?: StoreType;
}

export function topicsOf(config: MonitoringTopologyConfig): MonitoringTopics {
  return { ...DEFAULT_MONITORING_TOPICS, ...config.topics };
}

/**
 * Event time of a sample: its own timestamp rather than the Kafka record's (which is when a collector wrote it), so
 * that windows and alert evaluations follow the time the value was measured.
 */
export function sampleTime<K>(record: ConsumedRecord<K, Metric | null>): number {
  return record.value === null ? record.timestamp : record.value.timestamp;
}

/** Checks a duration option: a non-negative (or positive) integer number of milliseconds. */
export function checkDuration(owner: string, what: string, ms: number, positive = false): number {
  if (!Number.isSafeInteger(ms) || ms < 0 || (positive && ms === 0)) {
    const expected = positive ? 'a positive' : 'a non-negative';
    throw new RangeError(`${owner}: ${what} must be ${expected} integer number of ms, got ${ms}`);
  }
  return ms;
}
