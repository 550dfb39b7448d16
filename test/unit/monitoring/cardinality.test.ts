import { describe, expect, it } from 'vitest';
import {
  admitSeries,
  cardinalityAlertDue,
  DEFAULT_CARDINALITY_POLICY,
  highCardinalityAlert,
  isSeriesExpired,
} from '../../../topologies/monitoring/lib/guard/cardinality.js';

const LIMIT = DEFAULT_CARDINALITY_POLICY.maxSeriesPerMetric;

describe('cardinality guard decisions', () => {
  it('seed example: with 9,500 series a new one is accepted (9,501 / 10,000); at 10,000 the next new one is rejected', () => {
    expect(LIMIT).toBe(10_000);
    expect(admitSeries(false, 9_500, LIMIT)).toEqual({ accepted: true, isNew: true, seriesCount: 9_501 });
    expect(admitSeries(false, 9_999, LIMIT)).toEqual({ accepted: true, isNew: true, seriesCount: 10_000 });
    expect(admitSeries(false, 10_000, LIMIT)).toEqual({ accepted: false, seriesCount: 10_000 });
  });

  it('known series keep flowing at the limit', () => {
    expect(admitSeries(true, 10_000, LIMIT)).toEqual({ accepted: true, isNew: false, seriesCount: 10_000 });
  });

  it('a series expires after the inactivity period', () => {
    const hour = DEFAULT_CARDINALITY_POLICY.seriesInactivityMs;
    expect(isSeriesExpired(0, hour, hour)).toBe(false);
    expect(isSeriesExpired(0, hour + 1, hour)).toBe(true);
  });

  it('raises the high-cardinality alert at most once per period', () => {
    const period = DEFAULT_CARDINALITY_POLICY.alertPeriodMs;
    expect(cardinalityAlertDue(null, 1_000, period)).toBe(true);
    expect(cardinalityAlertDue(1_000, 1_000 + period - 1, period)).toBe(false);
    expect(cardinalityAlertDue(1_000, 1_000 + period, period)).toBe(true);
  });

  it('builds the alert with a stable per-metric fingerprint', () => {
    const firing = highCardinalityAlert('FIRING', 'http_requests', 10_000, DEFAULT_CARDINALITY_POLICY, 5, 7);
    expect(firing).toMatchObject({
      rule: 'HighCardinality',
      metric: 'http_requests',
      state: 'FIRING',
      value: 10_000,
      threshold: 10_000,
      severity: 'warning',
      activeAt: 5,
      timestamp: 7,
      reason: 'metric "http_requests" reached 10000 series (limit 10000); new series are rejected',
    });
    const resolved = highCardinalityAlert(
      'RESOLVED',
      'http_requests',
      9_000,
      DEFAULT_CARDINALITY_POLICY,
      5,
      9,
    );
    expect(resolved.fingerprint).toBe(firing.fingerprint);
    expect(highCardinalityAlert('FIRING', 'other', 1, DEFAULT_CARDINALITY_POLICY, 0, 0).fingerprint).not.toBe(
      firing.fingerprint,
    );
  });
});
