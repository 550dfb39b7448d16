import type { AlertRule, Comparison, Metric } from '../../../../schemas/monitoring/index.js';
import { isValidLabelName, isValidMetricName } from '../series/prometheus-names.js';
import { type CompiledMatcher, compileMatcher, matchesAll } from './label-matchers.js';

/** Settings of the alerting topology that rules may leave open. */
export interface RuleDefaults {
  /** Silence after which a series has no data, for rules whose `noDataTimeoutMs` is null. */
  readonly noDataTimeoutMs: number;
}

/** A validated rule, ready to match samples and evaluate values. */
export interface CompiledRule {
  readonly rule: AlertRule;
  readonly matchers: readonly CompiledMatcher[];
  /** The rule's own timeout, or the default. */
  readonly noDataTimeoutMs: number;
  /** True when the sample belongs to a series this rule watches. */
  appliesTo(metric: Pick<Metric, 'name' | 'labels'>): boolean;
  /** True when `value` meets the rule's condition (NaN never does). */
  holds(value: number): boolean;
}

/** A rule that cannot be used, with every problem found. */
export class InvalidRuleError extends Error {
  constructor(
    readonly ruleName: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid alert rule ${JSON.stringify(ruleName)}: ${problems.join('; ')}`);
    this.name = 'InvalidRuleError';
  }
}

const COMPARE: Readonly<Record<Comparison, (value: number, threshold: number) => boolean>> = {
  gt: (v, t) => v > t,
  ge: (v, t) => v >= t,
  lt: (v, t) => v < t,
  le: (v, t) => v <= t,
  eq: (v, t) => v === t,
  ne: (v, t) => v !== t,
};

/** Validates a rule (as read from `alert.rules`) and compiles its matchers; throws InvalidRuleError. */
export function compileRule(rule: AlertRule, defaults: RuleDefaults): CompiledRule {
  const problems: string[] = [];
  if (rule.name.trim() === '') problems.push('name is empty');
  if (!isValidMetricName(rule.metric)) problems.push(`invalid metric name ${JSON.stringify(rule.metric)}`);
  const matchers: CompiledMatcher[] = [];
  for (const matcher of rule.matchers) {
    try {
      matchers.push(compileMatcher(matcher));
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  if (!isPositiveInteger(rule.windowMs))
    problems.push(`windowMs must be a positive integer, got ${rule.windowMs}`);
  if (!isPositiveInteger(rule.evaluationIntervalMs)) {
    problems.push(`evaluationIntervalMs must be a positive integer, got ${rule.evaluationIntervalMs}`);
  } else if (rule.evaluationIntervalMs > rule.windowMs) {
    // A hop longer than the window would leave samples out of every window.
    problems.push(
      `evaluationIntervalMs (${rule.evaluationIntervalMs}) must not exceed windowMs (${rule.windowMs})`,
    );
  }
  if (!Number.isFinite(rule.threshold))
    problems.push(`threshold must be a finite number, got ${rule.threshold}`);
  if (!(Number.isInteger(rule.forMs) && rule.forMs >= 0)) {
    problems.push(`forMs must be a non-negative integer, got ${rule.forMs}`);
  }
  const badLabels = Object.keys(rule.labels).filter((name) => !isValidLabelName(name));
  if (badLabels.length > 0)
    problems.push(`invalid extra label names: ${badLabels.map((l) => JSON.stringify(l)).join(', ')}`);
  if (rule.noDataTimeoutMs !== null && !isPositiveInteger(rule.noDataTimeoutMs)) {
    problems.push(`noDataTimeoutMs must be a positive integer or null, got ${rule.noDataTimeoutMs}`);
  }
  if (problems.length > 0) throw new InvalidRuleError(rule.name, problems);

  const compare = COMPARE[rule.comparison];
  const threshold = rule.threshold;
  return {
    rule,
    matchers,
    noDataTimeoutMs: rule.noDataTimeoutMs ?? defaults.noDataTimeoutMs,
    appliesTo: (metric) => metric.name === rule.metric && matchesAll(matchers, metric.labels),
    holds: (value) => compare(value, threshold),
  };
}

function isPositiveInteger(value: number): boolean {
  return Number.isInteger(value) && value > 0;
}
