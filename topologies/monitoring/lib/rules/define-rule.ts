import type { AlertRule, NoDataBehaviour, Severity } from '../../../../schemas/monitoring/index.js';
import { compileRule } from './compiled-rule.js';
import { formatDuration } from './durations.js';
import { formatMatcher } from './label-matchers.js';
import { parseRuleExpression } from './rule-expression.js';

const COMPARISON_SYMBOLS = { gt: '>', ge: '>=', lt: '<', le: '<=', eq: '==', ne: '!=' } as const;
const DEFAULT_EVALUATION_INTERVAL_MS = 60_000;

export interface AlertRuleDefinition {
  readonly name: string;
  /** `avg(cpu_usage{service="api-gateway"}[5m]) > 80 for 5m` (see parseRuleExpression). */
  readonly expr: string;
  /** Window when the expression has no `[range]`. */
  readonly windowMs?: number;
  /** Default: one minute, or the window when it is shorter. */
  readonly evaluationIntervalMs?: number;
  /** When the expression has no `for`; default 0. */
  readonly forMs?: number;
  readonly severity?: Severity;
  readonly labels?: Readonly<Record<string, string>>;
  readonly noData?: NoDataBehaviour;
  readonly noDataTimeoutMs?: number | null;
}

/**
 * Builds the AlertRule record (what `alert.rules` holds) from an expression and options, validated: throws a
 * RangeError for an expression that does not parse and an InvalidRuleError for a rule that cannot be evaluated.
 */
export function defineAlertRule(definition: AlertRuleDefinition): AlertRule {
  const expr = parseRuleExpression(definition.expr);
  const twice = (what: string) =>
    new RangeError(
      `alert rule ${JSON.stringify(definition.name)}: ${what} is given both in expr and as an option`,
    );
  if (expr.windowMs !== undefined && definition.windowMs !== undefined) throw twice('the window');
  if (expr.forMs !== undefined && definition.forMs !== undefined) throw twice('the for duration');
  const windowMs = expr.windowMs ?? definition.windowMs;
  if (windowMs === undefined) {
    throw new RangeError(
      `alert rule ${JSON.stringify(definition.name)}: no window: write [5m] or give windowMs`,
    );
  }
  const rule: AlertRule = {
    name: definition.name,
    metric: expr.metric,
    matchers: expr.matchers,
    aggregation: expr.aggregation,
    windowMs,
    evaluationIntervalMs:
      definition.evaluationIntervalMs ?? Math.min(DEFAULT_EVALUATION_INTERVAL_MS, windowMs),
    comparison: expr.comparison,
    threshold: expr.threshold,
    forMs: expr.forMs ?? definition.forMs ?? 0,
    severity: definition.severity ?? 'warning',
    labels: definition.labels ?? {},
    noData: definition.noData ?? 'resolve',
    noDataTimeoutMs: definition.noDataTimeoutMs ?? null,
  };
  compileRule(rule, { noDataTimeoutMs: 1 });
  return rule;
}

/** The rule as an expression: `avg(cpu_usage{service="api-gateway"}[5m]) > 80 for 5m`. */
export function formatRule(rule: AlertRule): string {
  const matchers = rule.matchers.length > 0 ? `{${rule.matchers.map(formatMatcher).join(',')}}` : '';
  const forClause = rule.forMs > 0 ? ` for ${formatDuration(rule.forMs)}` : '';
  return (
    `${rule.aggregation}(${rule.metric}${matchers}[${formatDuration(rule.windowMs)}]) ` +
    `${COMPARISON_SYMBOLS[rule.comparison]} ${rule.threshold}${forClause}`
  );
}
