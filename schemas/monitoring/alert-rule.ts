import {
  type Aggregation,
  aggregationSchema,
  type Comparison,
  comparisonSchema,
  type MatchOp,
  matchOpSchema,
  type NoDataBehaviour,
  noDataBehaviourSchema,
  type Severity,
  severitySchema,
} from './enums.js';
import { MONITORING_NAMESPACE } from './namespace.js';

/** `service="api-gateway"`, `host=~"web-.*"`: regexes are fully anchored, as in Prometheus. */
export interface LabelMatcher {
  readonly name: string;
  readonly op: MatchOp;
  readonly value: string;
}

/**
 * `avg(cpu_usage{service="api-gateway"}[5m]) > 80 for 5m`: an alert rule, the value of the compacted `alert.rules`
 * topic keyed by rule name (a tombstone deletes the rule).
 */
export interface AlertRule {
  readonly name: string;
  /** The metric name the rule watches. */
  readonly metric: string;
  readonly matchers: readonly LabelMatcher[];
  readonly aggregation: Aggregation;
  /** Size of the hopping window the aggregation runs over. */
  readonly windowMs: number;
  /** Hop of that window: how often the condition is evaluated. */
  readonly evaluationIntervalMs: number;
  readonly comparison: Comparison;
  readonly threshold: number;
  /** How long the condition must hold before the alert fires (Prometheus `for`); 0 fires at once. */
  readonly forMs: number;
  readonly severity: Severity;
  /** Extra labels every alert of this rule carries. */
  readonly labels: Readonly<Record<string, string>>;
  readonly noData: NoDataBehaviour;
  /** A series silent for longer than this counts as no data; null uses the topology's default. */
  readonly noDataTimeoutMs: number | null;
}

export const labelMatcherSchema = {
  type: 'record',
  name: 'LabelMatcher',
  fields: [
    { name: 'name', type: 'string', doc: 'Label name.' },
    { name: 'op', type: matchOpSchema },
    { name: 'value', type: 'string', doc: 'Value, or a fully anchored RE2 regex for regex / not_regex.' },
  ],
} as const;

export const alertRuleSchema = {
  type: 'record',
  name: 'AlertRule',
  namespace: MONITORING_NAMESPACE,
  doc: 'aggregation(metric{matchers}[window]) comparison threshold for forMs; keyed by name in alert.rules.',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'metric', type: 'string', doc: 'Metric name the rule watches.' },
    { name: 'matchers', type: { type: 'array', items: labelMatcherSchema }, default: [] },
    { name: 'aggregation', type: aggregationSchema },
    { name: 'windowMs', type: 'long', doc: 'Hopping window size.' },
    { name: 'evaluationIntervalMs', type: 'long', doc: 'Window hop: how often the condition is evaluated.' },
    { name: 'comparison', type: comparisonSchema },
    { name: 'threshold', type: 'double' },
    { name: 'forMs', type: 'long', default: 0, doc: 'Condition must hold this long before FIRING.' },
    { name: 'severity', type: severitySchema, default: 'warning' },
    { name: 'labels', type: { type: 'map', values: 'string' }, default: {}, doc: 'Extra labels on alerts.' },
    { name: 'noData', type: noDataBehaviourSchema, default: 'resolve' },
    {
      name: 'noDataTimeoutMs',
      type: ['null', 'long'],
      default: null,
      doc: 'Silence longer than this is no data; null: the topology default.',
    },
  ],
} as const;
