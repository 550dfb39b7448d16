export { type Alert, alertSchema } from './alert.js';
export { type AlertRule, alertRuleSchema, type LabelMatcher, labelMatcherSchema } from './alert-rule.js';
export {
  AGGREGATIONS,
  type Aggregation,
  ALERT_STATES,
  type AlertState,
  COMPARISONS,
  type Comparison,
  MATCH_OPS,
  type MatchOp,
  NO_DATA_BEHAVIOURS,
  type NoDataBehaviour,
  REJECTION_REASONS,
  type RejectionReason,
  SEVERITIES,
  type Severity,
} from './enums.js';
export { type Metric, metricSchema } from './metric.js';
export { MONITORING_NAMESPACE } from './namespace.js';
export { type Notification, notificationSchema } from './notification.js';
export { type Rejection, rejectionSchema } from './rejection.js';
export { type Rollup, rollupSchema } from './rollup.js';
export { type MonitoringSerdes, monitoringSerdes } from './serdes.js';
