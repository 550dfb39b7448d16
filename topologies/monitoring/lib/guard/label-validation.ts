import type { RejectionReason } from '../../../../schemas/monitoring/enums.js';
import type { Metric } from '../../../../schemas/monitoring/metric.js';
import { isValidLabelName, isValidMetricName, RESERVED_LABEL_PREFIX } from '../series/prometheus-names.js';

export interface LabelPolicy {
  /** Label names refused outright: unbounded values (ids) would explode the number of series. */
  readonly blacklist: readonly string[];
  readonly maxLabels: number;
  /** Longest label value accepted, in UTF-8 bytes. */
  readonly maxLabelValueBytes: number;
}

export const DEFAULT_LABEL_POLICY: LabelPolicy = {
  blacklist: ['user_id', 'request_id', 'session_id', 'trace_id'],
  maxLabels: 20,
  maxLabelValueBytes: 2048,
};

/** One reason a metric is refused, with the labels at fault (empty when the metric name is). */
export interface LabelProblem {
  readonly reason: RejectionReason;
  readonly labels: readonly string[];
  readonly message: string;
}

/**
 * Checks a metric against Prometheus' naming rules and the policy. Returns null when it is acceptable (no allocation
 * on that path: it runs for every record), else every problem found, the most fundamental first.
 */
export function validateLabels(metric: Metric, policy: LabelPolicy): LabelProblem[] | null {
  const names = Object.keys(metric.labels);
  let invalid: string[] | undefined;
  let reserved: string[] | undefined;
  let blacklisted: string[] | undefined;
  let empty: string[] | undefined;
  let oversized: string[] | undefined;
  for (const name of names) {
    if (name.startsWith(RESERVED_LABEL_PREFIX)) reserved = append(reserved, name);
    else if (!isValidLabelName(name)) invalid = append(invalid, name);
    else if (policy.blacklist.includes(name)) blacklisted = append(blacklisted, name);
    const value = metric.labels[name];
    if (value.length === 0) empty = append(empty, name);
    else if (utf8Length(value, policy.maxLabelValueBytes) > policy.maxLabelValueBytes) {
      oversized = append(oversized, name);
    }
  }
  const nameValid = isValidMetricName(metric.name);
  const tooMany = names.length > policy.maxLabels;
  if (nameValid && !tooMany && !invalid && !reserved && !blacklisted && !empty && !oversized) return null;

  const problems: LabelProblem[] = [];
  if (!nameValid) {
    problems.push({
      reason: 'invalid_metric_name',
      labels: [],
      message: `invalid metric name ${JSON.stringify(metric.name)} (must match [a-zA-Z_:][a-zA-Z0-9_:]*)`,
    });
  }
  if (invalid)
    problem(
      problems,
      'invalid_label_name',
      invalid,
      'invalid label names (must match [a-zA-Z_][a-zA-Z0-9_]*)',
    );
  if (reserved) problem(problems, 'reserved_label_name', reserved, 'reserved label names (__ prefix)');
  if (blacklisted)
    problem(problems, 'blacklisted_label', blacklisted, 'blacklisted labels (high cardinality)');
  if (tooMany) {
    problems.push({
      reason: 'too_many_labels',
      labels: [],
      message: `${names.length} labels, more than the limit of ${policy.maxLabels}`,
    });
  }
  if (empty) problem(problems, 'empty_label_value', empty, 'empty label values');
  if (oversized) {
    problem(
      problems,
      'oversized_label_value',
      oversized,
      `label values longer than ${policy.maxLabelValueBytes} bytes`,
    );
  }
  return problems;
}

/** Lists are created only when a problem shows up: valid metrics allocate nothing. */
function append(list: string[] | undefined, name: string): string[] {
  const target = list ?? [];
  target.push(name);
  return target;
}

function problem(problems: LabelProblem[], reason: RejectionReason, labels: string[], what: string): void {
  problems.push({ reason, labels, message: `${what}: ${labels.map((l) => JSON.stringify(l)).join(', ')}` });
}

/** UTF-8 length of `value`, computed only when its UTF-16 length (at most 3 bytes per unit) could exceed `limit`. */
function utf8Length(value: string, limit: number): number {
  return value.length * 3 <= limit ? value.length : Buffer.byteLength(value, 'utf8');
}
