// Enums shared by several monitoring schemas. Each symbol list is the single source of both the Avro enum and the
// TypeScript union. Symbols are spelled as users write them (`avg`, `warning`, `cardinality_limit`).

export const AGGREGATIONS = ['avg', 'max', 'min', 'sum', 'count'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];
export const aggregationSchema = { type: 'enum', name: 'Aggregation', symbols: AGGREGATIONS } as const;

/** `gt` is `>`, `ge` is `>=`, and so on. */
export const COMPARISONS = ['gt', 'ge', 'lt', 'le', 'eq', 'ne'] as const;
export type Comparison = (typeof COMPARISONS)[number];
export const comparisonSchema = { type: 'enum', name: 'Comparison', symbols: COMPARISONS } as const;

// The only enum with a default: a reader that does not know a newer severity reads it as `warning` rather than
// failing. Unknown aggregations or comparisons must fail instead: guessing them would evaluate the wrong rule.
export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const severitySchema = {
  type: 'enum',
  name: 'Severity',
  symbols: SEVERITIES,
  default: 'warning',
} as const;

/** Prometheus' label matcher operators `=`, `!=`, `=~`, `!~`. */
export const MATCH_OPS = ['equal', 'not_equal', 'regex', 'not_regex'] as const;
export type MatchOp = (typeof MATCH_OPS)[number];
export const matchOpSchema = { type: 'enum', name: 'MatchOp', symbols: MATCH_OPS } as const;

/** What a rule does when a series stops reporting: resolve its alert, or raise a NODATA alert. */
export const NO_DATA_BEHAVIOURS = ['resolve', 'alert'] as const;
export type NoDataBehaviour = (typeof NO_DATA_BEHAVIOURS)[number];
export const noDataBehaviourSchema = {
  type: 'enum',
  name: 'NoDataBehaviour',
  symbols: NO_DATA_BEHAVIOURS,
} as const;

/**
 * States an alert is published in: FIRING and NODATA are active, RESOLVED ends the episode. INACTIVE and PENDING
 * (condition holding but not yet for `for`) are internal to the alerting topology: Alertmanager-style consumers act on
 * firing and resolved alerts only, and a pending alert that clears must not need a retraction.
 */
export const ALERT_STATES = ['FIRING', 'RESOLVED', 'NODATA'] as const;
export type AlertState = (typeof ALERT_STATES)[number];
export const alertStateSchema = { type: 'enum', name: 'AlertState', symbols: ALERT_STATES } as const;

export const REJECTION_REASONS = [
  'invalid_metric_name',
  'invalid_label_name',
  'reserved_label_name',
  'blacklisted_label',
  'too_many_labels',
  'empty_label_value',
  'oversized_label_value',
  'cardinality_limit',
  'undecodable',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];
export const rejectionReasonSchema = {
  type: 'enum',
  name: 'RejectionReason',
  symbols: REJECTION_REASONS,
} as const;
