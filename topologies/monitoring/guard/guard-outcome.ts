import type { Alert } from '../../../schemas/monitoring/alert.js';
import type { Metric } from '../../../schemas/monitoring/metric.js';
import type { Rejection } from '../../../schemas/monitoring/rejection.js';

/**
 * What the guard's processors forward: one stream of three record kinds, split by kind before the sinks (a processor
 * forwards one value type; the split keeps each sink's serde typed).
 */
export type GuardOutcome =
  | { readonly kind: 'metric'; readonly metric: Metric }
  | { readonly kind: 'rejection'; readonly rejection: Rejection }
  | { readonly kind: 'alert'; readonly alert: Alert };

export const isMetric = (_key: unknown, outcome: GuardOutcome): boolean => outcome.kind === 'metric';
export const isRejection = (_key: unknown, outcome: GuardOutcome): boolean => outcome.kind === 'rejection';
export const isAlert = (_key: unknown, outcome: GuardOutcome): boolean => outcome.kind === 'alert';

// The accessors run after the split, so a wrong kind is a wiring bug: fail loudly rather than write garbage.
export function metricOf(outcome: GuardOutcome): Metric {
  if (outcome.kind !== 'metric') throw wrongKind('metric', outcome);
  return outcome.metric;
}

export function rejectionOf(outcome: GuardOutcome): Rejection {
  if (outcome.kind !== 'rejection') throw wrongKind('rejection', outcome);
  return outcome.rejection;
}

export function alertOf(outcome: GuardOutcome): Alert {
  if (outcome.kind !== 'alert') throw wrongKind('alert', outcome);
  return outcome.alert;
}

function wrongKind(expected: string, outcome: GuardOutcome): Error {
  return new TypeError(`cardinality guard: expected a ${expected} outcome, got ${outcome.kind}`);
}
