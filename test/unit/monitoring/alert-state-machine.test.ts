import { describe, expect, it } from 'vitest';
import type { Alert, AlertRule } from '../../../schemas/monitoring/index.js';
import {
  type AlertContext,
  type AlertEvent,
  nextAlertState,
} from '../../../topologies/monitoring/lib/alerts/alert-state-machine.js';
import { alertFingerprint } from '../../../topologies/monitoring/lib/alerts/fingerprint.js';
import type { SeriesAlertState } from '../../../topologies/monitoring/lib/alerts/series-alert-state.js';
import { compileRule } from '../../../topologies/monitoring/lib/rules/compiled-rule.js';
import { defineAlertRule } from '../../../topologies/monitoring/lib/rules/define-rule.js';
import {
  addToWindowStats,
  aggregateValue,
  emptyWindowStats,
} from '../../../topologies/monitoring/lib/window-stats.js';
import { seededRandom } from './random.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 28, 12, 5, 0);
const labels = { service: 'api-gateway' };

function contextFor(overrides: Partial<AlertRule> = {}): AlertContext {
  const rule = {
    ...defineAlertRule({
      name: 'HighCPUUsage',
      expr: 'avg(cpu_usage{service="api-gateway"}[5m]) > 80 for 5m',
      severity: 'warning',
    }),
    ...overrides,
  };
  return {
    rule: compileRule(rule, { noDataTimeoutMs: 10 * MINUTE }),
    labels,
    fingerprint: alertFingerprint(rule.name, rule.metric, labels),
  };
}

/** Feeds events in order; returns the published alerts and the final state. */
function run(context: AlertContext, events: AlertEvent[], initial: SeriesAlertState | null = null) {
  let state = initial;
  const alerts: Alert[] = [];
  for (const event of events) {
    const step = nextAlertState(state, event, context);
    state = step.state;
    if (step.alert) alerts.push(step.alert);
  }
  return { alerts, state };
}

const evaluation = (minutesAfterT0: number, value: number): AlertEvent => ({
  type: 'evaluation',
  value,
  at: T0 + minutesAfterT0 * MINUTE,
});
const noDataCheck = (minutesAfterT0: number): AlertEvent => ({
  type: 'noDataCheck',
  now: T0 + minutesAfterT0 * MINUTE,
});

describe('alert state machine', () => {
  describe('seed example: HighCPUUsage avg(cpu_usage{service="api-gateway"}) > 80 for 5m', () => {
    // The design document's window: 300 samples summing to 24,500, avg 81.67.
    const stats = emptyWindowStats();
    for (let i = 0; i < 300; i++) addToWindowStats(stats, [80, 81, 84][i % 3]);
    const windowAvg = aggregateValue('avg', stats);

    it('publishes one FIRING alert with value 81.67, threshold 80, severity warning once it held for 5m', () => {
      expect([stats.count, stats.sum]).toEqual([300, 24_500]);
      const context = contextFor();
      const { alerts, state } = run(
        context,
        [0, 1, 2, 3, 4, 5].map((m) => evaluation(m, windowAvg)),
      );
      expect(alerts).toHaveLength(1);
      const [firing] = alerts;
      expect(firing).toMatchObject({
        fingerprint: context.fingerprint,
        rule: 'HighCPUUsage',
        metric: 'cpu_usage',
        state: 'FIRING',
        labels: { service: 'api-gateway' },
        threshold: 80,
        comparison: 'gt',
        aggregation: 'avg',
        severity: 'warning',
        activeAt: T0,
        timestamp: T0 + 5 * MINUTE,
        reason: null,
      });
      expect(firing.value).toBeCloseTo(81.67, 2);
      expect(state?.phase).toBe('FIRING');

      // The next evaluation with the condition still true publishes nothing.
      const next = nextAlertState(state, evaluation(6, windowAvg), context);
      expect(next.alert).toBeNull();
      expect(next.state?.phase).toBe('FIRING');
    });

    it('holds PENDING (unpublished) until `for` has elapsed', () => {
      const { alerts, state } = run(
        contextFor(),
        [0, 1, 2, 3, 4].map((m) => evaluation(m, windowAvg)),
      );
      expect(alerts).toEqual([]);
      expect(state).toEqual({
        phase: 'PENDING',
        activeAt: T0,
        lastEvaluatedAt: T0 + 4 * MINUTE,
        lastDataAt: T0 + 4 * MINUTE,
      });
    });
  });

  it('fires at the first evaluation when `for` is 0', () => {
    const { alerts } = run(contextFor({ forMs: 0 }), [evaluation(0, 85)]);
    expect(alerts.map((a) => [a.state, a.value, a.activeAt, a.timestamp])).toEqual([['FIRING', 85, T0, T0]]);
  });

  it('a pending alert that clears publishes nothing and forgets the series', () => {
    const { alerts, state } = run(contextFor(), [evaluation(0, 85), evaluation(1, 85), evaluation(2, 70)]);
    expect(alerts).toEqual([]);
    expect(state).toBeNull();
  });

  it('publishes RESOLVED once when the condition clears, then a new episode starts over', () => {
    const context = contextFor();
    const { alerts, state } = run(context, [
      ...[0, 1, 2, 3, 4, 5].map((m) => evaluation(m, 90)),
      evaluation(6, 75),
      evaluation(7, 70),
      ...[8, 9, 10, 11, 12, 13].map((m) => evaluation(m, 95)),
    ]);
    expect(alerts.map((a) => [a.state, a.value, a.activeAt, a.timestamp])).toEqual([
      ['FIRING', 90, T0, T0 + 5 * MINUTE],
      ['RESOLVED', 75, T0, T0 + 6 * MINUTE],
      ['FIRING', 95, T0 + 8 * MINUTE, T0 + 13 * MINUTE],
    ]);
    expect(new Set(alerts.map((a) => a.fingerprint))).toEqual(new Set([context.fingerprint]));
    expect(state?.phase).toBe('FIRING');
  });

  it('resolves a firing alert when the rule changes so that its condition no longer holds', () => {
    const firing = run(
      contextFor(),
      [0, 1, 2, 3, 4, 5].map((m) => evaluation(m, 85)),
    ).state;
    const { alerts } = run(contextFor({ threshold: 90 }), [evaluation(6, 85)], firing);
    expect(alerts.map((a) => [a.state, a.threshold])).toEqual([['RESOLVED', 90]]);
  });

  it('ignores an evaluation older than the last one applied', () => {
    const context = contextFor({ forMs: 0 });
    const firing = run(context, [evaluation(5, 85)]).state;
    const step = nextAlertState(firing, evaluation(4, 10), context);
    expect(step).toEqual({ state: firing, alert: null });
  });

  describe('no data', () => {
    it("'resolve': a firing series silent for longer than the timeout resolves once, with the reason", () => {
      const context = contextFor({ forMs: 0, noDataTimeoutMs: 10 * MINUTE });
      const { alerts, state } = run(context, [
        evaluation(0, 85),
        noDataCheck(5),
        noDataCheck(10),
        noDataCheck(11),
      ]);
      expect(alerts.map((a) => [a.state, a.value, a.timestamp, a.reason])).toEqual([
        ['FIRING', 85, T0, null],
        ['RESOLVED', null, T0 + 11 * MINUTE, 'no data for 11m'],
      ]);
      expect(state).toBeNull();
      expect(run(context, [noDataCheck(30)], state).alerts).toEqual([]);
    });

    it("'resolve': a silent pending or inactive series is forgotten without an alert", () => {
      const context = contextFor();
      const pending = run(context, [evaluation(0, 85)]).state;
      expect(nextAlertState(pending, noDataCheck(11), context)).toEqual({ state: null, alert: null });
    });

    it('uses the topology default timeout when the rule has none', () => {
      const context = contextFor({ forMs: 0, noDataTimeoutMs: null }); // default: 10 minutes
      const firing = run(context, [evaluation(0, 85)]).state;
      expect(nextAlertState(firing, noDataCheck(10), context).alert).toBeNull();
      expect(nextAlertState(firing, noDataCheck(10.5), context).alert?.state).toBe('RESOLVED');
    });

    it("'alert': a silent series publishes NODATA once, whatever its condition was", () => {
      const context = contextFor({ noData: 'alert', noDataTimeoutMs: 2 * MINUTE });
      const { alerts, state } = run(context, [
        evaluation(0, 10),
        noDataCheck(2),
        noDataCheck(3),
        noDataCheck(9),
      ]);
      expect(alerts.map((a) => [a.state, a.value, a.activeAt, a.timestamp, a.reason])).toEqual([
        ['NODATA', null, T0, T0 + 3 * MINUTE, 'no data for 3m'],
      ]);
      expect(state?.phase).toBe('NODATA');
    });

    it("'alert': data returning resolves NODATA; FIRING follows only after `for`", () => {
      const context = contextFor({ noData: 'alert', noDataTimeoutMs: 2 * MINUTE });
      const { alerts } = run(context, [
        evaluation(0, 90),
        noDataCheck(3),
        ...[10, 11, 12, 13, 14, 15].map((m) => evaluation(m, 90)),
      ]);
      expect(alerts.map((a) => [a.state, a.timestamp, a.reason])).toEqual([
        ['NODATA', T0 + 3 * MINUTE, 'no data for 3m'],
        ['RESOLVED', T0 + 10 * MINUTE, 'data returned'],
        ['FIRING', T0 + 15 * MINUTE, null],
      ]);
    });

    it("'alert': with `for` 0, returning data that meets the condition turns NODATA into FIRING directly", () => {
      const context = contextFor({ noData: 'alert', noDataTimeoutMs: 2 * MINUTE, forMs: 0 });
      const { alerts } = run(context, [evaluation(0, 10), noDataCheck(3), evaluation(4, 99)]);
      expect(alerts.map((a) => a.state)).toEqual(['NODATA', 'FIRING']);
    });

    it('an unchanged state is returned as the same object, so the caller can skip the store write', () => {
      const context = contextFor({ forMs: 0 });
      const firing = run(context, [evaluation(0, 85)]).state;
      expect(nextAlertState(firing, noDataCheck(1), context).state).toBe(firing);
    });
  });

  it('retiring the rule resolves an active alert and forgets the series', () => {
    const context = contextFor({ forMs: 0 });
    const firing = run(context, [evaluation(0, 85)]).state;
    const step = nextAlertState(firing, { type: 'retire', at: T0 + MINUTE, reason: 'rule deleted' }, context);
    expect(step.state).toBeNull();
    expect(step.alert).toMatchObject({
      state: 'RESOLVED',
      value: null,
      reason: 'rule deleted',
      activeAt: T0,
    });
    const pending = run(contextFor(), [evaluation(0, 85)]).state;
    expect(nextAlertState(pending, { type: 'retire', at: T0, reason: 'rule deleted' }, context)).toEqual({
      state: null,
      alert: null,
    });
  });

  it('over random event sequences, publishes FIRING/NODATA at most once per episode and RESOLVED only to end one', () => {
    const random = seededRandom(5);
    for (const noData of ['resolve', 'alert'] as const) {
      for (const forMs of [0, 3 * MINUTE]) {
        const context = contextFor({ noData, forMs, noDataTimeoutMs: 4 * MINUTE });
        let state: SeriesAlertState | null = null;
        let published: string = 'RESOLVED';
        let transitions = 0;
        let minute = 0;
        for (let i = 0; i < 5000; i++) {
          minute += random() < 0.1 ? 5 : 1;
          const roll = random();
          const event: AlertEvent =
            roll < 0.7
              ? evaluation(minute, random() < 0.5 ? 70 : 90)
              : roll < 0.97
                ? noDataCheck(minute)
                : { type: 'retire', at: T0 + minute * MINUTE, reason: 'rule deleted' };
          const step = nextAlertState(state, event, context);
          state = step.state;
          if (step.alert === null) continue;
          const next = step.alert.state;
          // Every published alert changes the published state; RESOLVED only ends an active episode.
          expect(next, `after ${published}`).not.toBe(published);
          if (next === 'RESOLVED') expect(['FIRING', 'NODATA']).toContain(published);
          if (noData === 'resolve') expect(next).not.toBe('NODATA');
          published = next;
          transitions++;
        }
        expect(transitions).toBeGreaterThan(100);
      }
    }
  });
});

describe('alertFingerprint', () => {
  it('is stable for a rule and series, whatever the label order, and differs between rules and series', () => {
    const a = alertFingerprint('HighCPUUsage', 'cpu_usage', { service: 'api', host: 'h1' });
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(alertFingerprint('HighCPUUsage', 'cpu_usage', { host: 'h1', service: 'api' })).toBe(a);
    expect(alertFingerprint('OtherRule', 'cpu_usage', { service: 'api', host: 'h1' })).not.toBe(a);
    expect(alertFingerprint('HighCPUUsage', 'cpu_usage', { service: 'api', host: 'h2' })).not.toBe(a);
  });
});
