import type { Metric } from '../../../../schemas/monitoring/metric.js';
import type { Rejection } from '../../../../schemas/monitoring/rejection.js';
import type { LabelProblem } from './label-validation.js';

/**
 * The rejection of a metric that failed label validation: reason of the most fundamental problem, every offending
 * label (what the sender must change), every problem in the message.
 */
export function labelRejection(
  metric: Metric,
  problems: readonly LabelProblem[],
  timestamp: number,
): Rejection {
  const labels = [...new Set(problems.flatMap((p) => p.labels))];
  return {
    reason: problems[0].reason,
    labels,
    message: `metric ${JSON.stringify(metric.name)} rejected: ${problems.map((p) => p.message).join('; ')}`,
    metric,
    raw: null,
    timestamp,
  };
}

/** The rejection of a new series of a metric that already has `limit` series. */
export function cardinalityRejection(
  metric: Metric,
  seriesCount: number,
  limit: number,
  timestamp: number,
): Rejection {
  return {
    reason: 'cardinality_limit',
    labels: [],
    message:
      `metric ${JSON.stringify(metric.name)} rejected: a new series would exceed the limit of ${limit} series ` +
      `per metric (${seriesCount} known)`,
    metric,
    raw: null,
    timestamp,
  };
}

/**
 * The rejection of a record that could not be decoded as a Metric; keeps its bytes (null for a record without a
 * value) so that nothing is lost: it can be inspected and replayed.
 */
export function undecodableRejection(raw: Buffer | null, error: unknown, timestamp: number): Rejection {
  return {
    reason: 'undecodable',
    labels: [],
    message: `record is not a Metric: ${error instanceof Error ? error.message : String(error)}`,
    metric: null,
    raw,
    timestamp,
  };
}

/**
 * The rejection of a decoded Metric whose sample time is unusable (negative): no window or alert evaluation can
 * place it. Filed under `undecodable` (the record is not a valid Metric) until the enum gets a symbol of its own.
 */
export function invalidTimestampRejection(metric: Metric, timestamp: number): Rejection {
  return {
    reason: 'undecodable',
    labels: [],
    message: `metric ${JSON.stringify(metric.name)} rejected: sample timestamp ${metric.timestamp} is negative`,
    metric,
    raw: null,
    timestamp,
  };
}
