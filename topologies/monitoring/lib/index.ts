// Pure building blocks of the monitoring topologies: no DSL, no I/O.
export {
  type AlertContext,
  type AlertEvent,
  type AlertStep,
  nextAlertState,
} from './alerts/alert-state-machine.js';
export { alertFingerprint } from './alerts/fingerprint.js';
export type { AlertPhase, SeriesAlertState } from './alerts/series-alert-state.js';
export {
  admitSeries,
  type CardinalityPolicy,
  cardinalityAlertDue,
  DEFAULT_CARDINALITY_POLICY,
  HIGH_CARDINALITY_RULE,
  highCardinalityAlert,
  isSeriesExpired,
  type SeriesAdmission,
} from './guard/cardinality.js';
export {
  DEFAULT_LABEL_POLICY,
  type LabelPolicy,
  type LabelProblem,
  validateLabels,
} from './guard/label-validation.js';
export {
  cardinalityRejection,
  invalidTimestampRejection,
  labelRejection,
  undecodableRejection,
} from './guard/rejections.js';
export {
  addSample,
  emptyRollupAggregate,
  mergeRollupAggregates,
  type RollupAggregate,
  rollupAggregateOf,
  rollupAggregateSerde,
  toRollup,
} from './rollup/rollup-aggregate.js';
export {
  type CompiledRule,
  compileRule,
  InvalidRuleError,
  type RuleDefaults,
} from './rules/compiled-rule.js';
export { type AlertRuleDefinition, defineAlertRule, formatRule } from './rules/define-rule.js';
export { formatDuration, parseDuration } from './rules/durations.js';
export { type CompiledMatcher, compileMatcher, formatMatcher, matchesAll } from './rules/label-matchers.js';
export { compilePrometheusRegex, InvalidRegexError } from './rules/prometheus-regex.js';
export { parseRuleExpression, type RuleExpression } from './rules/rule-expression.js';
export { isValidLabelName, isValidMetricName } from './series/prometheus-names.js';
export { parseSeriesKey, type Series, seriesKey } from './series/series-key.js';
export { DDSketch, decodeSketch, encodeSketch } from './sketch/index.js';
export {
  addToWindowStats,
  aggregateValue,
  emptyWindowStats,
  mergeWindowStats,
  type WindowStats,
} from './window-stats.js';
