import type { Alert } from '../../../../schemas/monitoring/alert.js';
import type { Severity } from '../../../../schemas/monitoring/enums.js';
import { alertFingerprint } from '../alerts/fingerprint.js';

export interface CardinalityPolicy {
  /** Distinct series a metric may have; a new series beyond it is rejected, known series keep flowing. */
  readonly maxSeriesPerMetric: number;
  /** A series unseen for this long stops counting, so the count can fall. */
  readonly seriesInactivityMs: number;
  /** At most one high-cardinality alert per metric per period while it keeps hitting the limit. */
  readonly alertPeriodMs: number;
  readonly alertSeverity: Severity;
}

export const DEFAULT_CARDINALITY_POLICY: CardinalityPolicy = {
  maxSeriesPerMetric: 10_000,
  seriesInactivityMs: 3_600_000,
  alertPeriodMs: 300_000,
  alertSeverity: 'warning',
};

/** Rule name of the guard's own alerts in `alerts.triggered`. */
export const HIGH_CARDINALITY_RULE = 'HighCardinality';

export type SeriesAdmission =
  | { readonly accepted: true; readonly isNew: boolean; readonly seriesCount: number }
  | { readonly accepted: false; readonly seriesCount: number };

/**
 * Whether a sample may pass, given whether its series is already known (and not expired) and how many series its
 * metric has. Returns the metric's series count after admission.
 */
export function admitSeries(known: boolean, seriesCount: number, limit: number): SeriesAdmission {
  if (known) return { accepted: true, isNew: false, seriesCount };
  if (seriesCount >= limit) return { accepted: false, seriesCount };
  return { accepted: true, isNew: true, seriesCount: seriesCount + 1 };
}

/** True when a series last seen at `lastSeenAt` no longer counts at `now`. */
export function isSeriesExpired(lastSeenAt: number, now: number, inactivityMs: number): boolean {
  return now - lastSeenAt > inactivityMs;
}

/** True when a metric at its limit may raise its alert again (none yet, or the last one is a period old). */
export function cardinalityAlertDue(lastAlertAt: number | null, now: number, periodMs: number): boolean {
  return lastAlertAt === null || now - lastAlertAt >= periodMs;
}

/**
 * The guard's alert for a metric at its series limit (FIRING, repeated at most once per period while rejections go
 * on), or RESOLVED once its count is back under the limit.
 */
export function highCardinalityAlert(
  state: 'FIRING' | 'RESOLVED',
  metric: string,
  seriesCount: number,
  policy: CardinalityPolicy,
  activeAt: number,
  now: number,
): Alert {
  return {
    fingerprint: alertFingerprint(HIGH_CARDINALITY_RULE, metric, {}),
    rule: HIGH_CARDINALITY_RULE,
    metric,
    state,
    labels: {},
    ruleLabels: {},
    value: seriesCount,
    threshold: policy.maxSeriesPerMetric,
    comparison: 'ge',
    aggregation: 'count',
    severity: policy.alertSeverity,
    activeAt,
    timestamp: now,
    reason:
      state === 'FIRING'
        ? `metric ${JSON.stringify(metric)} reached ${seriesCount} series (limit ${policy.maxSeriesPerMetric}); new series are rejected`
        : `metric ${JSON.stringify(metric)} is back under its series limit (${seriesCount} series)`,
  };
}
