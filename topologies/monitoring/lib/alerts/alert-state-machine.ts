import type { Alert, AlertState } from '../../../../schemas/monitoring/index.js';
import type { CompiledRule } from '../rules/compiled-rule.js';
import { formatDuration } from '../rules/durations.js';
import type { SeriesAlertState } from './series-alert-state.js';

/** The rule and series a state machine instance is about. */
export interface AlertContext {
  readonly rule: CompiledRule;
  /** Labels of the series. */
  readonly labels: Readonly<Record<string, string>>;
  /** alertFingerprint(rule name, metric, labels), computed once by the caller. */
  readonly fingerprint: string;
}

export type AlertEvent =
  /** The rule's aggregate over a window that had samples, evaluated at `at` (the window end). */
  | { readonly type: 'evaluation'; readonly value: number; readonly at: number; readonly dataAt?: number }
  /** A punctuator asks whether the series has been silent too long; `now` is in the clock of `dataAt`. */
  | { readonly type: 'noDataCheck'; readonly now: number }
  /** The rule was deleted, or changed so that it no longer watches this series. */
  | { readonly type: 'retire'; readonly at: number; readonly reason: string };

export interface AlertStep {
  /** State to store; null deletes it. The very same object as before when nothing changed (no write needed). */
  readonly state: SeriesAlertState | null;
  /** The alert to publish, when the published state changed. */
  readonly alert: Alert | null;
}

/**
 * The alert state machine of one rule for one series, as a pure function. Prometheus semantics:
 * INACTIVE -> PENDING when the condition first holds; PENDING -> FIRING once it has held for `forMs` (at once when
 * `forMs` is 0); PENDING -> INACTIVE silently when it stops holding; FIRING -> RESOLVED (then INACTIVE) when it stops.
 * Only changes of the published state produce an alert, so FIRING is published once per episode and RESOLVED once.
 *
 * No data: a series silent for longer than the rule's timeout resolves its alert (`noData: 'resolve'`), or publishes
 * a NODATA alert (`noData: 'alert'`), which is resolved, or turned into FIRING, when data returns.
 */
export function nextAlertState(
  previous: SeriesAlertState | null,
  event: AlertEvent,
  context: AlertContext,
): AlertStep {
  switch (event.type) {
    case 'evaluation':
      return evaluate(previous, event.value, event.at, event.dataAt ?? event.at, context);
    case 'noDataCheck':
      return checkNoData(previous, event.now, context);
    case 'retire':
      return retire(previous, event.at, event.reason, context);
  }
}

const unchanged = (state: SeriesAlertState | null): AlertStep => ({ state, alert: null });

function evaluate(
  previous: SeriesAlertState | null,
  value: number,
  at: number,
  dataAt: number,
  context: AlertContext,
): AlertStep {
  if (previous !== null && at < previous.lastEvaluatedAt) return unchanged(previous);
  const { forMs, noData } = context.rule.rule;
  const holds = context.rule.holds(value);
  const seen = { lastEvaluatedAt: at, lastDataAt: Math.max(previous?.lastDataAt ?? dataAt, dataAt) };
  // An inactive series is only worth storing when its silence would raise a NODATA alert.
  const inactive = noData === 'alert' ? { phase: 'INACTIVE' as const, activeAt: null, ...seen } : null;
  const phase = previous?.phase ?? 'INACTIVE';

  if (!holds) {
    if (phase === 'FIRING')
      return { state: inactive, alert: alert(context, 'RESOLVED', value, previous, at, null) };
    if (phase === 'NODATA') {
      return { state: inactive, alert: alert(context, 'RESOLVED', value, previous, at, 'data returned') };
    }
    return { state: inactive, alert: null };
  }

  if (phase === 'FIRING') return { state: { ...(previous as SeriesAlertState), ...seen }, alert: null };
  // A new episode starts now unless one is already pending.
  const activeAt = phase === 'PENDING' ? (previous?.activeAt ?? at) : at;
  if (at - activeAt >= forMs) {
    const firing: SeriesAlertState = { phase: 'FIRING', activeAt, ...seen };
    return { state: firing, alert: alert(context, 'FIRING', value, firing, at, null) };
  }
  const pending: SeriesAlertState = { phase: 'PENDING', activeAt, ...seen };
  if (phase === 'NODATA') {
    // The NODATA alert must end now; FIRING may follow after `forMs`.
    return { state: pending, alert: alert(context, 'RESOLVED', value, previous, at, 'data returned') };
  }
  return { state: pending, alert: null };
}

function checkNoData(previous: SeriesAlertState | null, now: number, context: AlertContext): AlertStep {
  if (previous === null) return unchanged(null);
  const silence = now - previous.lastDataAt;
  if (silence <= context.rule.noDataTimeoutMs) return unchanged(previous);
  const reason = `no data for ${formatDuration(silence)}`;
  if (context.rule.rule.noData === 'alert') {
    if (previous.phase === 'NODATA') return unchanged(previous);
    const noData: SeriesAlertState = { ...previous, phase: 'NODATA', activeAt: previous.lastDataAt };
    return { state: noData, alert: alert(context, 'NODATA', null, noData, now, reason) };
  }
  const active = previous.phase === 'FIRING' || previous.phase === 'NODATA';
  return { state: null, alert: active ? alert(context, 'RESOLVED', null, previous, now, reason) : null };
}

function retire(
  previous: SeriesAlertState | null,
  at: number,
  reason: string,
  context: AlertContext,
): AlertStep {
  const active = previous !== null && (previous.phase === 'FIRING' || previous.phase === 'NODATA');
  return { state: null, alert: active ? alert(context, 'RESOLVED', null, previous, at, reason) : null };
}

function alert(
  context: AlertContext,
  state: AlertState,
  value: number | null,
  episode: SeriesAlertState | null,
  timestamp: number,
  reason: string | null,
): Alert {
  const rule = context.rule.rule;
  return {
    fingerprint: context.fingerprint,
    rule: rule.name,
    metric: rule.metric,
    state,
    labels: context.labels,
    ruleLabels: rule.labels,
    value: value === null || Number.isNaN(value) ? null : value,
    threshold: rule.threshold,
    comparison: rule.comparison,
    aggregation: rule.aggregation,
    severity: rule.severity,
    activeAt: episode?.activeAt ?? timestamp,
    timestamp,
    reason,
  };
}
